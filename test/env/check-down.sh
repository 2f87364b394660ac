#!/usr/bin/env bash
# Proves `env.sh down` leaves nothing behind: no process of a binary the environment built or started,
# no mount under the run directory, no pod network namespace, no bridge of ours, no kube-proxy nftables table,
# pod FORWARD chain or listener of the data plane (kube-proxy, dns, gateway), of the observability servers
# (prometheus, alertmanager) or of the second cluster (cluster2). Run after the suite (it stops the
# environment the tests used). Exits non-zero, naming what is left, if anything is.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
: "${KUBE_REAL_POD_SUBNET:=10.244.0.0/24}"

bash "$HERE/env.sh" down >/dev/null
left=()
while read -r pid; do
  [ -n "$pid" ] && [ "$pid" != "$$" ] && left+=("process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)")
done < <(pgrep -f "$SWISS_DEPLOY_CACHE/(bin|run)/" || true)
# the observability servers run Debian's binaries: any of them left running is ours or the package's
for daemon in prometheus-pushgateway; do
  while read -r pid; do
    [ -n "$pid" ] && left+=("$daemon $pid")
  done < <(pgrep -f "^/usr/bin/$daemon" || true)
done
for daemon in dockerd containerd docker-registry kubelet; do
  while read -r pid; do
    [ -n "$pid" ] && grep -q "$SWISS_DEPLOY_RUN" "/proc/$pid/cmdline" 2>/dev/null && left+=("$daemon $pid")
  done < <(pgrep -x "$daemon" || true)
done
while read -r mountpoint; do
  left+=("mount $mountpoint")
done < <(awk -v run="$SWISS_DEPLOY_RUN" 'index($2, run) == 1 { print $2 }' /proc/self/mounts)
for netns in /run/netns/cni-*; do
  [ -e "$netns" ] && left+=("network namespace $netns")
done
for bridge in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}'); do
  case "$bridge" in swiss* | cni0 | docker0) left+=("bridge $bridge") ;; esac
done
# the data plane: kube-proxy's nftables tables, the pod FORWARD chain, the loopback ports and the DNS address
for family in $(nft list tables 2>/dev/null | awk '$3 == "kube-proxy" { print $2 }'); do
  left+=("nftables table $family kube-proxy")
done
if iptables -w 5 -L SWISS-DEPLOY-PODS -n >/dev/null 2>&1 || iptables -w 5 -S FORWARD 2>/dev/null | grep -q SWISS-DEPLOY-PODS; then
  left+=("iptables chain SWISS-DEPLOY-PODS (or a FORWARD jump to it)")
fi
for port in "${KUBE_PROXY_HEALTHZ_PORT}" "${KUBE_PROXY_METRICS_PORT}" "${DNS_HOST_PORT}" "${GATEWAY_PORT}" "${GATEWAY_PING_PORT}" \
  "${PROMETHEUS_PORT}" "${ALERTMANAGER_PORT}" "${PUSHGATEWAY_PORT}" \
  "${JAEGER_QUERY_PORT}" "${JAEGER_QUERY_GRPC_PORT}" "${JAEGER_OTLP_HTTP_PORT}" "${JAEGER_OTLP_GRPC_PORT}" \
  "${CLUSTER2_APISERVER_PORT}" "${CLUSTER2_ETCD_PORT}" "${CLUSTER2_ETCD_PEER_PORT}" "${CLUSTER2_CONTROLLER_MANAGER_PORT}" \
  "${CLUSTER2_SCHEDULER_PORT}" "${CLUSTER2_KWOK_PORT}"; do
  ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && left+=("a listener on TCP port $port")
  ss -Hlun "sport = :$port" 2>/dev/null | grep -q . && left+=("a listener on UDP port $port")
done
while read -r listener; do
  [ -n "$listener" ] && left+=("a DNS listener on $listener")
done < <(ss -Hlnu "sport = :53" 2>/dev/null | awk '{print $4}' | grep -F "${KUBE_REAL_POD_SUBNET%.*}." || true)
# CLIs (trivy, cosign) run nothing between tests; their env keys go with down, their cached builds stay
if grep -q '^COSIGN_' "$ENV_FILE" 2>/dev/null; then
  left+=("COSIGN_* keys in $ENV_FILE")
fi
if [ ${#left[@]} -gt 0 ]; then
  echo "env.sh down left behind:" >&2
  printf '  %s\n' "${left[@]}" >&2
  exit 1
fi
echo "env.sh down left no process, mount, network namespace, bridge, nftables/iptables rule or listener behind."
