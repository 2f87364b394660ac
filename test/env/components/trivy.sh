# shellcheck shell=bash
# Component 'trivy' of the test environment: trivy_up, trivy_status [seconds], trivy_down.
#
# aquasecurity/trivy at $TRIVY_VERSION, built from the Go module proxy into
# $SWISS_DEPLOY_CACHE/bin/trivy-<ver> with the release's version ldflag, so `trivy --version` reports
# the pinned version exactly as the official archive does. No vulnerability DB is downloaded here:
# the tests run config and secret scanning with the checks embedded in the binary.

trivy__bin() { cached_bin trivy "$TRIVY_VERSION"; }
# `trivy --version` prints "Version: 0.70.0" (the release tag without its leading v)
trivy__version() { "$1" --version 2>/dev/null | awk '/^Version:/ {print "v" $2; exit}'; }

# A generated main module that requires trivy, built with `go build`: `go install pkg@version` would
# also ask the proxy for the module's version list (to report deprecations), which is not served here.
trivy__build() {
  local dir="$SWISS_DEPLOY_CACHE/build/trivy-$TRIVY_VERSION" out got
  out="$(trivy__bin)"
  command -v go >/dev/null || die "trivy: go is not installed"
  mkdir -p "$dir"
  # several test runs may bring the environment up at once: one builds, the others wait for it
  local lock
  exec {lock}>"$dir/.lock"
  flock "$lock"
  if [ -x "$out" ]; then
    exec {lock}>&-
    return 0
  fi
  printf 'module swiss-deploy.local/trivy-build\n\ngo %s\n\nrequire github.com/aquasecurity/trivy %s\n' \
    "$TRIVY_GO_VERSION" "$TRIVY_VERSION" >"$dir/go.mod.new"
  go_mod_take "$dir"
  note "building trivy $TRIVY_VERSION from the Go module proxy (log $LOG_DIR/trivy-build.log)"
  # the release build's settings: static, json v2 experiment, version injected into pkg/version/app
  (cd "$dir" && CGO_ENABLED=0 GOEXPERIMENT="$TRIVY_GOEXPERIMENT" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go build -trimpath -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
    -o "$out.tmp.$$" github.com/aquasecurity/trivy/cmd/trivy) >"$LOG_DIR/trivy-build.log" 2>&1 ||
    die "trivy: build failed: $(tail -n 5 "$LOG_DIR/trivy-build.log")"
  got="$(trivy__version "$out.tmp.$$")"
  [ "$got" = "$TRIVY_VERSION" ] || die "trivy: the build reports version '$got', versions.env pins TRIVY_VERSION=$TRIVY_VERSION"
  mv "$out.tmp.$$" "$out"
  exec {lock}>&-
}

trivy_up() {
  [ -x "$(trivy__bin)" ] || trivy__build
  env_set TRIVY "$(trivy__bin)"
  env_set TRIVY_VERSION "$TRIVY_VERSION"
}

trivy_status() {
  local version
  version="$(trivy__version "$(trivy__bin)")" || version=""
  if [ "$version" = "$TRIVY_VERSION" ]; then
    report trivy ok "$version" "$(trivy__bin)" "${1:-}"
  else
    report trivy missing "${version:--}" "$(trivy__bin)" "${1:-}"
    return 1
  fi
}

# nothing runs: trivy is a CLI the tests call per scan
trivy_down() { :; }
