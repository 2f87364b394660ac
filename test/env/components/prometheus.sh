# shellcheck shell=bash
# Component 'prometheus' of the test environment: prometheus_up, prometheus_status [seconds], prometheus_down.
#
# Prometheus $PROMETHEUS_VERSION and promtool from Debian $OBSERVABILITY_APT_RELEASE (pkg/release only: libc and
# the other dependencies stay the host's), run by this script on 127.0.0.1:$PROMETHEUS_PORT, never by the
# package's init script. It scrapes itself and the pods of the cluster's real node that carry the usual
# annotations (prometheus.io/scrape: "true", prometheus.io/port, prometheus.io/path), found through
# kubernetes_sd_configs (role pod) with the admin kubeconfig, every 2 s so tests see a change in seconds.
# Rule files: every *.yml / *.yaml in PROMETHEUS_RULES_DIR, which tests write and then POST /-/reload
# (--web.enable-lifecycle). Alerts go to the alertmanager component's address and are re-sent every 2 s: the
# notifier drops what fires while a reload rebuilds its Alertmanager list, and the default re-send waits 1 min.
# Data under the run dir, 2 h kept.
# Env file: PROMETHEUS_URL, PROMETHEUS_RULES_DIR, PROMETHEUS_VERSION, PROMTOOL.

PROMETHEUS_DIR="$SWISS_DEPLOY_RUN/prometheus"
PROMETHEUS_SCRAPE_INTERVAL=2s

prometheus__url() { echo "http://127.0.0.1:$PROMETHEUS_PORT"; }

prometheus__config() {
  local real_node=""
  kube_has_real "$(kube_mode)" && real_node="$(kube_real_node_name)"
  cat <<CONFIG
global:
  scrape_interval: $PROMETHEUS_SCRAPE_INTERVAL
  scrape_timeout: 1s
  evaluation_interval: $PROMETHEUS_SCRAPE_INTERVAL
rule_files:
  - $PROMETHEUS_DIR/rules/*.yml
  - $PROMETHEUS_DIR/rules/*.yaml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$ALERTMANAGER_PORT']
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$PROMETHEUS_PORT']
  - job_name: kubernetes-pods
    kubernetes_sd_configs:
      - role: pod
        kubeconfig_file: $KUBE_DIR/admin.kubeconfig
    relabel_configs:
      # only pods that ask to be scraped, on the node whose pods really run (kwok's pods have no process)
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
        regex: 'true'
        action: keep
      - source_labels: [__meta_kubernetes_pod_node_name]
        regex: '${real_node:-no real node}'
        action: keep
      - source_labels: [__meta_kubernetes_pod_phase]
        regex: Running
        action: keep
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
        regex: '(.+)'
        target_label: __metrics_path__
      - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
        regex: '([^:]+)(?::\\d+)?;(\\d+)'
        replacement: '\$1:\$2'
        target_label: __address__
      - action: labelmap
        regex: __meta_kubernetes_pod_label_(.+)
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
CONFIG
}

# prometheus__args: the daemon's flags, into the caller's array `args`.
prometheus__args() {
  args=(
    --config.file "$PROMETHEUS_DIR/prometheus.yml"
    --storage.tsdb.path "$PROMETHEUS_DIR/data" --storage.tsdb.retention.time 2h
    --web.listen-address "127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle
    --rules.alert.resend-delay "$PROMETHEUS_SCRAPE_INTERVAL"
    --web.console.templates /etc/prometheus/consoles --web.console.libraries /etc/prometheus/console_libraries
  )
}

prometheus__ready() { curl -sf --max-time 2 "$(prometheus__url)/-/ready" >/dev/null; }

# prometheus__scraped: ready answers before the first scrape is stored; a query right after start finds no
# series at all. Up means its own `up` sample is in the TSDB.
prometheus__scraped() {
  curl -sf --max-time 2 -G "$(prometheus__url)/api/v1/query" --data-urlencode 'query=up{job="prometheus"}' |
    jq -e '.data.result | length > 0' >/dev/null
}

prometheus_up() {
  local uid args=()
  [ -f "$KUBE_DIR/admin.kubeconfig" ] || die "prometheus: no $KUBE_DIR/admin.kubeconfig (run env.sh up kubernetes first)"
  apt_install curl jq
  release_install prometheus /usr/bin/prometheus "$PROMETHEUS_VERSION" prometheus promtool
  [ "$(release_version /usr/bin/promtool)" = "$PROMETHEUS_VERSION" ] ||
    die "prometheus: promtool reports version '$(release_version /usr/bin/promtool)', versions.env pins $PROMETHEUS_VERSION"
  mkdir -p "$PROMETHEUS_DIR/data" "$PROMETHEUS_DIR/rules"
  chmod 0777 "$PROMETHEUS_DIR/rules"
  prometheus__config >"$PROMETHEUS_DIR/prometheus.yml.new"
  /usr/bin/promtool check config --syntax-only "$PROMETHEUS_DIR/prometheus.yml.new" >"$LOG_DIR/prometheus-config.log" 2>&1 ||
    die "prometheus: the generated configuration is invalid: $(tail -n 5 "$LOG_DIR/prometheus-config.log")"
  if daemon_running prometheus && ! cmp -s "$PROMETHEUS_DIR/prometheus.yml.new" "$PROMETHEUS_DIR/prometheus.yml"; then
    note "prometheus: configuration changed: restarting Prometheus"
    stop_daemon prometheus
  fi
  mv "$PROMETHEUS_DIR/prometheus.yml.new" "$PROMETHEUS_DIR/prometheus.yml"
  prometheus__args
  if daemon_running prometheus && [ "$(printf '%s\n' "${args[@]}")" != "$(cat "$PROMETHEUS_DIR/args" 2>/dev/null)" ]; then
    note "prometheus: its flags changed: restarting Prometheus"
    stop_daemon prometheus
  fi
  # a cluster made anew has new certificates: the service discovery must read the new kubeconfig
  uid="$(kube_api /api/v1/namespaces/kube-system 2>/dev/null | jq -r '.metadata.uid // empty')"
  if daemon_running prometheus && [ "$uid" != "$(cat "$PROMETHEUS_DIR/cluster-uid" 2>/dev/null)" ]; then
    note "prometheus: the cluster was made anew since Prometheus started: restarting it"
    stop_daemon prometheus
  fi
  if daemon_running prometheus && ! prometheus__ready; then
    note "prometheus: Prometheus runs but is not ready: restarting it"
    stop_daemon prometheus
  fi
  if ! daemon_running prometheus; then
    kube_port_free "$PROMETHEUS_PORT" || die "prometheus: port $PROMETHEUS_PORT is taken by a process this environment did not start"
    note "starting Prometheus $PROMETHEUS_VERSION on $(prometheus__url)"
    start_daemon prometheus /usr/bin/prometheus "${args[@]}"
    printf '%s\n' "${args[@]}" >"$PROMETHEUS_DIR/args"
    echo "$uid" >"$PROMETHEUS_DIR/cluster-uid"
  fi
  wait_until 60 "Prometheus is ready" prometheus__ready ||
    die "prometheus: not ready on $(prometheus__url): $(tail -n 8 "$LOG_DIR/prometheus.log")"
  wait_until 30 "Prometheus stores its first scrape" prometheus__scraped ||
    die "prometheus: no up{job=\"prometheus\"} sample within 30 s: $(tail -n 8 "$LOG_DIR/prometheus.log")"
  env_set PROMETHEUS_URL "$(prometheus__url)"
  env_set PROMETHEUS_RULES_DIR "$PROMETHEUS_DIR/rules"
  env_set PROMETHEUS_VERSION "$PROMETHEUS_VERSION"
  env_set PROMTOOL /usr/bin/promtool
}

prometheus_status() {
  local version
  version="$(release_version /usr/bin/prometheus 2>/dev/null)"
  if [ -z "$version" ]; then
    report prometheus missing "$PROMETHEUS_VERSION" "/usr/bin/prometheus" "${1:-}"
    return 1
  fi
  report_daemon prometheus "$version" prometheus__ready "$(prometheus__url)" "" "${1:-}"
}

# The data and the rules stay in the run directory (the next up reuses them); the packages stay installed.
prometheus_down() {
  if daemon_running prometheus; then
    note "stopping Prometheus"
    stop_daemon prometheus
  fi
  rm -f "$PID_DIR/prometheus.pid"
  env_unset_prefix PROMETHEUS_
  env_unset_prefix PROMTOOL=
}
