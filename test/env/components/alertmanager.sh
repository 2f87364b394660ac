# shellcheck shell=bash
# Component 'alertmanager' of the test environment: alertmanager_up, alertmanager_status [seconds], alertmanager_down.
#
# Alertmanager $ALERTMANAGER_VERSION from Debian $OBSERVABILITY_APT_RELEASE (only that package from it), run by
# this script on 127.0.0.1:$ALERTMANAGER_PORT with clustering off, never by the package's init script. The
# prometheus component sends its alerts here. Every alert goes to one webhook receiver on loopback,
# ALERTMANAGER_WEBHOOK_URL: a test that checks alerts listens on that port; while nobody does, deliveries fail
# and are retried, which is harmless. Grouping waits are short (1 s) so a firing rule is seen in seconds.
# Env file: ALERTMANAGER_URL, ALERTMANAGER_WEBHOOK_URL, ALERTMANAGER_VERSION.

ALERTMANAGER_DIR="$SWISS_DEPLOY_RUN/alertmanager"
ALERTMANAGER_BIN=/usr/bin/prometheus-alertmanager

alertmanager__url() { echo "http://127.0.0.1:$ALERTMANAGER_PORT"; }
alertmanager__webhook_url() { echo "http://127.0.0.1:$ALERTMANAGER_WEBHOOK_PORT/alerts"; }

alertmanager__config() {
  cat <<CONFIG
route:
  receiver: webhook
  group_by: [alertname, namespace]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: '$(alertmanager__webhook_url)'
        send_resolved: true
        timeout: 5s
CONFIG
}

alertmanager__ready() { curl -sf --max-time 2 "$(alertmanager__url)/-/ready" >/dev/null; }

alertmanager_up() {
  apt_install curl
  release_install alertmanager "$ALERTMANAGER_BIN" "$ALERTMANAGER_VERSION" prometheus-alertmanager
  mkdir -p "$ALERTMANAGER_DIR/data"
  alertmanager__config >"$ALERTMANAGER_DIR/alertmanager.yml.new"
  if daemon_running alertmanager && ! cmp -s "$ALERTMANAGER_DIR/alertmanager.yml.new" "$ALERTMANAGER_DIR/alertmanager.yml"; then
    note "alertmanager: configuration changed: restarting Alertmanager"
    stop_daemon alertmanager
  fi
  mv "$ALERTMANAGER_DIR/alertmanager.yml.new" "$ALERTMANAGER_DIR/alertmanager.yml"
  if daemon_running alertmanager && ! alertmanager__ready; then
    note "alertmanager: Alertmanager runs but is not ready: restarting it"
    stop_daemon alertmanager
  fi
  if ! daemon_running alertmanager; then
    kube_port_free "$ALERTMANAGER_PORT" || die "alertmanager: port $ALERTMANAGER_PORT is taken by a process this environment did not start"
    note "starting Alertmanager $ALERTMANAGER_VERSION on $(alertmanager__url)"
    start_daemon alertmanager "$ALERTMANAGER_BIN" \
      --config.file "$ALERTMANAGER_DIR/alertmanager.yml" --storage.path "$ALERTMANAGER_DIR/data" \
      --web.listen-address "127.0.0.1:$ALERTMANAGER_PORT" --cluster.listen-address ""
  fi
  wait_until 30 "Alertmanager is ready" alertmanager__ready ||
    die "alertmanager: not ready on $(alertmanager__url): $(tail -n 8 "$LOG_DIR/alertmanager.log")"
  env_set ALERTMANAGER_URL "$(alertmanager__url)"
  env_set ALERTMANAGER_WEBHOOK_URL "$(alertmanager__webhook_url)"
  env_set ALERTMANAGER_VERSION "$ALERTMANAGER_VERSION"
}

alertmanager_status() {
  local version
  version="$(release_version "$ALERTMANAGER_BIN" 2>/dev/null)"
  if [ -z "$version" ]; then
    report alertmanager missing "$ALERTMANAGER_VERSION" "$ALERTMANAGER_BIN" "${1:-}"
    return 1
  fi
  report_daemon alertmanager "$version" alertmanager__ready "$(alertmanager__url)" "" "${1:-}"
}

alertmanager_down() {
  if daemon_running alertmanager; then
    note "stopping Alertmanager"
    stop_daemon alertmanager
  fi
  rm -f "$PID_DIR/alertmanager.pid"
  env_unset_prefix ALERTMANAGER_
}
