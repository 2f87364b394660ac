# shellcheck shell=bash
# Component 'kube-proxy' of the test environment: kube-proxy_up, kube-proxy_status [seconds], kube-proxy_down.
#
# ClusterIPs for the real node: kube-proxy at $KUBERNETES_VERSION, built by the kubernetes component's build
# (the same module, go.mod and ldflags as the control plane: kube_build_kubernetes), run on the host for the
# real node in nftables mode. Its healthz and metrics listen on loopback ports of their own, and the conntrack
# flags are zero so the host's conntrack sysctls stay as they are. Pods route the service CIDR to the bridge
# gateway (the kubernetes component's CNI config), so the host's nftables rules serve them too.
# Docker sets the iptables FORWARD policy to DROP, and bridged traffic goes through it
# (bridge-nf-call-iptables): the chain $KUBE_PROXY_FORWARD_CHAIN, jumped to first from FORWARD, accepts what
# comes from or goes to the pod subnet. down stops kube-proxy, runs `kube-proxy --cleanup` (its nftables
# tables go) and removes that chain. Modes mixed and real only: kwok nodes have no pods to reach.
# Env file: KUBE_PROXY_MODE (nftables), KUBE_PROXY_HEALTHZ (its /healthz URL).

KUBE_PROXY_FORWARD_CHAIN=SWISS-DEPLOY-PODS

kube_proxy__bin() { kube_bin kube-proxy; }

kube_proxy__healthz() { curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz"; }

kube_proxy__tables() { nft list tables 2>/dev/null | awk '$3 == "kube-proxy" { print $2 }'; }

# kube_proxy__synced: /healthz answers before the first sync has written any rule (nothing is pending yet), so
# ready means healthy and its nftables table made.
kube_proxy__synced() { kube_proxy__healthz && [ -n "$(kube_proxy__tables)" ]; }

kube_proxy__forward_ok() {
  iptables -w 5 -C FORWARD -j "$KUBE_PROXY_FORWARD_CHAIN" 2>/dev/null &&
    iptables -w 5 -C "$KUBE_PROXY_FORWARD_CHAIN" -s "$KUBE_REAL_POD_SUBNET" -j ACCEPT 2>/dev/null &&
    iptables -w 5 -C "$KUBE_PROXY_FORWARD_CHAIN" -d "$KUBE_REAL_POD_SUBNET" -j ACCEPT 2>/dev/null
}

# kube_proxy__forward_accept: the chain, made anew, and one jump to it at the head of FORWARD.
kube_proxy__forward_accept() {
  kube_proxy__forward_ok && return 0
  kube_proxy__forward_remove
  if ! { iptables -w 5 -N "$KUBE_PROXY_FORWARD_CHAIN" &&
    iptables -w 5 -A "$KUBE_PROXY_FORWARD_CHAIN" -s "$KUBE_REAL_POD_SUBNET" -j ACCEPT &&
    iptables -w 5 -A "$KUBE_PROXY_FORWARD_CHAIN" -d "$KUBE_REAL_POD_SUBNET" -j ACCEPT &&
    iptables -w 5 -I FORWARD 1 -j "$KUBE_PROXY_FORWARD_CHAIN"; }; then
    die "kube-proxy: could not add the FORWARD accept rules for $KUBE_REAL_POD_SUBNET"
  fi
}

kube_proxy__forward_remove() {
  while iptables -w 5 -D FORWARD -j "$KUBE_PROXY_FORWARD_CHAIN" 2>/dev/null; do :; done
  if iptables -w 5 -L "$KUBE_PROXY_FORWARD_CHAIN" -n >/dev/null 2>&1; then
    if ! { iptables -w 5 -F "$KUBE_PROXY_FORWARD_CHAIN" && iptables -w 5 -X "$KUBE_PROXY_FORWARD_CHAIN"; }; then
      note "kube-proxy: could not remove the iptables chain $KUBE_PROXY_FORWARD_CHAIN"
    fi
  fi
}

kube_proxy__args() {
  printf '%s\n' \
    --kubeconfig "$KUBE_DIR/kube-proxy.kubeconfig" \
    --hostname-override "$(kube_real_node_name)" \
    --proxy-mode nftables \
    --cluster-cidr "$KUBE_REAL_POD_SUBNET" --detect-local-mode ClusterCIDR \
    --nodeport-addresses primary \
    --healthz-bind-address "127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT" \
    --metrics-bind-address "127.0.0.1:$KUBE_PROXY_METRICS_PORT" \
    --conntrack-max-per-core=0 --conntrack-tcp-timeout-established=0 --conntrack-tcp-timeout-close-wait=0 \
    --v 1
}

kube-proxy_up() {
  local mode args=()
  mode="$(kube_mode)"
  if ! kube_has_real "$mode"; then
    note "kube-proxy: skipped (the cluster runs in '$mode' mode: no real node, nothing to proxy to)"
    env_unset_prefix KUBE_PROXY_
    return 0
  fi
  if [ ! -f "$KUBE_DIR/kube-proxy.kubeconfig" ] || ! kube_apiserver_ready; then
    die "kube-proxy: the cluster does not answer (run env.sh up kubernetes first)"
  fi
  apt_install nftables iptables curl
  # the control plane's build: same module, same lock as `up kubernetes`
  [ -x "$(kube_proxy__bin)" ] || kube_locked kube_build_kubernetes kube-proxy
  kube_proxy__forward_accept
  mkdir -p "$KUBE_DIR"
  mapfile -t args < <(kube_proxy__args)
  printf '%s\n' "${args[@]}" >"$KUBE_DIR/kube-proxy.args.new"
  if kube_running kube-proxy && ! cmp -s "$KUBE_DIR/kube-proxy.args.new" "$KUBE_DIR/kube-proxy.args"; then
    note "kube-proxy: flags changed: restarting it"
    kube_stop 10 kube-proxy
  fi
  mv "$KUBE_DIR/kube-proxy.args.new" "$KUBE_DIR/kube-proxy.args"
  if ! kube_running kube-proxy; then
    kube_port_free "$KUBE_PROXY_HEALTHZ_PORT" ||
      die "kube-proxy: port $KUBE_PROXY_HEALTHZ_PORT (healthz) is taken by a process this environment did not start"
    kube_port_free "$KUBE_PROXY_METRICS_PORT" ||
      die "kube-proxy: port $KUBE_PROXY_METRICS_PORT (metrics) is taken by a process this environment did not start"
    note "starting kube-proxy $KUBERNETES_VERSION (nftables, node $(kube_real_node_name))"
    start_daemon kube-proxy "$(kube_proxy__bin)" "${args[@]}"
  fi
  kube_wait 60 kube-proxy "kube-proxy /healthz and its nftables table" kube_proxy__synced
  env_set KUBE_PROXY_MODE nftables
  env_set KUBE_PROXY_HEALTHZ "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz"
}

kube-proxy_status() {
  local mode problem=""
  mode="$(kube_mode)"
  if ! kube_has_real "$mode"; then
    report kube-proxy skipped "$KUBERNETES_VERSION" "no real node in '$mode' mode" "${1:-}"
    return 0
  fi
  if ! kube_running kube-proxy; then
    problem="not running"
  elif ! kube_proxy__healthz; then
    problem="/healthz on 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT not ok"
  elif [ -z "$(kube_proxy__tables)" ]; then
    problem="no nftables table kube-proxy"
  elif ! kube_proxy__forward_ok; then
    problem="FORWARD accept rules for $KUBE_REAL_POD_SUBNET missing"
  fi
  if [ -n "$problem" ]; then
    report kube-proxy down "$KUBERNETES_VERSION" "$problem" "${1:-}"
    return 1
  fi
  report kube-proxy up "$KUBERNETES_VERSION/nftables" "127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz" "${1:-}"
}

kube-proxy_down() {
  if kube_running kube-proxy; then
    note "stopping kube-proxy"
    kube_stop 10 kube-proxy
  fi
  rm -f "$PID_DIR/kube-proxy.pid"
  if [ -n "$(kube_proxy__tables)" ]; then
    if [ -x "$(kube_proxy__bin)" ]; then
      "$(kube_proxy__bin)" --cleanup --proxy-mode nftables >"$LOG_DIR/kube-proxy-cleanup.log" 2>&1 ||
        note "kube-proxy --cleanup failed, see $LOG_DIR/kube-proxy-cleanup.log"
    fi
    local family
    for family in $(kube_proxy__tables); do nft delete table "$family" kube-proxy 2>/dev/null || true; done
  fi
  kube_proxy__forward_remove
  env_unset_prefix KUBE_PROXY_
}
