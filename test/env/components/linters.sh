# shellcheck shell=bash
# Component 'linters' of the test environment: linters_up, linters_status [seconds], linters_down.
#
# actionlint at $ACTIONLINT_VERSION, built from the Go module proxy into $SWISS_DEPLOY_CACHE/bin, with
# Debian's shellcheck beside it so actionlint also checks every `run:` script; zizmor at $ZIZMOR_VERSION
# from PyPI (hash-checked) in a venv of Debian's python3 under $SWISS_DEPLOY_CACHE/venv. Both are
# reused while present.

linters__bin() { cached_bin actionlint "$ACTIONLINT_VERSION"; }
linters__zizmor_venv() { echo "$SWISS_DEPLOY_CACHE/venv/zizmor-$ZIZMOR_VERSION"; }
linters__zizmor() { echo "$(linters__zizmor_venv)/bin/zizmor"; }

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

# zizmor's version line is "zizmor X.Y.Z".
linters__zizmor_ok() { [ "$("$(linters__zizmor)" --version 2>/dev/null)" = "zizmor $ZIZMOR_VERSION" ]; }

linters__zizmor_install() {
  local venv requirements
  venv="$(linters__zizmor_venv)"
  # Made in place (a venv's scripts name its interpreter by absolute path); a half-made one is redone,
  # since linters__zizmor_ok then fails.
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  note "pip install zizmor==$ZIZMOR_VERSION into $venv (log $LOG_DIR/zizmor-install.log)"
  /usr/bin/python3 -m venv "$venv" >"$LOG_DIR/zizmor-install.log" 2>&1 ||
    die "linters: python3 -m venv failed: $(tail -n 5 "$LOG_DIR/zizmor-install.log")"
  requirements="$venv/requirements.txt"
  printf 'zizmor==%s --hash=sha256:%s\n' "$ZIZMOR_VERSION" "$ZIZMOR_SHA256" >"$requirements"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir --require-hashes \
    --only-binary=:all: -r "$requirements" >>"$LOG_DIR/zizmor-install.log" 2>&1 ||
    die "linters: pip install zizmor failed: $(tail -n 5 "$LOG_DIR/zizmor-install.log")"
}

linters_up() {
  apt_install shellcheck python3 python3-venv
  [ -x "$(linters__bin)" ] || linters__build
  if ! linters__zizmor_ok; then
    linters__zizmor_install
    linters__zizmor_ok || die "linters: $(linters__zizmor) does not report zizmor $ZIZMOR_VERSION"
  fi
  env_set ACTIONLINT "$(linters__bin)"
  env_set ACTIONLINT_VERSION "$ACTIONLINT_VERSION"
  env_set SHELLCHECK "$(command -v shellcheck)"
  env_set ZIZMOR "$(linters__zizmor)"
  env_set ZIZMOR_VERSION "$ZIZMOR_VERSION"
}

linters_status() {
  local version
  version="$("$(linters__bin)" -version 2>/dev/null | head -n 1)" || version=""
  if [ "$version" = "$ACTIONLINT_VERSION" ] && command -v shellcheck >/dev/null && linters__zizmor_ok; then
    report linters ok "actionlint $version zizmor $ZIZMOR_VERSION" "$(linters__bin)" "${1:-}"
  else
    report linters missing "${version:--}" "$(linters__bin)" "${1:-}"
    return 1
  fi
}

linters_down() { :; }
