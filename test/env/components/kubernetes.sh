# shellcheck shell=bash
# Component 'kubernetes' of the test environment: kubernetes_up, kubernetes_status [seconds], kubernetes_down.
#
# A real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler), every binary built
# from the Go module proxy at the versions pinned in versions.env (go.mod from test/env/kubernetes/*.tmpl),
# certificates made here by openssl, RBAC on (Node,RBAC), everything on 127.0.0.1. SWISS_DEPLOY_KUBE_MODE picks the nodes:
#   mixed (default) both of the below in one cluster. The real node is labelled $KUBE_REAL_NODE_LABEL and tainted
#                   $KUBE_REAL_TAINT, so workloads without scheduling rules land on kwok nodes only; a pod that
#                   wants to run for real tolerates the taint and selects the label.
#   kwok            kwok fakes $KWOK_NODES nodes (annotated kwok.x-k8s.io/node=fake: kwok manages those nodes and
#                   their pods only); pods become Ready without running. A pod labelled
#                   swiss-deploy.test/fail=image-pull|crash-loop|never-ready fails that way instead
#                   (stages: test/env/kubernetes/kwok-stages.yaml).
#   real            node "localhost" only (labelled, not tainted), a kubelet on containerd + CNI bridge runs pods;
#                   image $KUBE_TEST_IMAGE (busybox httpd on :8080) is imported locally. No kube-proxy:
#                   reach pods with kubectl port-forward/exec/logs (all through the apiserver, on loopback).
#                   KUBE_REAL_CONTAINERD=auto|own|shared picks the containerd (auto: component docker's when it runs).
# The env file gets KUBECONFIG (admin, system:masters), KUBE_API_SERVER, KUBERNETES_VERSION, KUBE_MODE, and with a
# real node KUBE_TEST_IMAGE, KUBE_REAL_NODE, KUBE_REAL_NODE_SELECTOR (key=value) and KUBE_REAL_TOLERATION
# (key=value:effect). Ports and CIDRs below can be overridden from the environment.
# test/env/kubernetes/smoke.sh checks a running cluster by hand.

KUBE_FILES="$(cd "$(dirname "${BASH_SOURCE[0]}")/../kubernetes" && pwd)"
KUBE_DIR="$SWISS_DEPLOY_RUN/kubernetes"
KUBE_PKI="$KUBE_DIR/pki"
KUBE_BUILD_DIR="$SWISS_DEPLOY_CACHE/build"
: "${KUBE_APISERVER_PORT:=6443}"
: "${KUBE_ETCD_PORT:=2379}"
: "${KUBE_ETCD_PEER_PORT:=2380}"
: "${KUBE_SERVICE_CIDR:=10.96.0.0/16}"
: "${KUBE_CONTROLLER_MANAGER_PORT:=10257}"
: "${KUBE_SCHEDULER_PORT:=10259}"
: "${KWOK_PORT:=10247}"
: "${KWOK_POD_CIDR:=10.0.0.1/24}"
: "${KWOK_NODES:=2}"

KUBE_REAL_NODE_LABEL="swiss-deploy.test/node=real"
KUBE_REAL_TAINT="swiss-deploy.test/real=true:NoSchedule"

# kube_mode: the mode of the cluster that runs (or ran last), else the requested one, else mixed.
kube_mode() {
  local mode=""
  [ -f "$KUBE_DIR/mode" ] && mode="$(cat "$KUBE_DIR/mode")"
  echo "${mode:-${SWISS_DEPLOY_KUBE_MODE:-mixed}}"
}

kube_has_kwok() { [ "$1" = kwok ] || [ "$1" = mixed ]; }
kube_has_real() { [ "$1" = real ] || [ "$1" = mixed ]; }

# ---------------------------------------------------------------------------------------------------
# Builds. Each binary lands in $SWISS_DEPLOY_CACHE/bin/NAME-VERSION and is reused while it exists.

# kube_go_prepare DIR TEMPLATE SED_ARGS...: writes DIR/go.mod from TEMPLATE (a changed one drops go.sum).
kube_go_prepare() {
  local dir="$1" template="$2"
  shift 2
  mkdir -p "$dir"
  sed "$@" "$KUBE_FILES/$template" >"$dir/go.mod.new"
  if ! cmp -s "$dir/go.mod.new" "$dir/go.mod.tmpl-out" 2>/dev/null; then
    cp "$dir/go.mod.new" "$dir/go.mod"
    cp "$dir/go.mod.new" "$dir/go.mod.tmpl-out"
    rm -f "$dir/go.sum"
  fi
  rm -f "$dir/go.mod.new"
}

# The staging modules k8s.io/kubernetes replaces with ./staging/... and also requires: each becomes k8s.io/MOD v0.Y.Z.
kube_staging_replaces() {
  local version="$1" gomod staging_version="v0.${1#v1.}"
  gomod="$(cd "$KUBE_BUILD_DIR" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')"
  [ -f "$gomod" ] || die "kubernetes: could not download k8s.io/kubernetes@$version's go.mod"
  awk -v v="$staging_version" '
    /^require[ (]/ { inreq = 1 } inreq && /^\)/ { inreq = 0 }
    inreq && $1 ~ /^k8s\.io\// && $2 == "v0.0.0" { required[$1] = 1 }
    $2 == "=>" && $3 ~ /^\.\/staging\// { staged[$1] = 1 }
    END { for (m in staged) if (m in required) printf "\t%s => %s %s\n", m, m, v }' "$gomod" | sort
}

kube_build_kubernetes() {
  local version="$KUBERNETES_VERSION" dir replaces name out missing=0 ldflags minor major
  for name in "$@"; do
    [ -x "$(kube_bin "$name")" ] || missing=1
  done
  [ "$missing" -eq 0 ] && return 0
  dir="$KUBE_BUILD_DIR/kubernetes-$version"
  mkdir -p "$dir"
  replaces="$(kube_staging_replaces "$version")"
  [ -n "$replaces" ] || die "kubernetes: found no staging modules in k8s.io/kubernetes@$version's go.mod"
  kube_go_prepare "$dir" go.mod.tmpl -e "s|@KUBERNETES_VERSION@|$version|" \
    -e "/@STAGING_REPLACES@/{r /dev/stdin" -e "d}" <<<"$replaces"
  major="${version#v}"; major="${major%%.*}"
  minor="${version#v*.}"; minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.gitTreeState=clean"
    ldflags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for name in "$@"; do
    out="$(kube_bin "$name")"
    [ -x "$out" ] && continue
    if [ "$name" = kube-cri-cleanup ]; then
      # our own small tool, built in the same module graph as the kubelet
      rm -rf "$dir/cri-cleanup" && cp -r "$KUBE_FILES/cri-cleanup" "$dir/cri-cleanup"
      (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$out.tmp" ./cri-cleanup) \
        >"$LOG_DIR/build-$name.log" 2>&1 || die "kubernetes: building $name failed, see $LOG_DIR/build-$name.log"
      mv "$out.tmp" "$out"
      continue
    fi
    note "building $name $version from the Go module proxy (slow the first time: $LOG_DIR/build-$name.log)"
    (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags providerless \
      -ldflags "$ldflags" -o "$out.tmp" "k8s.io/kubernetes/cmd/$name") >"$LOG_DIR/build-$name.log" 2>&1 ||
      die "kubernetes: building $name failed, see $LOG_DIR/build-$name.log"
    mv "$out.tmp" "$out"
  done
}

kube_build_etcd() {
  local out dir
  out="$(cached_bin etcd "$ETCD_VERSION")"
  [ -x "$out" ] && return 0
  dir="$KUBE_BUILD_DIR/etcd-$ETCD_VERSION"
  kube_go_prepare "$dir" etcd.go.mod.tmpl -e "s|@ETCD_VERSION@|$ETCD_VERSION|"
  note "building etcd $ETCD_VERSION from the Go module proxy ($LOG_DIR/build-etcd.log)"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" \
    -o "$out.tmp" go.etcd.io/etcd/server/v3) >"$LOG_DIR/build-etcd.log" 2>&1 ||
    die "kubernetes: building etcd failed, see $LOG_DIR/build-etcd.log"
  mv "$out.tmp" "$out"
}

kube_build_kwok() {
  local out dir
  out="$(cached_bin kwok "$KWOK_VERSION")"
  [ -x "$out" ] && return 0
  dir="$KUBE_BUILD_DIR/kwok-$KWOK_VERSION"
  kube_go_prepare "$dir" kwok.go.mod.tmpl -e "s|@KWOK_VERSION@|$KWOK_VERSION|"
  note "building kwok $KWOK_VERSION from the Go module proxy ($LOG_DIR/build-kwok.log)"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
    -o "$out.tmp" sigs.k8s.io/kwok/cmd/kwok) >"$LOG_DIR/build-kwok.log" 2>&1 ||
    die "kubernetes: building kwok failed, see $LOG_DIR/build-kwok.log"
  mv "$out.tmp" "$out"
}

# kube_build_all: builds what the mode needs; the Go builds run in parallel where they do not share much.
kube_build_all() {
  local mode="$1" pids=() pid failed=0
  kube_build_etcd &
  pids+=($!)
  if kube_has_kwok "$mode"; then
    kube_build_kwok &
    pids+=($!)
  fi
  if kube_has_real "$mode"; then
    kube_build_kubernetes kube-apiserver kube-controller-manager kube-scheduler kubelet kube-cri-cleanup || failed=1
  else
    kube_build_kubernetes kube-apiserver kube-controller-manager kube-scheduler || failed=1
  fi
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" -eq 0 ] || die "kubernetes: a build failed (logs in $LOG_DIR/build-*.log)"
}

# ---------------------------------------------------------------------------------------------------
# Certificates and kubeconfigs, made by openssl under $KUBE_PKI. Kept across down/up (10 years valid);
# kubeconfigs are rewritten on every up so a changed port takes effect.

# kube_cert NAME SUBJECT EXTENSIONS: an RSA key and a CA-signed certificate NAME.key/NAME.crt, once.
kube_cert() {
  local name="$1" subject="$2" extensions="$3"
  [ -s "$KUBE_PKI/$name.crt" ] && [ -s "$KUBE_PKI/$name.key" ] && return 0
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KUBE_PKI/$name.key" 2>/dev/null
  openssl req -new -key "$KUBE_PKI/$name.key" -subj "$subject" -out "$KUBE_PKI/$name.csr"
  printf '%s\n' "$extensions" >"$KUBE_PKI/$name.ext"
  openssl x509 -req -in "$KUBE_PKI/$name.csr" -CA "$KUBE_PKI/ca.crt" -CAkey "$KUBE_PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$KUBE_PKI/$name.ext" -out "$KUBE_PKI/$name.crt" 2>/dev/null
  rm -f "$KUBE_PKI/$name.csr" "$KUBE_PKI/$name.ext"
}

kube_client_cert() {
  kube_cert "$1" "$2" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
}

kube_pki() {
  mkdir -p "$KUBE_PKI"
  chmod 700 "$KUBE_PKI"
  if [ ! -s "$KUBE_PKI/ca.crt" ] || [ ! -s "$KUBE_PKI/ca.key" ]; then
    rm -f "$KUBE_PKI"/*.crt "$KUBE_PKI"/*.key
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KUBE_PKI/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$KUBE_PKI/ca.key" -subj "/CN=swiss-deploy-test-ca" -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$KUBE_PKI/ca.crt"
  fi
  kube_cert apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1"
  kube_client_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  kube_client_cert admin "/O=system:masters/CN=swiss-deploy-admin"
  kube_client_cert controller-manager "/CN=system:kube-controller-manager"
  kube_client_cert scheduler "/CN=system:kube-scheduler"
  kube_client_cert kwok "/O=system:masters/CN=kwok"
  kube_client_cert kube-proxy "/CN=system:kube-proxy"
  kube_client_cert kubelet "/O=system:nodes/CN=system:node:$(kube_real_node_name)"
  kube_cert kubelet-serving "/CN=$(kube_real_node_name)" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:$(kube_real_node_name),IP:127.0.0.1"
  # front proxy (aggregation layer): its own CA, so no client certificate of ours passes as a proxy
  if [ ! -s "$KUBE_PKI/front-proxy-ca.crt" ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KUBE_PKI/front-proxy-ca.key" 2>/dev/null
    openssl req -x509 -new -key "$KUBE_PKI/front-proxy-ca.key" -subj "/CN=swiss-deploy-front-proxy-ca" -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$KUBE_PKI/front-proxy-ca.crt"
    rm -f "$KUBE_PKI/front-proxy-client.crt"
  fi
  if [ ! -s "$KUBE_PKI/front-proxy-client.crt" ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KUBE_PKI/front-proxy-client.key" 2>/dev/null
    openssl req -new -key "$KUBE_PKI/front-proxy-client.key" -subj "/CN=front-proxy-client" |
      openssl x509 -req -CA "$KUBE_PKI/front-proxy-ca.crt" -CAkey "$KUBE_PKI/front-proxy-ca.key" -CAcreateserial \
        -days 3650 -sha256 -extfile <(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n') \
        -out "$KUBE_PKI/front-proxy-client.crt" 2>/dev/null
  fi
  if [ ! -s "$KUBE_PKI/sa.key" ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KUBE_PKI/sa.key" 2>/dev/null
    openssl pkey -in "$KUBE_PKI/sa.key" -pubout -out "$KUBE_PKI/sa.pub"
  fi
  chmod 600 "$KUBE_PKI"/*.key
}

# kube_kubeconfig NAME USER: $KUBE_DIR/NAME.kubeconfig with the certificate USER.crt embedded.
kube_kubeconfig() {
  local name="$1" user="$2" tmp
  tmp="$(mktemp "$KUBE_DIR/.kubeconfig.XXXX")"
  cat >"$tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: swiss-deploy
  cluster:
    server: https://127.0.0.1:$KUBE_APISERVER_PORT
    certificate-authority-data: $(base64 -w0 "$KUBE_PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$KUBE_PKI/$user.crt")
    client-key-data: $(base64 -w0 "$KUBE_PKI/$user.key")
contexts:
- name: swiss-deploy
  context:
    cluster: swiss-deploy
    user: $user
current-context: swiss-deploy
KUBECONFIG
  chmod 600 "$tmp"
  mv "$tmp" "$KUBE_DIR/$name.kubeconfig"
}

kube_kubeconfigs() {
  local user
  for user in admin controller-manager scheduler kwok kube-proxy kubelet; do
    kube_kubeconfig "$user" "$user"
  done
}

# ---------------------------------------------------------------------------------------------------
# Talking to the apiserver without kubectl (curl with the admin certificate).

# kube_api [CURL_ARGS...] PATH: one request as the admin; prints the body, fails on an HTTP error.
kube_api() {
  local args=("$@") path
  path="${args[-1]}"
  unset 'args[-1]'
  curl -sS --fail --max-time 10 --cacert "$KUBE_PKI/ca.crt" --cert "$KUBE_PKI/admin.crt" --key "$KUBE_PKI/admin.key" \
    "${args[@]}" "https://127.0.0.1:$KUBE_APISERVER_PORT$path"
}

kube_apiserver_ready() { [ "$(kube_api /readyz 2>/dev/null)" = ok ]; }

# kube_apply_json PATH NAME JSON: creates the object at collection PATH unless PATH/NAME exists.
kube_create_json() {
  local path="$1" name="$2" json="$3"
  kube_api "$path/$name" >/dev/null 2>&1 && return 0
  kube_api -X POST -H 'Content-Type: application/json' --data-binary "$json" "$path" >/dev/null
}

# kube_nodes_ready: every node is Ready and at least one exists.
kube_nodes_ready() {
  local nodes
  nodes="$(kube_api /api/v1/nodes 2>/dev/null)" || return 1
  jq -e '(.items | length) > 0 and all(.items[]; any(.status.conditions[]?; .type == "Ready" and .status == "True"))' \
    <<<"$nodes" >/dev/null
}

kube_ready_node_count() {
  kube_api /api/v1/nodes 2>/dev/null |
    jq '[.items[] | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))] | length' 2>/dev/null || echo 0
}

# ---------------------------------------------------------------------------------------------------
# Processes. All named kube-* in $PID_DIR; logs in $LOG_DIR.

kube_bin() {
  case "$1" in
    etcd) cached_bin etcd "$ETCD_VERSION" ;;
    kube-cri-cleanup) cached_bin kube-cri-cleanup "$KUBERNETES_VERSION-$(sha256sum <"$KUBE_FILES/cri-cleanup/main.go" | cut -c1-8)" ;;
    kwok) cached_bin kwok "$KWOK_VERSION" ;;
    *) cached_bin "$1" "$KUBERNETES_VERSION" ;;
  esac
}

# kube_wait SECONDS DAEMON WHAT CMD...: waits for CMD while DAEMON lives; dies with the log's tail otherwise.
kube_wait() {
  local timeout="$1" daemon="$2" what="$3" deadline
  shift 3
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! kube_running "$daemon"; then
      tail -n 20 "$LOG_DIR/$daemon.log" >&2 || true
      die "kubernetes: $daemon exited before $what (log: $LOG_DIR/$daemon.log)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$LOG_DIR/$daemon.log" >&2 || true
      die "kubernetes: no $what within ${timeout}s (log: $LOG_DIR/$daemon.log)"
    fi
    sleep 0.2
  done
}

kube_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

kube_start_etcd() {
  local data="$KUBE_DIR/etcd"
  rm -rf "$data"
  mkdir -p "$data"
  chmod 700 "$data"
  kube_port_free "$KUBE_ETCD_PORT" || die "kubernetes: port $KUBE_ETCD_PORT (etcd) is taken by a process this environment did not start"
  kube_daemon kube-etcd "$(kube_bin etcd)" \
    --name swiss-deploy --data-dir "$data" \
    --listen-client-urls "http://127.0.0.1:$KUBE_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$KUBE_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$KUBE_ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$KUBE_ETCD_PEER_PORT" \
    --initial-cluster "swiss-deploy=http://127.0.0.1:$KUBE_ETCD_PEER_PORT" \
    --listen-metrics-urls "" --unsafe-no-fsync --quota-backend-bytes 2147483648 \
    --auto-compaction-retention 5m --log-level warn
  kube_wait 30 kube-etcd "etcd health" curl -sf --max-time 2 "http://127.0.0.1:$KUBE_ETCD_PORT/health"
}

# kube_start_apiserver MODE: kwok nodes have InternalIP 127.0.0.1; the real node is reached as "localhost" (its
# Hostname address; it has no InternalIP on loopback). Mixed: Hostname first, then InternalIP.
kube_start_apiserver() {
  kube_port_free "$KUBE_APISERVER_PORT" || die "kubernetes: port $KUBE_APISERVER_PORT (kube-apiserver) is taken by a process this environment did not start"
  kube_daemon kube-apiserver "$(kube_bin kube-apiserver)" \
    --etcd-servers "http://127.0.0.1:$KUBE_ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$KUBE_APISERVER_PORT" \
    --endpoint-reconciler-type none \
    --service-cluster-ip-range "$KUBE_SERVICE_CIDR" --service-node-port-range 30000-32767 \
    --tls-cert-file "$KUBE_PKI/apiserver.crt" --tls-private-key-file "$KUBE_PKI/apiserver.key" \
    --client-ca-file "$KUBE_PKI/ca.crt" \
    --kubelet-client-certificate "$KUBE_PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$KUBE_PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$KUBE_PKI/ca.crt" \
    --kubelet-preferred-address-types "$(case "$1" in real) echo Hostname ;; mixed) echo Hostname,InternalIP ;; *) echo InternalIP ;; esac)" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$KUBE_PKI/sa.pub" --service-account-signing-key-file "$KUBE_PKI/sa.key" \
    --requestheader-client-ca-file "$KUBE_PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$KUBE_PKI/front-proxy-client.crt" --proxy-client-key-file "$KUBE_PKI/front-proxy-client.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true --profiling=false --event-ttl 1h \
    --v 1
  kube_wait 90 kube-apiserver "kube-apiserver /readyz" kube_apiserver_ready
}

kube_start_controller_manager() {
  local kubeconfig="$KUBE_DIR/controller-manager.kubeconfig"
  kube_daemon kube-controller-manager "$(kube_bin kube-controller-manager)" \
    --kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KUBE_CONTROLLER_MANAGER_PORT" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file "$KUBE_PKI/sa.key" --root-ca-file "$KUBE_PKI/ca.crt" \
    --cluster-signing-cert-file "$KUBE_PKI/ca.crt" --cluster-signing-key-file "$KUBE_PKI/ca.key" \
    --service-cluster-ip-range "$KUBE_SERVICE_CIDR" --cluster-name swiss-deploy \
    --controllers '*' --profiling=false --v 1
}

kube_start_scheduler() {
  local kubeconfig="$KUBE_DIR/scheduler.kubeconfig"
  kube_daemon kube-scheduler "$(kube_bin kube-scheduler)" \
    --kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KUBE_SCHEDULER_PORT" --leader-elect=false --profiling=false --v 1
}

# The fake nodes kwok manages: annotated kwok.x-k8s.io/node=fake, no taint so ordinary pods land there.
kube_kwok_node_json() {
  local name="$1"
  jq -n --arg name "$name" '{
    apiVersion: "v1", kind: "Node",
    metadata: {
      name: $name,
      annotations: {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
      labels: {"kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "kubernetes.io/hostname": $name,
               "kubernetes.io/role": "agent", "node-role.kubernetes.io/agent": "", "type": "kwok"}
    },
    status: {
      allocatable: {cpu: "32", memory: "256Gi", pods: "110"},
      capacity: {cpu: "32", memory: "256Gi", pods: "110"}
    }
  }'
}

kube_start_kwok() {
  local i
  mkdir -p "$KUBE_DIR/kwok-home"
  cp "$KUBE_FILES/kwok-stages.yaml" "$KUBE_DIR/kwok-stages.yaml"
  # HOME keeps kwok from also reading a developer's ~/.kwok/kwok.yaml.
  kube_daemon kube-kwok env HOME="$KUBE_DIR/kwok-home" "$(kube_bin kwok)" \
    --kubeconfig "$KUBE_DIR/kwok.kubeconfig" --config "$KUBE_DIR/kwok-stages.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --node-ip 127.0.0.1 --cidr "$KWOK_POD_CIDR" --node-lease-duration-seconds 40 \
    --server-address "127.0.0.1:$KWOK_PORT"
  for ((i = 0; i < KWOK_NODES; i++)); do
    kube_create_json /api/v1/nodes "kwok-node-$i" "$(kube_kwok_node_json "kwok-node-$i")" ||
      die "kubernetes: could not create the fake node kwok-node-$i"
  done
  kube_wait 60 kube-kwok "$KWOK_NODES Ready kwok nodes" kube_nodes_ready
}

# kube_orphans: pids of processes left by an earlier run whose pid files are gone (a crash, a wiped run dir):
# our own cached binaries, or containerd and its shims, whose command line points into $KUBE_DIR.
kube_orphans() {
  local cmdline pid exe
  # one grep over every command line first: looking at each process from bash takes seconds on a busy host
  while read -r cmdline; do
    pid="${cmdline#/proc/}"
    pid="${pid%/cmdline}"
    exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || continue
    case "$exe" in
      "$SWISS_DEPLOY_CACHE/bin/"etcd-* | "$SWISS_DEPLOY_CACHE/bin/"kube-* | "$SWISS_DEPLOY_CACHE/bin/"kwok-* | \
        "$SWISS_DEPLOY_CACHE/bin/"kubelet-* | */containerd | */containerd-shim-runc-v2) ;;
      *) continue ;;
    esac
    kube_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$KUBE_DIR/" && echo "$pid"
  done < <(grep -alsF "$KUBE_DIR/" /proc/[0-9]*/cmdline)
}

# kube_alive PID: the process exists and is not a zombie (this sandbox's init reaps orphans late, and kill -0
# succeeds on a zombie).
kube_alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

kube_running() { kube_alive "$(daemon_pid "$1")"; }

# kube_stop SECONDS NAME...: TERM to all at once, KILL after SECONDS; the pid files go (stop_daemon, in parallel).
kube_stop() {
  local seconds="$1" name pid pids=() i alive
  shift
  for name in "$@"; do
    pid="$(daemon_pid "$name")" || continue
    if kube_alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for i in $(seq $((seconds * 5))); do
    alive=""
    for pid in "${pids[@]}"; do kube_alive "$pid" && alive="$pid" && break; done
    [ -z "$alive" ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kube_alive "$pid" && kill -KILL "$pid" 2>/dev/null; done
  for name in "$@"; do rm -f "$PID_DIR/$name.pid"; done
}

kube_stop_all() {
  local pid i
  # Controllers first so nothing recreates or reschedules pods, then the node's pods (real mode), then the rest.
  # The apiserver's graceful termination can take 15 s and etcd's data is thrown away: both get 3 s.
  kube_stop 10 kube-kwok kube-proxy kube-controller-manager kube-scheduler
  kube_real_stop_pods
  kube_stop 10 kube-kubelet
  kube_real_cri_cleanup
  kube_stop 3 kube-apiserver
  kube_stop 10 kube-containerd
  kube_stop 3 kube-etcd
  for pid in $(kube_orphans); do
    note "stopping leftover process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80))"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for i in $(seq 50); do
    [ -z "$(kube_orphans)" ] && break
    sleep 0.2
  done
  for pid in $(kube_orphans); do kill -KILL "$pid" 2>/dev/null || true; done
  kube_unmount_all
  rm -rf "$KUBE_DIR/cni-ipam" # the pods are gone: their addresses are free again
  if ip link show "$KUBE_REAL_BRIDGE" >/dev/null 2>&1; then ip link delete "$KUBE_REAL_BRIDGE" 2>/dev/null || true; fi
}

# kube_unmount_all: every mount under $KUBE_DIR (kubelet volumes, containerd rootfs, netns), deepest first.
kube_unmount_all() {
  local mount
  [ -d "$KUBE_DIR" ] || return 0
  awk -v dir="$KUBE_DIR/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r mount; do
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || note "could not unmount $mount"
  done
}

KUBE_REAL_ENV_KEYS="KUBE_TEST_IMAGE KUBE_REAL_NODE KUBE_REAL_NODE_SELECTOR KUBE_REAL_TOLERATION KUBE_CLUSTER_DNS KUBE_REAL_POD_SUBNET KUBE_REAL_BRIDGE"

kube_env_file() {
  local key
  if kube_has_real "$1"; then
    env_set KUBE_TEST_IMAGE "$KUBE_TEST_IMAGE_NAME"
    env_set KUBE_REAL_NODE "$(kube_real_node_name)"
    env_set KUBE_CLUSTER_DNS "$(kube_cluster_dns)"
    env_set KUBE_REAL_POD_SUBNET "$KUBE_REAL_POD_SUBNET"
    env_set KUBE_REAL_BRIDGE "$KUBE_REAL_BRIDGE"
    env_set KUBE_REAL_NODE_SELECTOR "$KUBE_REAL_NODE_LABEL"
    env_set KUBE_REAL_TOLERATION "$KUBE_REAL_TAINT"
  else
    for key in $KUBE_REAL_ENV_KEYS; do env_unset_prefix "$key="; done
  fi
  env_set KUBECONFIG "$KUBE_DIR/admin.kubeconfig"
  env_set KUBERNETES_VERSION "$KUBERNETES_VERSION"
  env_set KUBE_SERVICE_CIDR "$KUBE_SERVICE_CIDR"
  env_set KUBE_MODE "$1"
  env_set KUBE_API_SERVER "https://127.0.0.1:$KUBE_APISERVER_PORT"
}

# kube_healthy MODE: every process of MODE lives, /readyz says ok, nodes are Ready.
kube_healthy() {
  local mode="$1" name
  [ -f "$KUBE_DIR/mode" ] && [ "$(cat "$KUBE_DIR/mode")" = "$mode" ] || return 1
  [ -f "$KUBE_DIR/stamp" ] && [ "$(cat "$KUBE_DIR/stamp")" = "$(kube_stamp "$mode")" ] || return 1
  for name in $(kube_mode_daemons "$mode"); do
    kube_running "$name" || return 1
  done
  kube_apiserver_ready && kube_nodes_ready
}

# kube_stamp MODE: what the running cluster was made from; a change (versions, ports, this file, the files in
# test/env/kubernetes but smoke.sh) makes the next `up` restart it instead of reusing it.
kube_stamp() {
  {
    echo "$1 $KUBERNETES_VERSION $ETCD_VERSION $KWOK_VERSION $KWOK_NODES $KUBE_REAL_CONTAINERD"
    echo "$KUBE_APISERVER_PORT $KUBE_ETCD_PORT $KUBE_ETCD_PEER_PORT $KUBE_CONTROLLER_MANAGER_PORT $KUBE_SCHEDULER_PORT $KWOK_PORT"
    echo "$KUBELET_PORT $KUBELET_HEALTHZ_PORT $KUBE_REAL_POD_SUBNET $KUBE_REAL_BRIDGE $KWOK_POD_CIDR $KUBE_SERVICE_CIDR"
    cat "${BASH_SOURCE[0]}"
    find "$KUBE_FILES" -type f ! -name smoke.sh | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -c1-16
}

kube_mode_daemons() {
  echo kube-etcd kube-apiserver kube-controller-manager kube-scheduler
  if kube_has_kwok "$1"; then echo kube-kwok; fi
  if kube_has_real "$1"; then
    [ -f "$KUBE_DIR/own-containerd" ] && echo kube-containerd
    echo kube-kubelet
  fi
}

# kube_locked FUNCTION: runs it holding $KUBE_DIR/lock, so test runs that start together (each jest globalSetup runs
# `env.sh up`) take turns: the first (re)starts the cluster, the others find it healthy. The daemons must not
# inherit the lock's descriptor (kube_daemon), or the lock would outlive the `up` that took it.
kube_locked() {
  mkdir -p "$KUBE_DIR"
  exec {KUBE_LOCK_FD}>>"$KUBE_DIR/lock"
  if ! flock -n "$KUBE_LOCK_FD"; then
    note "waiting for another env.sh up/down of kubernetes to finish"
    flock -w 900 "$KUBE_LOCK_FD" || die "kubernetes: another env.sh holds $KUBE_DIR/lock for more than 900s"
  fi
  "$@"
  exec {KUBE_LOCK_FD}>&-
}

kube_daemon() { start_daemon "$@" {KUBE_LOCK_FD}>&-; }

kubernetes_up() { kube_locked kube_up; }

kube_up() {
  local mode
  mode="${SWISS_DEPLOY_KUBE_MODE:-mixed}"
  case "$mode" in mixed | kwok | real) ;; *) die "kubernetes: SWISS_DEPLOY_KUBE_MODE must be mixed, kwok or real, not '$mode'" ;; esac
  if kube_healthy "$mode"; then
    note "kubernetes ($mode) is already up: reusing it"
    kube_env_file "$mode"
    return 0
  fi
  apt_install openssl curl jq ca-certificates
  if kube_has_real "$mode"; then kube_real_prepare; fi
  kube_build_all "$mode"
  # Anything half-started or left by a crash goes; etcd starts from empty data.
  kube_stop_all
  rm -f "$KUBE_DIR/mode" "$KUBE_DIR/stamp"
  kube_pki
  kube_kubeconfigs
  note "starting etcd $ETCD_VERSION on 127.0.0.1:$KUBE_ETCD_PORT"
  kube_start_etcd
  note "starting kube-apiserver $KUBERNETES_VERSION on https://127.0.0.1:$KUBE_APISERVER_PORT"
  kube_start_apiserver "$mode"
  kube_start_controller_manager
  kube_start_scheduler
  # the nodes come up while the controller-manager and the scheduler start: nothing schedules before both answer
  if kube_has_kwok "$mode"; then
    note "starting kwok $KWOK_VERSION with $KWOK_NODES fake nodes"
    kube_start_kwok
  fi
  if kube_has_real "$mode"; then kube_real_start "$mode"; fi
  kube_wait 60 kube-controller-manager "kube-controller-manager /healthz" \
    curl -skf --max-time 2 "https://127.0.0.1:$KUBE_CONTROLLER_MANAGER_PORT/healthz"
  kube_wait 60 kube-scheduler "kube-scheduler /readyz" \
    curl -skf --max-time 2 "https://127.0.0.1:$KUBE_SCHEDULER_PORT/readyz"
  echo "$mode" >"$KUBE_DIR/mode"
  kube_stamp "$mode" >"$KUBE_DIR/stamp"
  kube_env_file "$mode"
}

kubernetes_status() {
  local seconds="${1:-}" mode name problem=""
  mode="$(kube_mode)"
  if [ ! -f "$KUBE_DIR/mode" ]; then
    report kubernetes down "$KUBERNETES_VERSION" - "$seconds"
    return 1
  fi
  for name in $(kube_mode_daemons "$mode"); do
    kube_running "$name" || problem+="${problem:+, }$name not running"
  done
  if [ -z "$problem" ]; then
    if ! kube_apiserver_ready; then
      problem="/readyz not ok"
    elif ! kube_nodes_ready; then
      problem="nodes not Ready"
    fi
  fi
  if [ -n "$problem" ]; then
    report kubernetes down "$KUBERNETES_VERSION/$mode" "$problem" "$seconds"
    return 1
  fi
  report kubernetes up "$KUBERNETES_VERSION/$mode" \
    "https://127.0.0.1:$KUBE_APISERVER_PORT ($(kube_ready_node_count) nodes)" "$seconds"
}

kubernetes_down() { kube_locked kube_down; }

kube_down() {
  kube_stop_all
  rm -f "$KUBE_DIR/mode" "$KUBE_DIR/stamp" "$KUBE_DIR/version"
  rm -rf "$KUBE_DIR/etcd"
  local key
  for key in KUBECONFIG KUBERNETES_VERSION KUBE_MODE KUBE_API_SERVER $KUBE_REAL_ENV_KEYS; do env_unset_prefix "$key="; done
}

# ---------------------------------------------------------------------------------------------------
# The real node (modes mixed and real): kubelet + containerd (CRI) + CNI bridge.
# The containerd of component 'docker' ($SWISS_DEPLOY_RUN/containerd/containerd.sock) is used when it answers;
# otherwise one of our own runs under $KUBE_DIR/containerd. The node is called "localhost": the kubelet
# refuses a loopback node IP, so the apiserver reaches it by its Hostname address, which stays on loopback.

KUBE_SHARED_CONTAINERD_SOCK="$SWISS_DEPLOY_RUN/containerd/containerd.sock"
KUBE_OWN_CONTAINERD_DIR="$KUBE_DIR/containerd"
: "${KUBELET_PORT:=10250}"
: "${KUBELET_HEALTHZ_PORT:=10248}"
: "${KUBE_REAL_POD_SUBNET:=10.244.0.0/24}"
: "${KUBE_REAL_BRIDGE:=swissdeploy0}"
: "${KUBE_REAL_CONTAINERD:=auto}" # auto: the shared one when it answers; own: always our own; shared: require it
KUBE_IMAGE_FORMAT=2 # bump when kube_oci_image changes, so cached image tarballs are made anew
KUBE_TEST_IMAGE_NAME="swiss-deploy.test/busybox-httpd:local"
KUBE_PAUSE_IMAGE_NAME="swiss-deploy.test/pause:local"

kube_real_node_name() { echo localhost; }

kube_ctr() { ctr --address "$(kube_cri_socket)" --namespace k8s.io "$@"; }

kube_cri_socket() {
  if [ -f "$KUBE_DIR/own-containerd" ]; then echo "$KUBE_OWN_CONTAINERD_DIR/containerd.sock"; else echo "$KUBE_SHARED_CONTAINERD_SOCK"; fi
}

kube_shared_containerd_ok() {
  [ -S "$KUBE_SHARED_CONTAINERD_SOCK" ] && ctr --address "$KUBE_SHARED_CONTAINERD_SOCK" version >/dev/null 2>&1
}

kube_real_prepare() {
  apt_install containerd runc containernetworking-plugins busybox-static iptables
  [ -x /usr/lib/cni/bridge ] || die "kubernetes: no CNI bridge plugin in /usr/lib/cni (package containernetworking-plugins)"
}

# kube_oci_image NAME ROOTFS CONFIG_JSON OUT: a one-layer OCI image layout tarball of ROOTFS named NAME.
kube_oci_image() {
  local name="$1" rootfs="$2" config="$3" out="$4" work layer_digest config_digest manifest_digest manifest
  work="$(mktemp -d "$SWISS_DEPLOY_CACHE/tmp/oci.XXXX")"
  mkdir -p "$work/blobs/sha256"
  chmod 755 "$rootfs" # mktemp -d made it 0700: as the container's / that breaks runc's init
  tar -C "$rootfs" --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -cf "$work/layer.tar" .
  layer_digest="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
  mv "$work/layer.tar" "$work/blobs/sha256/$layer_digest"
  jq -cn --argjson config "$config" --arg diff "sha256:$layer_digest" \
    '{architecture: "amd64", os: "linux", config: $config, rootfs: {type: "layers", diff_ids: [$diff]}}' >"$work/config.json"
  config_digest="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
  manifest="$(jq -cn --arg c "sha256:$config_digest" --argjson cs "$(stat -c %s "$work/config.json")" \
    --arg l "sha256:$layer_digest" --argjson ls "$(stat -c %s "$work/blobs/sha256/$layer_digest")" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}')"
  mv "$work/config.json" "$work/blobs/sha256/$config_digest"
  printf '%s' "$manifest" >"$work/manifest.json"
  manifest_digest="$(sha256sum "$work/manifest.json" | cut -d' ' -f1)"
  jq -cn --arg d "sha256:$manifest_digest" --argjson s "$(stat -c %s "$work/manifest.json")" --arg n "$name" '{
      schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
                   annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": $n}}]}' >"$work/index.json"
  mv "$work/manifest.json" "$work/blobs/sha256/$manifest_digest"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
  tar -C "$work" --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -cf "$out.tmp" oci-layout index.json blobs
  mv "$out.tmp" "$out"
  rm -rf "$work"
}

# kube_import_image NAME TARBALL: into containerd's k8s.io namespace, unless that image is there already.
kube_import_image() {
  local name="$1" tarball="$2" want have
  want="$(tar -xOf "$tarball" index.json | jq -r '.manifests[0].digest')"
  have="$(kube_ctr images ls 2>/dev/null | awk -v n="$name" '$1 == n { print $3 }')"
  [ -n "$want" ] && [ "$want" = "$have" ] && return 0
  note "importing $name into containerd (k8s.io)"
  kube_ctr images import --no-unpack=false "$tarball" >/dev/null 2>"$LOG_DIR/kube-image-import.log" ||
    kube_ctr images import "$tarball" >/dev/null 2>>"$LOG_DIR/kube-image-import.log" ||
    die "kubernetes: importing $name failed, see $LOG_DIR/kube-image-import.log"
}

# The test image: busybox (Debian busybox-static) serving /www over HTTP on port 8080.
kube_test_image() {
  local tarball rootfs stamp applet
  stamp="$( (dpkg-query -W -f='${Version}' busybox-static; echo "$KUBE_IMAGE_FORMAT") | sha256sum | cut -c1-12)"
  tarball="$SWISS_DEPLOY_CACHE/images/kube-busybox-httpd-$stamp.tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$SWISS_DEPLOY_CACHE/images" "$SWISS_DEPLOY_CACHE/tmp"
    rootfs="$(mktemp -d "$SWISS_DEPLOY_CACHE/tmp/rootfs.XXXX")"
    mkdir -p "$rootfs/bin" "$rootfs/www" "$rootfs/tmp" "$rootfs/etc"
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in sh ls cat echo env sleep wget hostname httpd ps kill; do ln -s busybox "$rootfs/bin/$applet"; done
    echo 'root:x:0:0:root:/:/bin/sh' >"$rootfs/etc/passwd"
    echo 'swiss-deploy test pod' >"$rootfs/www/index.html"
    kube_oci_image "$KUBE_TEST_IMAGE_NAME" "$rootfs" \
      '{"Entrypoint":["/bin/busybox","httpd","-f","-v","-p","8080","-h","/www"],"Env":["PATH=/bin"],"ExposedPorts":{"8080/tcp":{}}}' "$tarball"
    rm -rf "$rootfs"
  fi
  kube_import_image "$KUBE_TEST_IMAGE_NAME" "$tarball"
}

# kube_pause_image [NAME]: the sandbox image (the static pause of test/env/kubernetes/pause) under NAME,
# $KUBE_PAUSE_IMAGE_NAME by default, in the kubelet's containerd.
kube_pause_image() {
  local name="${1:-$KUBE_PAUSE_IMAGE_NAME}" tarball rootfs stamp
  stamp="$( (cat "$KUBE_FILES/pause/main.go" "$KUBE_FILES/pause/go.mod"; echo "$KUBE_IMAGE_FORMAT $name") | sha256sum | cut -c1-12)"
  tarball="$SWISS_DEPLOY_CACHE/images/kube-pause-$stamp.tar"
  if [ ! -s "$tarball" ]; then
    mkdir -p "$SWISS_DEPLOY_CACHE/images" "$SWISS_DEPLOY_CACHE/tmp"
    rootfs="$(mktemp -d "$SWISS_DEPLOY_CACHE/tmp/rootfs.XXXX")"
    (cd "$KUBE_FILES/pause" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$rootfs/pause" .) ||
      die "kubernetes: building the pause binary failed"
    kube_oci_image "$name" "$rootfs" '{"Entrypoint":["/pause"]}' "$tarball"
    rm -rf "$rootfs"
  fi
  kube_import_image "$name" "$tarball"
}

# The pod bridge's gateway: the first address of the real node's pod subnet. Pods route the service CIDR
# there too, so kube-proxy on the host serves ClusterIPs to pods, and the cluster DNS listens on it.
kube_cluster_dns() {
  local net="${KUBE_REAL_POD_SUBNET%/*}"
  echo "${net%.*}.$((${net##*.} + 1))"
}

kube_real_cni_conf_dir() {
  if [ -f "$KUBE_DIR/own-containerd" ]; then echo "$KUBE_OWN_CONTAINERD_DIR/cni/net.d"; else echo "$SWISS_DEPLOY_RUN/containerd/cni/net.d"; fi
}

# kube_real_start MODE: in mixed mode the node registers tainted, so only pods that ask for it land there.
kube_real_start() {
  local dir="$KUBE_OWN_CONTAINERD_DIR" sandbox conf_dir taints="[]" taint="${KUBE_REAL_TAINT%%:*}"
  if [ "$1" = mixed ]; then taints="[{key: \"${taint%%=*}\", value: \"${taint#*=}\", effect: ${KUBE_REAL_TAINT##*:}}]"; fi
  if [ "$KUBE_REAL_CONTAINERD" = shared ] && ! kube_shared_containerd_ok; then
    die "kubernetes: KUBE_REAL_CONTAINERD=shared but no containerd answers at $KUBE_SHARED_CONTAINERD_SOCK (run env.sh up docker)"
  fi
  if [ "$KUBE_REAL_CONTAINERD" != own ] && kube_shared_containerd_ok; then
    rm -f "$KUBE_DIR/own-containerd"
    note "using the shared containerd at $KUBE_SHARED_CONTAINERD_SOCK"
    sandbox="$(sed -n 's/^\s*sandbox_image\s*=\s*"\(.*\)"/\1/p' "$SWISS_DEPLOY_RUN/containerd/config.toml" 2>/dev/null | head -n1)"
    [ -n "$sandbox" ] || die "kubernetes: no sandbox_image in $SWISS_DEPLOY_RUN/containerd/config.toml (run env.sh up docker)"
    # docker up imports it; a containerd restarted or cleaned since may have lost it, so make sure here.
    kube_ctr images ls -q 2>/dev/null | grep -qxF "$sandbox" || kube_pause_image "$sandbox"
  else
    touch "$KUBE_DIR/own-containerd"
    mkdir -p "$dir/root" "$dir/state" "$dir/cni/net.d"
    sed -e "s|@DIR@|$dir|g" -e "s|@SANDBOX_IMAGE@|$KUBE_PAUSE_IMAGE_NAME|g" -e "s|@CNI_BIN_DIR@|/usr/lib/cni|g" \
      -e "s|@CNI_CONF_DIR@|$dir/cni/net.d|g" "$KUBE_FILES/containerd.toml" >"$dir/config.toml"
    rm -f "$dir/containerd.sock" "$dir/containerd.sock.ttrpc"
    note "starting containerd for the kubelet at $dir/containerd.sock"
    kube_daemon kube-containerd containerd --config "$dir/config.toml"
    kube_wait 30 kube-containerd "containerd" ctr --address "$dir/containerd.sock" version
    kube_pause_image
  fi
  conf_dir="$(kube_real_cni_conf_dir)"
  mkdir -p "$conf_dir" "$KUBE_DIR/cni-ipam"
  sed -e "s|@BRIDGE@|$KUBE_REAL_BRIDGE|g" -e "s|@POD_SUBNET@|$KUBE_REAL_POD_SUBNET|g" -e "s|@IPAM_DIR@|$KUBE_DIR/cni-ipam|g" \
    -e "s|@SERVICE_CIDR@|$KUBE_SERVICE_CIDR|g" "$KUBE_FILES/cni.conflist" >"$conf_dir/10-swiss-deploy.conflist"
  # pod sandboxes an earlier run left when its containerd died with it (a crash): etcd starts empty, so no pod
  # owns them any more; removing them through the CRI also frees their network namespaces
  if [ -n "$(kube_ctr containers ls -q 2>/dev/null)" ]; then
    note "removing pod sandboxes a crashed earlier run left in containerd"
    "$(kube_bin kube-cri-cleanup)" "unix://$(kube_cri_socket)" >>"$LOG_DIR/kube-cri-cleanup.log" 2>&1 ||
      note "removing the old pod sandboxes failed, see $LOG_DIR/kube-cri-cleanup.log"
  fi
  kube_test_image
  mkdir -p "$KUBE_DIR/kubelet"
  sed -e "s|@KUBELET_PORT@|$KUBELET_PORT|g" -e "s|@KUBELET_HEALTHZ_PORT@|$KUBELET_HEALTHZ_PORT|g" \
    -e "s|@PKI@|$KUBE_PKI|g" -e "s|@CRI_SOCKET@|$(kube_cri_socket)|g" -e "s|@REGISTER_WITH_TAINTS@|$taints|g" \
    -e "s|@CLUSTER_DNS@|$(kube_cluster_dns)|g" \
    "$KUBE_FILES/kubelet.yaml" >"$KUBE_DIR/kubelet/config.yaml"
  kube_port_free "$KUBELET_PORT" || die "kubernetes: port $KUBELET_PORT (kubelet) is taken by a process this environment did not start"
  note "starting kubelet $KUBERNETES_VERSION (node $(kube_real_node_name))"
  kube_daemon kube-kubelet "$(kube_bin kubelet)" \
    --config "$KUBE_DIR/kubelet/config.yaml" --kubeconfig "$KUBE_DIR/kubelet.kubeconfig" \
    --root-dir "$KUBE_DIR/kubelet/root" --cert-dir "$KUBE_DIR/kubelet/pki" \
    --hostname-override "$(kube_real_node_name)" --node-labels "$KUBE_REAL_NODE_LABEL" --v 1
  kube_wait 120 kube-kubelet "the node $(kube_real_node_name) Ready" kube_real_node_ready
}

kube_real_node_ready() {
  kube_api "/api/v1/nodes/$(kube_real_node_name)" 2>/dev/null |
    jq -e 'any(.status.conditions[]?; .type == "Ready" and .status == "True")' >/dev/null && kube_nodes_ready
}

# kube_real_stop_pods: while the kubelet runs, delete every pod on the node so the kubelet tears down
# containers, CNI and network namespaces in the containerd it uses (maybe shared), then stop it.
kube_real_stop_pods() {
  local deadline ns
  kube_running kube-kubelet && kube_apiserver_ready || return 0
  for ns in $(kube_api /api/v1/namespaces 2>/dev/null | jq -r '.items[].metadata.name'); do
    kube_api -X DELETE "/api/v1/namespaces/$ns/pods?gracePeriodSeconds=0" >/dev/null 2>&1 || true
  done
  deadline=$((SECONDS + 45))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ -z "$(kube_ctr tasks ls -q 2>/dev/null)" ] && return 0
    sleep 0.5
  done
  note "the kubelet did not stop every container within 45s: $(kube_ctr tasks ls -q 2>/dev/null | wc -l) left"
}

# kube_real_cri_cleanup: after the kubelet, whatever pod sandboxes it left in its containerd (it died, or the
# apiserver did) are stopped and removed through the CRI, which also tears down their CNI network and netns.
kube_real_cri_cleanup() {
  local socket
  { [ -f "$KUBE_DIR/mode" ] && kube_has_real "$(cat "$KUBE_DIR/mode")"; } || [ -f "$KUBE_DIR/kubelet/config.yaml" ] || return 0
  socket="$(kube_cri_socket)"
  [ -S "$socket" ] && ctr --address "$socket" version >/dev/null 2>&1 || return 0
  [ -x "$(kube_bin kube-cri-cleanup)" ] || return 0
  "$(kube_bin kube-cri-cleanup)" "unix://$socket" >>"$LOG_DIR/kube-cri-cleanup.log" 2>&1 ||
    note "removing the kubelet's pod sandboxes failed, see $LOG_DIR/kube-cri-cleanup.log"
  rm -f "$KUBE_DIR/kubelet/config.yaml"
}
