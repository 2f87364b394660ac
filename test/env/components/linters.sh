# shellcheck shell=bash
# Component 'linters' of the test environment: linters_up, linters_status [seconds], linters_down.
#
# actionlint at $ACTIONLINT_VERSION, built from the Go module proxy into $SWISS_DEPLOY_CACHE/bin, with
# Debian's shellcheck beside it so actionlint also checks every `run:` script.

linters__bin() { cached_bin actionlint "$ACTIONLINT_VERSION"; }

linters__build() {
  local gobin="$SWISS_DEPLOY_CACHE/tmp/actionlint-build"
  command -v go >/dev/null || die "linters: go is not installed"
  rm -rf "$gobin" && mkdir -p "$gobin"
  note "go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION (log $LOG_DIR/actionlint-build.log)"
  CGO_ENABLED=0 GOBIN="$gobin" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go install -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >"$LOG_DIR/actionlint-build.log" 2>&1 ||
    die "linters: actionlint build failed: $(tail -n 5 "$LOG_DIR/actionlint-build.log")"
  mv "$gobin/actionlint" "$(linters__bin)"
  rm -rf "$gobin"
}

linters_up() {
  apt_install shellcheck
  [ -x "$(linters__bin)" ] || linters__build
  env_set ACTIONLINT "$(linters__bin)"
  env_set ACTIONLINT_VERSION "$ACTIONLINT_VERSION"
  env_set SHELLCHECK "$(command -v shellcheck)"
}

linters_status() {
  local version
  version="$("$(linters__bin)" -version 2>/dev/null | head -n 1)" || version=""
  if [ "$version" = "$ACTIONLINT_VERSION" ] && command -v shellcheck >/dev/null; then
    report linters ok "actionlint $version" "$(linters__bin)" "${1:-}"
  else
    report linters missing "${version:--}" "$(linters__bin)" "${1:-}"
    return 1
  fi
}

linters_down() { :; }
