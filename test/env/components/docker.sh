# shellcheck shell=bash
# Component 'docker' of the test environment: docker_up, docker_status [seconds], docker_down.
#
# Docker engine + buildx from Debian trixie, run against a containerd of our own
# ($SWISS_DEPLOY_RUN/containerd/containerd.sock, CRI plugin on, so the test kubelet can share it),
# with the containerd image store (daemon.json "containerd-snapshotter") so buildx pushes with --metadata-file.
# Also makes the base images locally (debootstrap → docker import; nothing can be pulled here) and a
# pod sandbox ("pause") image for the CRI.

DOCKER_CONF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../docker" && pwd)"
CONTAINERD_DIR="$SWISS_DEPLOY_RUN/containerd"
CONTAINERD_SOCK="$CONTAINERD_DIR/containerd.sock"
DOCKERD_DIR="$SWISS_DEPLOY_RUN/docker"
DOCKER_SOCK=/var/run/docker.sock
DOCKER_DAEMON_JSON=/etc/docker/daemon.json
: "${CONTAINERD_CNI_BIN_DIR:=/usr/lib/cni}"
: "${CONTAINERD_CNI_CONF_DIR:=$CONTAINERD_DIR/cni/net.d}"

# docker__alive NAME: like lib.sh's daemon_running, but a zombie (killed, not yet reaped by PID 1) is not alive.
docker__alive() {
  local pid state
  pid="$(daemon_pid "$1")" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)"
  [ -n "$state" ] && [ "$state" != Z ]
}

docker__ctr() { ctr --address "$CONTAINERD_SOCK" "$@"; }
docker__dockerd_ok() { DOCKER_HOST="unix://$DOCKER_SOCK" docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }
docker__containerd_ok() { [ -S "$CONTAINERD_SOCK" ] && docker__ctr version >/dev/null 2>&1; }

# The registry-qualified names tests use (tagged locally too, and pushed by `registry` once it runs).
docker__registry_host() { echo "127.0.0.1:$REGISTRY_PORT"; }
docker__base_image_debian() { echo "$(docker__registry_host)/$BASE_IMAGE_REPO_DEBIAN:$BASE_DEBIAN_SUITE"; }
docker__sandbox_image() { echo "$(docker__registry_host)/$DOCKER_SANDBOX_REPO:$DOCKER_SANDBOX_TAG"; }

# --- installation -------------------------------------------------------------------------------------

docker__pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

docker__install() {
  local sources=/etc/apt/sources.list.d/swiss-deploy-$DOCKER_APT_RELEASE.sources
  local prefs=/etc/apt/preferences.d/swiss-deploy-$DOCKER_APT_RELEASE
  local engine cli buildx
  engine="$(docker__pkg_version docker.io)"
  cli="$(docker__pkg_version docker-cli)"
  buildx="$(docker__pkg_version docker-buildx)"
  if [[ "$engine" == "$DOCKER_ENGINE_MAJOR".* && -n "$cli" && -n "$buildx" ]] && command -v debootstrap >/dev/null && command -v jq >/dev/null; then
    return 0
  fi
  if [ ! -f "$sources" ]; then
    note "apt source $DOCKER_APT_RELEASE (pin priority 50: only what is asked for comes from it)"
    cat >"$sources" <<EOF
Types: deb
URIs: $BASE_DEBIAN_MIRROR
Suites: $DOCKER_APT_RELEASE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    printf 'Package: *\nPin: release n=%s\nPin-Priority: 50\n' "$DOCKER_APT_RELEASE" >"$prefs"
    # shellcheck disable=SC2034
    APT_UPDATED=0 # lib.sh: makes apt_install run `apt-get update` again, now with this source
  fi
  # pkg/release takes only these from trixie; their dependencies come from bookworm where they can.
  # The image's policy-rc.d keeps the packages' init scripts from starting daemons.
  apt_install "docker.io/$DOCKER_APT_RELEASE" "docker-cli/$DOCKER_APT_RELEASE" "docker-buildx/$DOCKER_APT_RELEASE" \
    "containerd/$DOCKER_APT_RELEASE" iptables debootstrap jq curl ca-certificates
  engine="$(docker__pkg_version docker.io)"
  [[ "$engine" == "$DOCKER_ENGINE_MAJOR".* ]] ||
    die "docker: docker.io $engine is installed, $DOCKER_ENGINE_MAJOR.x from $DOCKER_APT_RELEASE is wanted (apt-get install docker.io/$DOCKER_APT_RELEASE)"
}

# Merge {"features":{"containerd-snapshotter":true}} into /etc/docker/daemon.json, keeping every other key.
docker__daemon_json() {
  local tmp current='{}'
  mkdir -p /etc/docker
  [ -s "$DOCKER_DAEMON_JSON" ] && current="$(cat "$DOCKER_DAEMON_JSON")"
  if [ "$(jq -r '.features["containerd-snapshotter"] // false' <<<"$current")" = true ]; then return 0; fi
  tmp="$(mktemp)"
  jq '.features["containerd-snapshotter"] = true' <<<"$current" >"$tmp" || die "docker: $DOCKER_DAEMON_JSON is not valid JSON"
  install -m 0644 "$tmp" "$DOCKER_DAEMON_JSON"
  rm -f "$tmp"
  note "containerd snapshotter enabled in $DOCKER_DAEMON_JSON"
}

# --- containerd ---------------------------------------------------------------------------------------

docker__containerd_config() {
  local host
  mkdir -p "$CONTAINERD_DIR/root" "$CONTAINERD_DIR/state" "$CONTAINERD_CNI_CONF_DIR"
  sed -e "s|@CONTAINERD_DIR@|$CONTAINERD_DIR|g" \
    -e "s|@SANDBOX_IMAGE@|$(docker__sandbox_image)|g" \
    -e "s|@CNI_BIN_DIR@|$CONTAINERD_CNI_BIN_DIR|g" \
    -e "s|@CNI_CONF_DIR@|$CONTAINERD_CNI_CONF_DIR|g" \
    "$DOCKER_CONF_DIR/containerd.toml" >"$CONTAINERD_DIR/config.toml.new"
  # registry hosts: the local registry speaks plain http
  for host in "127.0.0.1:$REGISTRY_PORT" "localhost:$REGISTRY_PORT"; do
    mkdir -p "$CONTAINERD_DIR/certs.d/$host"
    cat >"$CONTAINERD_DIR/certs.d/$host/hosts.toml" <<EOF
server = "http://$host"

[host."http://$host"]
  capabilities = ["pull", "resolve", "push"]
  skip_verify = true
EOF
  done
  if cmp -s "$CONTAINERD_DIR/config.toml.new" "$CONTAINERD_DIR/config.toml"; then
    rm -f "$CONTAINERD_DIR/config.toml.new"
  else
    mv "$CONTAINERD_DIR/config.toml.new" "$CONTAINERD_DIR/config.toml"
    if docker__alive containerd; then
      note "containerd config changed: restarting containerd"
      docker__stop_dockerd
      stop_daemon containerd
    fi
  fi
}

docker__start_containerd() {
  docker__containerd_config
  if docker__containerd_ok; then return 0; fi
  if docker__alive containerd; then
    wait_until 20 "containerd answers" docker__containerd_ok && return 0
    die "docker: containerd (pid $(daemon_pid containerd)) runs but does not answer on $CONTAINERD_SOCK, see $LOG_DIR/containerd.log"
  fi
  rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
  note "starting containerd on $CONTAINERD_SOCK"
  start_daemon containerd containerd --config "$CONTAINERD_DIR/config.toml"
  wait_until 30 "containerd answers" docker__containerd_ok ||
    die "docker: containerd did not come up: $(tail -n 5 "$LOG_DIR/containerd.log")"
  local plugins
  plugins="$(docker__ctr plugins ls 2>&1)"
  grep -Eq 'io\.containerd\.grpc\.v1 +cri +.* ok' <<<"$plugins" ||
    die "docker: containerd's CRI plugin is not ok: $(grep -w cri <<<"$plugins")"
}

# --- dockerd ------------------------------------------------------------------------------------------

docker__start_dockerd() {
  local args=() key
  if docker__alive dockerd; then
    wait_until 60 "dockerd answers" docker__dockerd_ok && return 0
    die "docker: dockerd (pid $(daemon_pid dockerd)) runs but does not answer, see $LOG_DIR/dockerd.log"
  fi
  if docker__dockerd_ok; then
    # a dockerd that env.sh did not start: use it as it is
    DOCKER_REUSED=1
    note "reusing the dockerd already running on $DOCKER_SOCK (not started by env.sh: its containerd and store are its own)"
    DOCKER_HOST="unix://$DOCKER_SOCK" docker info --format '{{.DriverStatus}}' | grep -q io.containerd.snapshotter ||
      note "WARNING: that dockerd does not use the containerd image store; buildx --push --metadata-file may not work"
    return 0
  fi
  mkdir -p "$DOCKERD_DIR/root"
  # flags only for what daemon.json does not set (dockerd refuses a setting given both ways)
  for key in containerd data-root pidfile hosts; do
    if jq -e --arg k "$key" 'has($k)' "$DOCKER_DAEMON_JSON" >/dev/null 2>&1; then
      note "daemon.json sets '$key': env.sh leaves it to that"
      continue
    fi
    case "$key" in
      containerd) args+=(--containerd "$CONTAINERD_SOCK") ;;
      data-root) args+=(--data-root "$DOCKERD_DIR/root") ;;
      pidfile) args+=(--pidfile "$DOCKERD_DIR/dockerd.pid") ;;
      hosts) args+=(-H "unix://$DOCKER_SOCK") ;;
    esac
  done
  note "starting dockerd (containerd $CONTAINERD_SOCK)"
  start_daemon dockerd dockerd "${args[@]}"
  wait_until 60 "dockerd answers" docker__dockerd_ok ||
    die "docker: dockerd did not come up: $(tail -n 5 "$LOG_DIR/dockerd.log")"
}

docker__stop_dockerd() {
  docker__alive dockerd || { rm -f "$PID_DIR/dockerd.pid"; return 0; }
  note "stopping dockerd"
  stop_daemon dockerd
}

# --- images made here ---------------------------------------------------------------------------------

# docker__node_major TARBALL: the nodejs major version inside a rootfs tarball (from its .packages list).
docker__node_major() {
  awk '$1 == "nodejs" {split($2, v, "."); sub(/^[0-9]+:/, "", v[1]); print v[1]; exit}' "${1%.tar.gz}.packages"
}

# docker__rootfs NAME INCLUDE: prints the path of a cached gzip'd rootfs tarball, debootstrapping it when missing.
# Keyed by suite, variant, included packages and mirror: a change of any of them makes a new tarball.
docker__rootfs() {
  local name="$1" include="$2" stamp tarball target
  stamp="$(printf '%s\n' "$BASE_DEBIAN_SUITE" minbase "$include" "$BASE_DEBIAN_MIRROR" "$BASE_ROOTFS_REVISION" | sha256sum | cut -c1-12)"
  tarball="$SWISS_DEPLOY_CACHE/images/$name-$BASE_DEBIAN_SUITE-$stamp.tar.gz"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$SWISS_DEPLOY_CACHE/images" "$SWISS_DEPLOY_CACHE/debootstrap-debs"
    target="$SWISS_DEPLOY_CACHE/tmp/rootfs-$name"
    docker__umount_under "$target"
    rm -rf "$target"
    mkdir -p "$target"
    note "debootstrap --variant=minbase${include:+ --include=$include} $BASE_DEBIAN_SUITE ($name, log $LOG_DIR/debootstrap-$name.log)"
    if ! debootstrap --variant=minbase ${include:+--include="$include"} --cache-dir="$SWISS_DEPLOY_CACHE/debootstrap-debs" \
      "$BASE_DEBIAN_SUITE" "$target" "$BASE_DEBIAN_MIRROR" >"$LOG_DIR/debootstrap-$name.log" 2>&1; then
      docker__umount_under "$target"
      die "docker: debootstrap $name failed: $(tail -n 5 "$LOG_DIR/debootstrap-$name.log")"
    fi
    docker__umount_under "$target"
    # smaller images: no apt lists, caches or logs
    rm -rf "$target"/var/lib/apt/lists/* "$target"/var/cache/apt/*.bin "$target"/var/cache/apt/archives/*.deb \
      "$target"/var/log/* "$target"/tmp/* "$target"/debootstrap
    printf 'deb %s %s main\n' "$BASE_DEBIAN_MIRROR" "$BASE_DEBIAN_SUITE" >"$target/etc/apt/sources.list"
    # shellcheck disable=SC2016
    chroot "$target" dpkg-query -W -f '${Package} ${Version}\n' >"${tarball%.tar.gz}.packages"
    tar -C "$target" --numeric-owner --xattrs -czf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$target"
  fi
  echo "$tarball"
}

docker__image_label() { docker image inspect -f '{{index .Config.Labels "org.swiss-deploy.stamp"}}' "$1" 2>/dev/null || true; }

# docker__import IMAGE TARBALL CHANGE...: docker import unless IMAGE exists with the tarball's stamp label.
docker__import() {
  local image="$1" tarball="$2" stamp
  shift 2
  stamp="$(basename "$tarball" .tar.gz)"
  if [ "$(docker__image_label "$image")" = "$stamp" ]; then return 0; fi
  note "docker import $image"
  local changes=(--change "LABEL org.swiss-deploy.stamp=$stamp")
  local c
  for c in "$@"; do changes+=(--change "$c"); done
  docker import "${changes[@]}" "$tarball" "$image" >/dev/null || die "docker: docker import $image failed"
}

docker__base_images() {
  local debian node short_debian short_node tarball major
  debian="$(docker__base_image_debian)"
  short_debian="${debian#*/}"
  tarball="$(docker__rootfs debian "$BASE_DEBIAN_INCLUDE")"
  docker__import "$debian" "$tarball" "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" 'CMD ["bash"]'
  docker tag "$debian" "$short_debian"

  tarball="$(docker__rootfs node "$BASE_DEBIAN_INCLUDE${BASE_DEBIAN_INCLUDE:+,}$BASE_NODE_INCLUDE")"
  major="$(docker__node_major "$tarball")"
  [ -n "$major" ] || die "docker: no nodejs in $tarball"
  node="$(docker__registry_host)/$BASE_IMAGE_REPO_NODE:$major"
  short_node="${node#*/}"
  docker__import "$node" "$tarball" "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" 'CMD ["node"]'
  docker tag "$node" "$short_node"
  env_set BASE_IMAGE_DEBIAN "$debian"
  env_set BASE_IMAGE_DEBIAN_LOCAL "$short_debian"
  env_set BASE_IMAGE_NODE "$node"
  env_set BASE_IMAGE_NODE_LOCAL "$short_node"
  env_set BASE_IMAGE_NODE_MAJOR "$major"
}

# The CRI's pod sandbox image: a static Go 'pause' in an otherwise empty image, imported into
# containerd's k8s.io namespace under the sandbox_image name so the kubelet never pulls it.
docker__sandbox() {
  local image stamp tarball work
  image="$(docker__sandbox_image)"
  stamp="pause-$(cat "$DOCKER_CONF_DIR/pause/main.go" "$DOCKER_CONF_DIR/pause/go.mod" | sha256sum | cut -c1-12)"
  tarball="$SWISS_DEPLOY_CACHE/images/$stamp.tar.gz"
  if [ ! -s "$tarball" ]; then
    work="$SWISS_DEPLOY_CACHE/tmp/$stamp"
    rm -rf "$work" && mkdir -p "$work/rootfs" "$SWISS_DEPLOY_CACHE/images"
    (cd "$DOCKER_CONF_DIR/pause" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/rootfs/pause" .) ||
      die "docker: building the pause binary failed"
    tar -C "$work/rootfs" --numeric-owner --owner=0 --group=0 -czf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$work"
  fi
  docker__import "$image" "$tarball" 'ENTRYPOINT ["/pause"]'
  if ! docker__ctr -n k8s.io images ls -q 2>/dev/null | grep -qxF "$image" ||
    [ "$(docker__ctr -n k8s.io images ls 2>/dev/null | awk -v i="$image" '$1==i {print $3}')" != \
      "$(docker__ctr -n moby images ls 2>/dev/null | awk -v i="$image" '$1==i {print $3}')" ]; then
    note "importing $image into containerd namespace k8s.io"
    docker__ctr -n moby images export - "$image" | docker__ctr -n k8s.io images import --local - >/dev/null ||
      die "docker: importing the sandbox image into k8s.io failed"
  fi
  env_set CONTAINERD_SANDBOX_IMAGE "$image"
}

# --- component interface ------------------------------------------------------------------------------

docker_up() {
  DOCKER_REUSED=0
  docker__install
  docker__daemon_json
  docker__start_containerd
  docker__start_dockerd
  export DOCKER_HOST="unix://$DOCKER_SOCK"
  docker buildx version >/dev/null 2>&1 || die "docker: docker buildx does not work: $(docker buildx version 2>&1)"
  env_set CONTAINERD_ADDRESS "$CONTAINERD_SOCK"
  env_set CONTAINERD_NAMESPACE_K8S k8s.io
  env_set CONTAINERD_CNI_BIN_DIR "$CONTAINERD_CNI_BIN_DIR"
  env_set CONTAINERD_CNI_CONF_DIR "$CONTAINERD_CNI_CONF_DIR"
  env_set CONTAINERD_VERSION "$(containerd --version | awk '{print $3}')"
  env_set DOCKER_HOST "unix://$DOCKER_SOCK"
  env_set DOCKER_VERSION "$(docker info --format '{{.ServerVersion}}')"
  env_set DOCKER_BUILDX_VERSION "$(docker buildx version | awk '{print $2}')"
  env_set DOCKER_STARTED_BY_ENV "$([ "$DOCKER_REUSED" = 1 ] && echo 0 || echo 1)"
  docker__base_images
  docker__sandbox
}

docker_status() {
  local version buildx
  if ! docker__containerd_ok; then
    report docker down - "containerd: $CONTAINERD_SOCK" "${1:-}"
    return 1
  fi
  version="$(DOCKER_HOST="unix://$DOCKER_SOCK" docker info --format '{{.ServerVersion}}' 2>/dev/null)" || version=""
  buildx="$(DOCKER_HOST="unix://$DOCKER_SOCK" docker buildx version 2>/dev/null | awk '{print $2}')" || buildx=""
  if [ -z "$version" ] || [ -z "$buildx" ]; then
    report docker down "${version:-?}/buildx ${buildx:-?}" "unix://$DOCKER_SOCK" "${1:-}"
    return 1
  fi
  report docker up "$version/buildx $buildx" "unix://$DOCKER_SOCK" "${1:-}"
}

# docker__umount_under DIR: unmounts every mount point at or below DIR, deepest first.
docker__umount_under() {
  local dir="$1" m
  [ -n "$dir" ] || return 0
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

# Shims (containerd-shim-runc-v2) outlive containerd by design: kill those serving our containerd.
docker__kill_shims() {
  local pid
  for pid in $(pgrep -f containerd-shim 2>/dev/null); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-address $CONTAINERD_SOCK "; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

docker_down() {
  local ns t stopped_dockerd=0
  if docker__alive dockerd; then
    docker__stop_dockerd
    stopped_dockerd=1
  elif [ -f "$PID_DIR/dockerd.pid" ]; then
    rm -f "$PID_DIR/dockerd.pid"
  fi
  if docker__alive containerd; then
    # tasks left by the kubelet (k8s.io) or anyone else: kill them so their shims exit
    for ns in $(docker__ctr namespaces ls -q 2>/dev/null); do
      for t in $(docker__ctr -n "$ns" tasks ls -q 2>/dev/null); do
        docker__ctr -n "$ns" tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
      done
    done
    sleep 0.5
    for ns in $(docker__ctr namespaces ls -q 2>/dev/null); do
      for t in $(docker__ctr -n "$ns" tasks ls -q 2>/dev/null); do
        docker__ctr -n "$ns" tasks delete -f "$t" >/dev/null 2>&1 || true
      done
    done
    note "stopping containerd"
    stop_daemon containerd
  fi
  # only when our containerd is gone (a containerd env.sh did not start keeps its shims)
  if ! docker__containerd_ok; then
    docker__kill_shims
    docker__umount_under "$CONTAINERD_DIR"
    rm -f "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc"
  fi
  if [ "$stopped_dockerd" = 1 ]; then
    docker__umount_under /var/run/docker
    # the bridge dockerd made (it makes it again at start)
    if ip link show docker0 >/dev/null 2>&1; then ip link delete docker0 2>/dev/null || true; fi
  fi
  # pod network namespaces the CRI made (cni-<uuid>) and never tore down (pods not deleted before down)
  if ! docker__containerd_ok && [ -d /run/netns ]; then
    for t in /run/netns/cni-*; do
      [ -e "$t" ] || continue
      umount "$t" 2>/dev/null || umount -l "$t" 2>/dev/null || true
      rm -f "$t"
    done
  fi
  # /run/netns gets bind-mounted onto itself (shared) for those namespaces:
  # undo that once our containerd is gone and no namespace is left in it
  if ! docker__containerd_ok && [ -d /run/netns ] && [ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
    while awk '$2 == "/run/netns" {found = 1} END {exit !found}' /proc/self/mounts; do
      umount /run/netns 2>/dev/null || break
    done
  fi
  docker__umount_under "$DOCKERD_DIR"
  docker__umount_under "$SWISS_DEPLOY_CACHE/tmp"
  env_unset_prefix DOCKER_
  env_unset_prefix CONTAINERD_
}
