# shellcheck shell=bash
# Component 'pushgateway' of the test environment: pushgateway_up, pushgateway_status [seconds], pushgateway_down.
#
# A Prometheus Pushgateway for the deploy metrics: Debian trixie's prometheus-pushgateway (its dependencies
# are Go-static, so it brings no newer libc than bookworm's), run by this script on 127.0.0.1:$PUSHGATEWAY_PORT
# with no persistence file: a restart starts empty. Debian's postinst may start its own daemon; none may run.
# Env file: PUSHGATEWAY_URL.

PUSHGATEWAY_BIN=/usr/bin/prometheus-pushgateway

pushgateway__url() { echo "http://127.0.0.1:$PUSHGATEWAY_PORT"; }

pushgateway__ready() { curl -fsS --max-time 2 "$(pushgateway__url)/-/ready" >/dev/null; }

# A daemon the package's postinst started (init script or systemd), not ours: stop it.
pushgateway__stop_packaged() {
  local pid
  for pid in $(pgrep -f "^$PUSHGATEWAY_BIN" || true); do
    [ "$pid" = "$(daemon_pid pushgateway)" ] && continue
    note "pushgateway: stopping the daemon Debian's postinst started (pid $pid)"
    if [ -x /etc/init.d/prometheus-pushgateway ]; then /etc/init.d/prometheus-pushgateway stop >/dev/null 2>&1 || true; fi
    kill -TERM "$pid" 2>/dev/null || true
  done
}

pushgateway_up() {
  apt_install curl
  release_install pushgateway "$PUSHGATEWAY_BIN" "$PUSHGATEWAY_VERSION" prometheus-pushgateway
  pushgateway__stop_packaged
  if ! daemon_running pushgateway; then
    kube_port_free "$PUSHGATEWAY_PORT" || die "pushgateway: port $PUSHGATEWAY_PORT is taken by a process this environment did not start"
    note "starting the Pushgateway $PUSHGATEWAY_VERSION on $(pushgateway__url)"
    start_daemon pushgateway "$PUSHGATEWAY_BIN" \
      --web.listen-address="127.0.0.1:$PUSHGATEWAY_PORT" --log.level=warn
  fi
  wait_until 20 "the Pushgateway is ready" pushgateway__ready ||
    die "pushgateway: not ready on $(pushgateway__url): $(tail -n 8 "$LOG_DIR/pushgateway.log")"
  env_set PUSHGATEWAY_URL "$(pushgateway__url)"
}

pushgateway_status() {
  report_daemon pushgateway "$PUSHGATEWAY_VERSION" pushgateway__ready "$(pushgateway__url)" "" "${1:-}"
}

# The package stays installed (like the other Debian packages); only the daemon and the env key go.
pushgateway_down() {
  if daemon_running pushgateway; then
    note "stopping the Pushgateway"
    stop_daemon pushgateway
  fi
  rm -f "$PID_DIR/pushgateway.pid"
  env_unset_prefix PUSHGATEWAY_URL=
}
