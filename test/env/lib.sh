# shellcheck shell=bash
# Shared helpers for test/env/env.sh and its components. Sourced, never run.

: "${SWISS_DEPLOY_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/swiss-deploy}"
: "${SWISS_DEPLOY_RUN:=$SWISS_DEPLOY_CACHE/run}"
export SWISS_DEPLOY_CACHE SWISS_DEPLOY_RUN
ENV_FILE="$SWISS_DEPLOY_RUN/env"
LOG_DIR="$SWISS_DEPLOY_RUN/logs"
PID_DIR="$SWISS_DEPLOY_RUN/pids"
mkdir -p "$SWISS_DEPLOY_CACHE/bin" "$SWISS_DEPLOY_RUN" "$LOG_DIR" "$PID_DIR"

die() {
  echo "env: error: $*" >&2
  exit 1
}

note() { echo "  · $*" >&2; }

# env_set KEY VALUE: record what tests need in the one env file (KEY=VALUE lines, last write wins).
env_set() {
  local key="$1" value="$2" tmp
  touch "$ENV_FILE"
  tmp="$(mktemp "$ENV_FILE.XXXX")"
  grep -v "^${key}=" "$ENV_FILE" >"$tmp" || true
  printf '%s=%s\n' "$key" "$value" >>"$tmp"
  mv "$tmp" "$ENV_FILE"
}

env_unset_prefix() {
  local prefix="$1" tmp
  [ -f "$ENV_FILE" ] || return 0
  tmp="$(mktemp "$ENV_FILE.XXXX")"
  grep -v "^${prefix}" "$ENV_FILE" >"$tmp" || true
  mv "$tmp" "$ENV_FILE"
}

# report NAME STATE VERSION ADDRESS [SECONDS]: one aligned line per component.
report() {
  printf '%-14s %-8s %-22s %-40s %s\n' "$1" "$2" "$3" "$4" "${5:+${5}s}"
}

# apt_install PKG...: installs missing Debian packages; runs `apt-get update` at most once per env run.
APT_UPDATED=0
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "${pkg%%/*}" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$APT_UPDATED" -eq 0 ]; then
    note "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOG_DIR/apt-update.log" 2>&1 || die "apt-get update failed, see $LOG_DIR/apt-update.log"
    APT_UPDATED=1
  fi
  note "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOG_DIR/apt-install.log" 2>&1 ||
    die "apt-get install ${missing[*]} failed, see $LOG_DIR/apt-install.log"
}

# apt_release_source RELEASE: adds Debian RELEASE as an apt source pinned at priority 50, so only packages
# asked for as pkg/RELEASE come from it and everything else (libc first) stays on the host's release.
apt_release_source() {
  local release="$1" sources prefs
  sources=/etc/apt/sources.list.d/swiss-deploy-$release.sources
  prefs=/etc/apt/preferences.d/swiss-deploy-$release
  [ -f "$sources" ] && [ -f "$prefs" ] && return 0
  note "apt source $release (pin priority 50: only what is asked for comes from it)"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "${BASE_DEBIAN_MIRROR:-http://deb.debian.org/debian}" "$release" >"$sources"
  printf 'Package: *\nPin: release n=%s\nPin-Priority: 50\n' "$release" >"$prefs"
  APT_UPDATED=0
}

# wait_until SECONDS DESCRIPTION CMD...: polls CMD every 0.2 s until it succeeds or the time is up.
wait_until() {
  local timeout="$1" what="$2" deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
  echo "$what" >/dev/null
}

# start_daemon NAME CMD...: starts CMD detached in its own session, logs to $LOG_DIR/NAME.log, pid in $PID_DIR/NAME.pid.
start_daemon() {
  local name="$1"
  shift
  # fd 9 is env.sh's lock: a daemon must not inherit it, or the lock would outlive env.sh.
  setsid "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PID_DIR/$name.pid"
}

daemon_pid() { cat "$PID_DIR/$1.pid" 2>/dev/null; }

# A zombie counts as dead: after a crash PID 1 may reap killed daemons slowly.
pid_alive() {
  local pid="$1" state
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [ "$state" != "Z" ]
}

daemon_running() {
  local pid
  pid="$(daemon_pid "$1")" || return 1
  pid_alive "$pid"
}

# stop_daemon NAME: TERM, then KILL after 10 s; removes the pid file.
stop_daemon() {
  local name="$1" pid i
  pid="$(daemon_pid "$name")" || return 0
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
      pid_alive "$pid" || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_DIR/$name.pid"
}

# cached_bin NAME VERSION: where a tool built or unpacked by a component lives; reused while it exists.
cached_bin() { echo "$SWISS_DEPLOY_CACHE/bin/$1-$2"; }
