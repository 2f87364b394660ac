# shellcheck shell=bash
# Component 'act' of the test environment: act_up, act_status [seconds], act_down.
#
# nektos/act at $ACT_VERSION, built from the Go module proxy into $SWISS_DEPLOY_CACHE/bin/act-<ver>,
# checked by running test/env/act/verify.sh (host mode, local JavaScript actions) once it is built.

ACT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../act" && pwd)"
act__bin() { cached_bin act "$ACT_VERSION"; }

act__build() {
  local gobin="$SWISS_DEPLOY_CACHE/tmp/act-build"
  command -v go >/dev/null || die "act: go is not installed"
  rm -rf "$gobin" && mkdir -p "$gobin"
  note "go install github.com/nektos/act@$ACT_VERSION (log $LOG_DIR/act-build.log)"
  CGO_ENABLED=0 GOBIN="$gobin" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go install -trimpath -ldflags "-s -w -X main.version=$ACT_VERSION" "github.com/nektos/act@$ACT_VERSION" \
    >"$LOG_DIR/act-build.log" 2>&1 || die "act: build failed: $(tail -n 5 "$LOG_DIR/act-build.log")"
  mv "$gobin/act" "$(act__bin)"
  rm -rf "$gobin"
}

act_up() {
  [ -x "$(act__bin)" ] || act__build
  command -v node >/dev/null || die "act: host-mode JavaScript actions need 'node' on PATH"
  env_set ACT "$(act__bin)"
  env_set ACT_VERSION "$ACT_VERSION"
  env_set ACT_NODE_VERSION "$(node --version)"
  "$ACT_DIR/verify.sh" "$(act__bin)" >"$LOG_DIR/act-verify.log" 2>&1 ||
    die "act: the host-mode fixture failed: $(tail -n 8 "$LOG_DIR/act-verify.log")"
}

act_status() {
  local version
  version="$("$(act__bin)" --version 2>/dev/null | awk '{print $3}')" || version=""
  if [ "$version" = "$ACT_VERSION" ]; then
    report act ok "$version (node $(node --version 2>/dev/null || echo -))" "$(act__bin)" "${1:-}"
  else
    report act missing "${version:--}" "$(act__bin)" "${1:-}"
    return 1
  fi
}

# nothing runs between workflows: act's per-job host dirs are removed by act itself
act_down() { :; }
