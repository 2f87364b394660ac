# shellcheck shell=bash
# Component 'dns' of the test environment: dns_up, dns_status [seconds], dns_down.
#
# The cluster DNS of the real node: CoreDNS $COREDNS_VERSION (go install from the Go module proxy into
# $SWISS_DEPLOY_CACHE/bin/coredns-<ver>) on the host, outside the cluster. Its kubernetes plugin reads the
# cluster through the admin kubeconfig and answers cluster.local (Services, pods) and in-addr.arpa; any other
# name goes to the host's resolver. It listens where the kubelet points pods (the pod bridge's gateway,
# KUBE_CLUSTER_DNS, port 53) and on 127.0.0.1:$DNS_HOST_PORT for checks from the host.
# The bridge exists only once a pod ran: up creates it (with the gateway address) when it is missing, and the
# CNI bridge plugin adopts it. Needs the kubernetes component with a real node (modes mixed and real).
# Env file: CLUSTER_DNS (the pods' resolver address), CLUSTER_DNS_HOST_ADDR (127.0.0.1:port).

DNS_DIR="$SWISS_DEPLOY_RUN/dns"
DNS_ZONE=cluster.local

dns__bin() { cached_bin coredns "$COREDNS_VERSION"; }

# `coredns -version` prints "CoreDNS-1.15.0" first
dns__version() { "$1" -version 2>/dev/null | sed -n 's/^CoreDNS-\([0-9.]*\)$/v\1/p' | head -n1; }

dns__build() {
  local gobin="$SWISS_DEPLOY_CACHE/tmp/coredns-build" out got lock
  out="$(dns__bin)"
  command -v go >/dev/null || die "dns: go is not installed"
  mkdir -p "$SWISS_DEPLOY_CACHE/build"
  # parallel env runs: one builds, the others wait and reuse it
  exec {lock}>"$SWISS_DEPLOY_CACHE/build/.coredns-$COREDNS_VERSION.lock"
  flock "$lock"
  if [ -x "$out" ]; then
    exec {lock}>&-
    return 0
  fi
  rm -rf "$gobin" && mkdir -p "$gobin"
  note "go install github.com/coredns/coredns@$COREDNS_VERSION (log $LOG_DIR/build-coredns.log)"
  CGO_ENABLED=0 GOBIN="$gobin" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION" \
    >"$LOG_DIR/build-coredns.log" 2>&1 || die "dns: building CoreDNS failed: $(tail -n 5 "$LOG_DIR/build-coredns.log")"
  got="$(dns__version "$gobin/coredns")"
  [ "$got" = "$COREDNS_VERSION" ] || die "dns: the build reports version '$got', versions.env pins COREDNS_VERSION=$COREDNS_VERSION"
  mv "$gobin/coredns" "$out"
  rm -rf "$gobin"
  exec {lock}>&-
}

dns__cluster_addr() { kube_cluster_dns; }

# dns__bridge: the pod bridge with the gateway address; created (as the CNI bridge plugin would) when missing.
dns__bridge() {
  local gateway prefix
  gateway="$(dns__cluster_addr)"
  prefix="${KUBE_REAL_POD_SUBNET#*/}"
  if ! ip link show "$KUBE_REAL_BRIDGE" >/dev/null 2>&1; then
    note "creating the pod bridge $KUBE_REAL_BRIDGE ($gateway/$prefix) before the first pod"
    ip link add "$KUBE_REAL_BRIDGE" type bridge || die "dns: could not create the bridge $KUBE_REAL_BRIDGE"
  fi
  ip -4 addr show dev "$KUBE_REAL_BRIDGE" | grep -qF " $gateway/$prefix " ||
    ip addr add "$gateway/$prefix" dev "$KUBE_REAL_BRIDGE" || die "dns: could not add $gateway/$prefix to $KUBE_REAL_BRIDGE"
  ip link set "$KUBE_REAL_BRIDGE" up || die "dns: could not bring $KUBE_REAL_BRIDGE up"
}

# dns__corefile: one server block per address, the same plugins in both (a snippet).
dns__corefile() {
  cat <<COREFILE
(cluster) {
  errors
  kubernetes $DNS_ZONE in-addr.arpa ip6.arpa {
    kubeconfig $KUBE_DIR/admin.kubeconfig swiss-deploy
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
    ttl 5
  }
  forward . /etc/resolv.conf
  cache 5
  loop
  reload 2s
}
.:53 {
  bind $(dns__cluster_addr)
  import cluster
}
.:$DNS_HOST_PORT {
  bind 127.0.0.1
  import cluster
}
COREFILE
}

# dns__answers ADDR PORT: the Service kubernetes.default resolves to its ClusterIP, the first of the service CIDR.
dns__answers() {
  local got
  got="$(dig +short +time=2 +tries=1 -p "$2" "@$1" "kubernetes.default.svc.$DNS_ZONE" A 2>/dev/null)"
  [ -n "$got" ] && [ "$got" = "$(dns__apiserver_ip)" ]
}

dns__apiserver_ip() {
  local net="${KUBE_SERVICE_CIDR%/*}"
  echo "${net%.*}.$((${net##*.} + 1))"
}

dns__port53_free() {
  ! ss -Hlnu "sport = :53" 2>/dev/null | awk '{print $4}' | grep -qxF "$(dns__cluster_addr):53"
}

dns_up() {
  local mode uid
  mode="$(kube_mode)"
  if ! kube_has_real "$mode"; then
    note "dns: skipped (the cluster runs in '$mode' mode: no real node, no pod network to serve)"
    env_unset_prefix CLUSTER_DNS
    return 0
  fi
  [ -f "$KUBE_DIR/admin.kubeconfig" ] || die "dns: no $KUBE_DIR/admin.kubeconfig (run env.sh up kubernetes first)"
  apt_install bind9-dnsutils iproute2 jq
  [ -x "$(dns__bin)" ] || dns__build
  mkdir -p "$DNS_DIR"
  dns__bridge
  dns__corefile >"$DNS_DIR/Corefile.new"
  if daemon_running dns && ! cmp -s "$DNS_DIR/Corefile.new" "$DNS_DIR/Corefile"; then
    note "dns: Corefile changed: restarting CoreDNS"
    stop_daemon dns
  fi
  mv "$DNS_DIR/Corefile.new" "$DNS_DIR/Corefile"
  if daemon_running dns && ! { dns__answers "$(dns__cluster_addr)" 53 && dns__answers 127.0.0.1 "$DNS_HOST_PORT"; }; then
    # e.g. the bridge was deleted and made anew under it: its socket on the old address hears nothing
    note "dns: CoreDNS runs but does not answer: restarting it"
    stop_daemon dns
  fi
  uid="$(kube_api /api/v1/namespaces/kube-system 2>/dev/null | jq -r '.metadata.uid // empty')"
  if daemon_running dns && [ "$uid" != "$(cat "$DNS_DIR/cluster-uid" 2>/dev/null)" ]; then
    note "dns: the cluster was made anew since CoreDNS started: restarting it"
    stop_daemon dns
  fi
  if ! daemon_running dns; then
    dns__port53_free || die "dns: $(dns__cluster_addr):53 is taken by a process this environment did not start"
    kube_port_free "$DNS_HOST_PORT" || die "dns: port $DNS_HOST_PORT is taken by a process this environment did not start"
    note "starting CoreDNS $COREDNS_VERSION on $(dns__cluster_addr):53 and 127.0.0.1:$DNS_HOST_PORT"
    start_daemon dns "$(dns__bin)" -conf "$DNS_DIR/Corefile"
    echo "$uid" >"$DNS_DIR/cluster-uid"
  fi
  wait_until 30 "CoreDNS answers" dns__answers 127.0.0.1 "$DNS_HOST_PORT" ||
    die "dns: CoreDNS does not answer on 127.0.0.1:$DNS_HOST_PORT: $(tail -n 8 "$LOG_DIR/dns.log")"
  wait_until 10 "CoreDNS answers on the bridge" dns__answers "$(dns__cluster_addr)" 53 ||
    die "dns: CoreDNS does not answer on $(dns__cluster_addr):53: $(tail -n 8 "$LOG_DIR/dns.log")"
  env_set CLUSTER_DNS "$(dns__cluster_addr)"
  env_set CLUSTER_DNS_HOST_ADDR "127.0.0.1:$DNS_HOST_PORT"
  env_set COREDNS_VERSION "$COREDNS_VERSION"
}

dns_status() {
  local mode problem=""
  mode="$(kube_mode)"
  if ! kube_has_real "$mode"; then
    report dns skipped "$COREDNS_VERSION" "no real node in '$mode' mode" "${1:-}"
    return 0
  fi
  if ! daemon_running dns; then
    problem="CoreDNS not running"
  elif ! dns__answers 127.0.0.1 "$DNS_HOST_PORT"; then
    problem="no answer on 127.0.0.1:$DNS_HOST_PORT"
  elif ! dns__answers "$(dns__cluster_addr)" 53; then
    problem="no answer on $(dns__cluster_addr):53"
  fi
  if [ -n "$problem" ]; then
    report dns down "$COREDNS_VERSION" "$problem" "${1:-}"
    return 1
  fi
  report dns up "$COREDNS_VERSION" "$(dns__cluster_addr):53, 127.0.0.1:$DNS_HOST_PORT" "${1:-}"
}

# The bridge stays: it belongs to the pod network (kubernetes down deletes it).
dns_down() {
  if daemon_running dns; then
    note "stopping CoreDNS"
    stop_daemon dns
  fi
  rm -f "$PID_DIR/dns.pid"
  env_unset_prefix CLUSTER_DNS
  env_unset_prefix COREDNS_VERSION=
}
