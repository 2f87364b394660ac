# shellcheck shell=bash
# Component 'registry' of the test environment: registry_up, registry_status [seconds], registry_down.
#
# Debian's docker-registry (distribution 2.8) on 127.0.0.1:$REGISTRY_PORT, htpasswd (bcrypt) auth,
# deletes enabled, storage under $SWISS_DEPLOY_RUN/registry. With docker up, `up` also logs docker in and
# pushes the locally made base images there (BuildKit, containerd and the kubelet pull them from it).

REGISTRY_CONF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../registry" && pwd)"
REGISTRY_DIR="$SWISS_DEPLOY_RUN/registry"
REGISTRY_ADDR="127.0.0.1:$REGISTRY_PORT"

# registry__alive: the registry env.sh started runs (a zombie not yet reaped by PID 1 does not count)
registry__alive() {
  local pid state
  pid="$(daemon_pid registry)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)"
  [ -n "$state" ] && [ "$state" != Z ]
}

registry__code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" "http://$REGISTRY_ADDR/v2/" 2>/dev/null || true; }
registry__answers() { [ "$(registry__code)" = 401 ]; }
registry__auth_ok() { [ "$(registry__code -u "$REGISTRY_USER:$REGISTRY_PASSWORD")" = 200 ]; }

# registry__digest REPO TAG: the registry's Docker-Content-Digest for REPO:TAG (empty when missing).
registry__digest() {
  curl -sfI -m 10 -u "$REGISTRY_USER:$REGISTRY_PASSWORD" \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_ADDR/v2/$1/manifests/$2" 2>/dev/null | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}

registry__config() {
  local secret
  mkdir -p "$REGISTRY_DIR/data"
  [ -s "$REGISTRY_DIR/secret" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$REGISTRY_DIR/secret"
  secret="$(cat "$REGISTRY_DIR/secret")"
  # bcrypt entry; rewritten only when the credentials in versions.env change
  if ! htpasswd -vb "$REGISTRY_DIR/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1; then
    htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$REGISTRY_DIR/htpasswd.new" 2>/dev/null ||
      die "registry: htpasswd failed"
    mv "$REGISTRY_DIR/htpasswd.new" "$REGISTRY_DIR/htpasswd"
    if registry__alive; then note "registry credentials changed: restarting"; stop_daemon registry; fi
  fi
  sed -e "s|@REGISTRY_DIR@|$REGISTRY_DIR|g" -e "s|@REGISTRY_PORT@|$REGISTRY_PORT|g" -e "s|@REGISTRY_SECRET@|$secret|g" \
    "$REGISTRY_CONF_DIR/config.yml" >"$REGISTRY_DIR/config.yml.new"
  if cmp -s "$REGISTRY_DIR/config.yml.new" "$REGISTRY_DIR/config.yml"; then
    rm -f "$REGISTRY_DIR/config.yml.new"
  else
    mv "$REGISTRY_DIR/config.yml.new" "$REGISTRY_DIR/config.yml"
    if registry__alive; then note "registry config changed: restarting"; stop_daemon registry; fi
  fi
}

# Push the base images docker_up made (and the CRI sandbox image) unless the registry has them already.
registry__push_base_images() {
  local image repo tag id
  if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
    note "docker is not up: base images not pushed"
    return 0
  fi
  docker login -u "$REGISTRY_USER" --password-stdin "$REGISTRY_ADDR" <<<"$REGISTRY_PASSWORD" >/dev/null 2>&1 ||
    die "registry: docker login $REGISTRY_ADDR failed"
  # shellcheck disable=SC2013 # one image name per line, no spaces
  for image in $(grep -E '^(BASE_IMAGE_DEBIAN|BASE_IMAGE_NODE|CONTAINERD_SANDBOX_IMAGE)=' "$ENV_FILE" 2>/dev/null | cut -d= -f2-); do
    case "$image" in "$REGISTRY_ADDR"/*) ;; *) continue ;; esac
    id="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null)" || continue
    repo="${image#"$REGISTRY_ADDR"/}"
    tag="${repo##*:}"
    repo="${repo%:*}"
    [ "$(registry__digest "$repo" "$tag")" = "$id" ] && continue
    note "docker push $image"
    docker push -q "$image" >"$LOG_DIR/registry-push.log" 2>&1 ||
      die "registry: docker push $image failed: $(tail -n 3 "$LOG_DIR/registry-push.log")"
  done
}

registry_up() {
  apt_install docker-registry apache2-utils curl
  registry__config
  if ! registry__alive; then
    if registry__answers; then
      registry__auth_ok || die "registry: something else answers on $REGISTRY_ADDR (and rejects our credentials)"
      note "reusing the registry already answering on $REGISTRY_ADDR (not started by env.sh)"
    else
      note "starting docker-registry on $REGISTRY_ADDR"
      start_daemon registry docker-registry serve "$REGISTRY_DIR/config.yml"
    fi
  fi
  wait_until 20 "registry answers" registry__answers ||
    die "registry: no answer on $REGISTRY_ADDR: $(tail -n 5 "$LOG_DIR/registry.log")"
  env_set REGISTRY "$REGISTRY_ADDR"
  env_set REGISTRY_USER "$REGISTRY_USER"
  env_set REGISTRY_PASSWORD "$REGISTRY_PASSWORD"
  env_set REGISTRY_VERSION "$(docker-registry --version | awk '{print $3}')"
  registry__push_base_images
}

registry_status() {
  local anon auth version
  anon="$(registry__code)"
  auth="$(registry__code -u "$REGISTRY_USER:$REGISTRY_PASSWORD")"
  version="$(docker-registry --version 2>/dev/null | awk '{print $3}')"
  if [ "$anon" = 401 ] && [ "$auth" = 200 ]; then
    report registry up "${version:--}" "http://$REGISTRY_ADDR" "${1:-}"
  else
    report registry down "${version:--}" "http://$REGISTRY_ADDR (/v2/: $anon anon, $auth auth)" "${1:-}"
    return 1
  fi
}

registry_down() {
  if registry__alive; then
    note "stopping docker-registry"
    stop_daemon registry
  fi
  rm -f "$PID_DIR/registry.pid"
  env_unset_prefix REGISTRY
}
