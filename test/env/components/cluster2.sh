# shellcheck shell=bash
# Component 'cluster2' of the test environment: cluster2_up, cluster2_status [seconds], cluster2_down.
#
# A second Kubernetes cluster, for what spans clusters (multi-cluster waves): its own etcd, kube-apiserver,
# kube-controller-manager (Deployments → ReplicaSets → Pods), kube-scheduler and kwok with $CLUSTER2_NODES
# fake nodes, on loopback ports of its own (versions.env) and a data directory of its own ($CLUSTER2_DIR), with
# its own CA and certificates (openssl). No real node: its pods become Ready without running, and the kwok
# failure stages of the first cluster apply (a pod labelled swiss-deploy.test/fail=image-pull|crash-loop|
# never-ready fails that way; test/env/kubernetes/kwok-stages.yaml, read, never changed).
# Pods run nowhere, yet a port-forward to any pod port answers HTTP: kwok serves the API server's kubelet calls
# on 127.0.0.1:$CLUSTER2_KWOK_PORT and hands each forwarded connection to `busybox httpd -i` serving
# $CLUSTER2_DIR/www (/healthz and / answer 200). So a smoke test through the API server passes here: it proves
# the path (API server → node → pod port), never what an image serves; that is the first cluster's real node's job.
# The binaries are component kubernetes's cached builds (same versions); when one is missing it is built the
# same way, once. Nothing here touches the first cluster: a restart of either leaves the other running.
# Env file: CLUSTER2_KUBECONFIG (admin, system:masters, context swiss-deploy-2), CLUSTER2_API_SERVER.

CLUSTER2_DIR="$SWISS_DEPLOY_RUN/cluster2"
CLUSTER2_PKI="$CLUSTER2_DIR/pki"
CLUSTER2_DAEMONS="cluster2-etcd cluster2-apiserver cluster2-controller-manager cluster2-scheduler cluster2-kwok"
: "${CLUSTER2_NODES:=2}"

cluster2__url() { echo "https://127.0.0.1:$CLUSTER2_APISERVER_PORT"; }

# cluster2__api [CURL_ARGS...] PATH: one request as the admin; prints the body, fails on an HTTP error.
cluster2__api() {
  local args=("$@") path
  path="${args[-1]}"
  unset 'args[-1]'
  curl -sS --fail --max-time 10 --cacert "$CLUSTER2_PKI/ca.crt" --cert "$CLUSTER2_PKI/admin.crt" \
    --key "$CLUSTER2_PKI/admin.key" "${args[@]}" "$(cluster2__url)$path"
}

cluster2__ready() { [ "$(cluster2__api /readyz 2>/dev/null)" = ok ]; }

cluster2__ready_nodes() {
  cluster2__api /api/v1/nodes 2>/dev/null |
    jq '[.items[] | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))] | length' 2>/dev/null || echo 0
}

cluster2__nodes_ready() { [ "$(cluster2__ready_nodes)" -ge "$CLUSTER2_NODES" ]; }

cluster2__running() { pid_alive "$(daemon_pid "$1")"; }

cluster2__all_running() {
  local name
  for name in $CLUSTER2_DAEMONS; do cluster2__running "$name" || return 1; done
}

# cluster2__wait SECONDS DAEMON WHAT CMD...: waits for CMD while DAEMON lives; dies with its log's tail otherwise.
cluster2__wait() {
  local timeout="$1" daemon="$2" what="$3" deadline
  shift 3
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! cluster2__running "$daemon" || [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$LOG_DIR/$daemon.log" >&2 || true
      die "cluster2: no $what within ${timeout}s or $daemon exited (log: $LOG_DIR/$daemon.log)"
    fi
    sleep 0.2
  done
}

cluster2__port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# cluster2__cert NAME SUBJECT EXTENSIONS and cluster2__client_cert NAME SUBJECT: the kubernetes component's
# certificate makers (made once, signed by the CA beside them), pointed at this cluster's own CA.
cluster2__cert() { KUBE_PKI="$CLUSTER2_PKI" kube_cert "$@"; }

cluster2__client_cert() { KUBE_PKI="$CLUSTER2_PKI" kube_client_cert "$@"; }

cluster2__pki() {
  mkdir -p "$CLUSTER2_PKI"
  chmod 700 "$CLUSTER2_PKI"
  if [ ! -s "$CLUSTER2_PKI/ca.crt" ] || [ ! -s "$CLUSTER2_PKI/ca.key" ]; then
    rm -f "$CLUSTER2_PKI"/*.crt "$CLUSTER2_PKI"/*.key
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CLUSTER2_PKI/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$CLUSTER2_PKI/ca.key" -subj "/CN=swiss-deploy-test-ca-2" -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$CLUSTER2_PKI/ca.crt"
  fi
  cluster2__cert apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.96.0.1"
  cluster2__client_cert admin "/O=system:masters/CN=swiss-deploy-admin-2"
  cluster2__client_cert controller-manager "/CN=system:kube-controller-manager"
  cluster2__client_cert scheduler "/CN=system:kube-scheduler"
  cluster2__client_cert kwok "/O=system:masters/CN=kwok"
  if [ ! -s "$CLUSTER2_PKI/sa.key" ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$CLUSTER2_PKI/sa.key" 2>/dev/null
    openssl pkey -in "$CLUSTER2_PKI/sa.key" -pubout -out "$CLUSTER2_PKI/sa.pub"
  fi
  chmod 600 "$CLUSTER2_PKI"/*.key
}

# cluster2__kubeconfig USER: $CLUSTER2_DIR/USER.kubeconfig, the certificate embedded, context swiss-deploy-2.
cluster2__kubeconfig() {
  local user="$1" tmp
  tmp="$(mktemp "$CLUSTER2_DIR/.kubeconfig.XXXX")"
  cat >"$tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: swiss-deploy-2
  cluster:
    server: $(cluster2__url)
    certificate-authority-data: $(base64 -w0 "$CLUSTER2_PKI/ca.crt")
users:
- name: $user-2
  user:
    client-certificate-data: $(base64 -w0 "$CLUSTER2_PKI/$user.crt")
    client-key-data: $(base64 -w0 "$CLUSTER2_PKI/$user.key")
contexts:
- name: swiss-deploy-2
  context:
    cluster: swiss-deploy-2
    user: $user-2
current-context: swiss-deploy-2
KUBECONFIG
  chmod 600 "$tmp"
  mv "$tmp" "$CLUSTER2_DIR/$user.kubeconfig"
}

cluster2__node_json() {
  jq -n --arg name "$1" '{
    apiVersion: "v1", kind: "Node",
    metadata: {
      name: $name,
      annotations: {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
      labels: {"kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "kubernetes.io/hostname": $name,
               "type": "kwok", "swiss-deploy.test/cluster": "2"}
    },
    status: {allocatable: {cpu: "32", memory: "256Gi", pods: "110"}, capacity: {cpu: "32", memory: "256Gi", pods: "110"}}
  }'
}

# cluster2__stamp: what the running cluster was made from; a change makes the next `up` restart it.
cluster2__stamp() {
  {
    echo "$KUBERNETES_VERSION $ETCD_VERSION $KWOK_VERSION $CLUSTER2_NODES"
    echo "$CLUSTER2_APISERVER_PORT $CLUSTER2_ETCD_PORT $CLUSTER2_ETCD_PEER_PORT $CLUSTER2_CONTROLLER_MANAGER_PORT"
    echo "$CLUSTER2_SCHEDULER_PORT $CLUSTER2_KWOK_PORT"
    cat "${BASH_SOURCE[0]}" "$KUBE_FILES/kwok-stages.yaml"
  } | sha256sum | cut -c1-16
}

cluster2__healthy() {
  [ -f "$CLUSTER2_DIR/stamp" ] && [ "$(cat "$CLUSTER2_DIR/stamp")" = "$(cluster2__stamp)" ] &&
    cluster2__all_running && cluster2__ready && cluster2__nodes_ready
}

# cluster2__orphans: pids of processes an earlier run left whose pid files are gone (a crash, a wiped run dir):
# every daemon of this cluster names a file under $CLUSTER2_DIR on its command line.
cluster2__orphans() {
  local file pid
  while read -r file; do
    pid="${file#/proc/}"
    pid="${pid%/cmdline}"
    [ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] && pid_alive "$pid" && echo "$pid"
  done < <(grep -alsF "$CLUSTER2_DIR/" /proc/[0-9]*/cmdline)
}

cluster2__stop_all() {
  local name pid
  # controllers and kwok first, so nothing acts on a half-stopped API; etcd's data is thrown away
  for name in cluster2-kwok cluster2-scheduler cluster2-controller-manager cluster2-apiserver cluster2-etcd; do
    stop_daemon "$name"
  done
  for pid in $(cluster2__orphans); do
    # only our cached binaries (kwok runs under env, which execs it): never a shell or an editor
    case "$(readlink "/proc/$pid/exe" 2>/dev/null)" in "$SWISS_DEPLOY_CACHE/bin/"*) ;; *) continue ;; esac
    note "cluster2: stopping leftover process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80))"
    kill -KILL "$pid" 2>/dev/null || true
  done
}

cluster2__start() {
  local i port
  for port in "$CLUSTER2_ETCD_PORT" "$CLUSTER2_ETCD_PEER_PORT" "$CLUSTER2_APISERVER_PORT" \
    "$CLUSTER2_CONTROLLER_MANAGER_PORT" "$CLUSTER2_SCHEDULER_PORT" "$CLUSTER2_KWOK_PORT"; do
    cluster2__port_free "$port" || die "cluster2: port $port is taken by a process this environment did not start"
  done
  rm -rf "$CLUSTER2_DIR/etcd"
  mkdir -p "$CLUSTER2_DIR/etcd" "$CLUSTER2_DIR/kwok-home"
  chmod 700 "$CLUSTER2_DIR/etcd"
  note "starting cluster 2: etcd, kube-apiserver on $(cluster2__url), controller-manager, scheduler, kwok ($CLUSTER2_NODES nodes)"
  start_daemon cluster2-etcd "$(kube_bin etcd)" \
    --name swiss-deploy-2 --data-dir "$CLUSTER2_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$CLUSTER2_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$CLUSTER2_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$CLUSTER2_ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$CLUSTER2_ETCD_PEER_PORT" \
    --initial-cluster "swiss-deploy-2=http://127.0.0.1:$CLUSTER2_ETCD_PEER_PORT" \
    --listen-metrics-urls "" --unsafe-no-fsync --quota-backend-bytes 1073741824 \
    --auto-compaction-retention 5m --log-level warn
  cluster2__wait 30 cluster2-etcd "etcd health" curl -sf --max-time 2 "http://127.0.0.1:$CLUSTER2_ETCD_PORT/health"
  start_daemon cluster2-apiserver "$(kube_bin kube-apiserver)" \
    --etcd-servers "http://127.0.0.1:$CLUSTER2_ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$CLUSTER2_APISERVER_PORT" \
    --endpoint-reconciler-type none --service-cluster-ip-range 10.96.0.0/16 \
    --tls-cert-file "$CLUSTER2_PKI/apiserver.crt" --tls-private-key-file "$CLUSTER2_PKI/apiserver.key" \
    --client-ca-file "$CLUSTER2_PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$CLUSTER2_PKI/sa.pub" --service-account-signing-key-file "$CLUSTER2_PKI/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --profiling=false --event-ttl 1h --v 1
  cluster2__wait 90 cluster2-apiserver "kube-apiserver /readyz" cluster2__ready
  start_daemon cluster2-controller-manager "$(kube_bin kube-controller-manager)" \
    --kubeconfig "$CLUSTER2_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$CLUSTER2_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$CLUSTER2_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$CLUSTER2_CONTROLLER_MANAGER_PORT" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$CLUSTER2_PKI/sa.key" --root-ca-file "$CLUSTER2_PKI/ca.crt" \
    --cluster-signing-cert-file "$CLUSTER2_PKI/ca.crt" --cluster-signing-key-file "$CLUSTER2_PKI/ca.key" \
    --service-cluster-ip-range 10.96.0.0/16 --cluster-name swiss-deploy-2 \
    --controllers '*' --profiling=false --v 1
  start_daemon cluster2-scheduler "$(kube_bin kube-scheduler)" \
    --kubeconfig "$CLUSTER2_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$CLUSTER2_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$CLUSTER2_DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$CLUSTER2_SCHEDULER_PORT" --leader-elect=false --profiling=false --v 1
  mkdir -p "$CLUSTER2_DIR/www"
  echo ok >"$CLUSTER2_DIR/www/healthz"
  echo 'swiss-deploy cluster 2 (kwok pod)' >"$CLUSTER2_DIR/www/index.html"
  {
    cat "$KUBE_FILES/kwok-stages.yaml"
    printf -- '---\nkind: ClusterPortForward\napiVersion: kwok.x-k8s.io/v1alpha1\nmetadata:\n  name: swiss-deploy-httpd\n'
    printf 'spec:\n  forwards:\n  - command: ["%s", "httpd", "-i", "-h", "%s"]\n' "$(command -v busybox)" "$CLUSTER2_DIR/www"
  } >"$CLUSTER2_DIR/kwok-stages.yaml"
  # HOME keeps kwok from also reading a developer's ~/.kwok/kwok.yaml.
  start_daemon cluster2-kwok env HOME="$CLUSTER2_DIR/kwok-home" "$(kube_bin kwok)" \
    --kubeconfig "$CLUSTER2_DIR/kwok.kubeconfig" --config "$CLUSTER2_DIR/kwok-stages.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --cidr 10.1.0.1/24 --node-lease-duration-seconds 40 \
    --node-port "$CLUSTER2_KWOK_PORT" --server-address "127.0.0.1:$CLUSTER2_KWOK_PORT"
  for ((i = 0; i < CLUSTER2_NODES; i++)); do
    cluster2__api "/api/v1/nodes/cluster2-node-$i" >/dev/null 2>&1 ||
      cluster2__api -X POST -H 'Content-Type: application/json' --data-binary "$(cluster2__node_json "cluster2-node-$i")" \
        /api/v1/nodes >/dev/null || die "cluster2: could not create the fake node cluster2-node-$i"
  done
  cluster2__wait 60 cluster2-kwok "$CLUSTER2_NODES Ready kwok nodes" cluster2__nodes_ready
  cluster2__wait 60 cluster2-controller-manager "kube-controller-manager /healthz" \
    curl -skf --max-time 2 "https://127.0.0.1:$CLUSTER2_CONTROLLER_MANAGER_PORT/healthz"
  cluster2__wait 60 cluster2-scheduler "kube-scheduler /readyz" \
    curl -skf --max-time 2 "https://127.0.0.1:$CLUSTER2_SCHEDULER_PORT/readyz"
}

cluster2_up() {
  if cluster2__healthy; then
    note "cluster 2 is already up: reusing it"
  else
    apt_install openssl curl jq ca-certificates busybox-static
    # component kubernetes's cached builds; built here only when missing (same versions, same cache)
    kube_build_etcd
    kube_build_kwok
    kube_build_kubernetes kube-apiserver kube-controller-manager kube-scheduler
    cluster2__stop_all
    rm -f "$CLUSTER2_DIR/stamp"
    cluster2__pki
    local user
    for user in admin controller-manager scheduler kwok; do cluster2__kubeconfig "$user"; done
    cluster2__start
    cluster2__stamp >"$CLUSTER2_DIR/stamp"
  fi
  env_set CLUSTER2_KUBECONFIG "$CLUSTER2_DIR/admin.kubeconfig"
  env_set CLUSTER2_API_SERVER "$(cluster2__url)"
}

cluster2_status() {
  local problem=""
  if [ ! -f "$CLUSTER2_DIR/stamp" ]; then
    report cluster2 down "$KUBERNETES_VERSION" - "${1:-}"
    return 1
  fi
  local name
  for name in $CLUSTER2_DAEMONS; do
    cluster2__running "$name" || problem+="${problem:+, }$name not running"
  done
  if [ -z "$problem" ]; then
    if ! cluster2__ready; then
      problem="/readyz not ok"
    elif ! cluster2__nodes_ready; then
      problem="nodes not Ready"
    fi
  fi
  if [ -n "$problem" ]; then
    report cluster2 down "$KUBERNETES_VERSION/kwok" "$problem" "${1:-}"
    return 1
  fi
  report cluster2 up "$KUBERNETES_VERSION/kwok" "$(cluster2__url) ($(cluster2__ready_nodes) nodes)" "${1:-}"
}

# The certificates stay (10 years valid, like the first cluster's); processes, etcd data and env keys go.
cluster2_down() {
  cluster2__stop_all
  rm -rf "$CLUSTER2_DIR/etcd" "$CLUSTER2_DIR/stamp"
  env_unset_prefix CLUSTER2_
}
