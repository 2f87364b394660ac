# shellcheck shell=bash
# Component 'cosign' of the test environment: cosign_up, cosign_status [seconds], cosign_down.
#
# sigstore/cosign at $COSIGN_VERSION, built with `go install` from the Go module proxy into
# $SWISS_DEPLOY_CACHE/bin/cosign-<ver>, its module cache and build cache under $SWISS_DEPLOY_CACHE/go, so
# a warm up finds the binary and does nothing. Nothing runs: cosign is a CLI the tests call per image.
# No Sigstore service is reachable here, so the tests sign and attest with a key and
# `--use-signing-config=false --tlog-upload=false`, verify with `--insecure-ignore-tlog=true`, keep TUF_ROOT
# in a scratch directory and give the registry's credentials through a throwaway DOCKER_CONFIG.
# Env file: COSIGN_BIN, COSIGN_VERSION.

cosign__bin() { cached_bin cosign "$COSIGN_VERSION"; }
cosign__gopath() { echo "$SWISS_DEPLOY_CACHE/go"; }

# `cosign version --json` prints {"gitVersion": "v3.1.3", ...}
cosign__version() {
  "$1" version --json 2>/dev/null | sed -n 's/.*"gitVersion": *"\(v[0-9][^"]*\)".*/\1/p' | head -n1
}

cosign__build() {
  local gobin="$SWISS_DEPLOY_CACHE/tmp/cosign-build" gopath out got lock
  out="$(cosign__bin)"
  gopath="$(cosign__gopath)"
  command -v go >/dev/null || die "cosign: go is not installed"
  mkdir -p "$SWISS_DEPLOY_CACHE/build" "$gopath"
  # parallel env runs: one builds, the others wait and reuse it
  exec {lock}>"$SWISS_DEPLOY_CACHE/build/.cosign-$COSIGN_VERSION.lock"
  flock "$lock"
  if [ -x "$out" ] && [ "$(cosign__version "$out")" = "$COSIGN_VERSION" ]; then
    exec {lock}>&-
    return 0
  fi
  rm -rf "$gobin" && mkdir -p "$gobin"
  note "go install github.com/sigstore/cosign/v3/cmd/cosign@$COSIGN_VERSION (log $LOG_DIR/build-cosign.log)"
  GOPATH="$gopath" GOMODCACHE="$gopath/pkg/mod" GOCACHE="$gopath/cache" GOBIN="$gobin" \
    CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false" \
    go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$COSIGN_VERSION" \
    "github.com/sigstore/cosign/v3/cmd/cosign@$COSIGN_VERSION" >"$LOG_DIR/build-cosign.log" 2>&1 ||
    die "cosign: building cosign failed: $(tail -n 5 "$LOG_DIR/build-cosign.log")"
  got="$(cosign__version "$gobin/cosign")"
  [ "$got" = "$COSIGN_VERSION" ] || die "cosign: the build reports version '$got', versions.env pins COSIGN_VERSION=$COSIGN_VERSION"
  mv "$gobin/cosign" "$out"
  rm -rf "$gobin"
  # the module cache is read-only as go leaves it: make it removable by a plain rm -rf
  chmod -R u+w "$gopath/pkg/mod" 2>/dev/null || true
  exec {lock}>&-
}

cosign_up() {
  if [ ! -x "$(cosign__bin)" ] || [ "$(cosign__version "$(cosign__bin)")" != "$COSIGN_VERSION" ]; then
    cosign__build
  fi
  env_set COSIGN_BIN "$(cosign__bin)"
  env_set COSIGN_VERSION "$COSIGN_VERSION"
}

cosign_status() {
  local version
  version="$(cosign__version "$(cosign__bin)")" || version=""
  if [ "$version" = "$COSIGN_VERSION" ]; then
    report cosign ok "$version" "$(cosign__bin)" "${1:-}"
  else
    report cosign missing "${version:--}" "$(cosign__bin)" "${1:-}"
    return 1
  fi
}

# nothing runs; the binary and its module cache stay cached
cosign_down() {
  env_unset_prefix COSIGN_BIN=
  env_unset_prefix COSIGN_VERSION=
}
