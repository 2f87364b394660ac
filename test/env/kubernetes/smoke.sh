#!/usr/bin/env bash
# Smoke test of the test cluster made by `test/env/env.sh up kubernetes`: checks by hand what tests rely on.
# usage: test/env/kubernetes/smoke.sh    (reads $SWISS_DEPLOY_RUN/env; uses $KUBECTL from it, else kubectl)
# Works in a namespace of its own, which it deletes at the end.
set -euo pipefail
: "${SWISS_DEPLOY_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/swiss-deploy}"
: "${SWISS_DEPLOY_RUN:=$SWISS_DEPLOY_CACHE/run}"
set -a
# shellcheck source=/dev/null
source "$SWISS_DEPLOY_RUN/env"
set +a
k() { "${KUBECTL:-kubectl}" "$@"; }
ns=swiss-deploy-smoke
pass=0
fail=0
check() {
  local what="$1"
  shift
  if "$@" >/tmp/swiss-deploy-smoke.out 2>&1; then
    echo "ok    $what"
    pass=$((pass + 1))
  else
    echo "FAIL  $what: $(tail -n 3 /tmp/swiss-deploy-smoke.out)"
    fail=$((fail + 1))
  fi
}
cleanup() { k delete namespace "$ns" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

k delete namespace "$ns" --ignore-not-found --wait=true >/dev/null
k create namespace "$ns" >/dev/null
# pods are refused until the controller-manager made the namespace's default service account
for _ in $(seq 50); do k -n "$ns" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
mode="${KUBE_MODE:-kwok}"
has_kwok() { [ "$mode" = kwok ] || [ "$mode" = mixed ]; }
has_real() { [ "$mode" = real ] || [ "$mode" = mixed ]; }

# deployment NAME REPLICAS IMAGE [real]: a Deployment and a Service port 80 -> 8080; "real" adds the real node's
# nodeSelector and toleration (from the env file), as tests that want running pods do.
deployment() {
  local name="$1" replicas="$2" image="$3" scheduling="" t="${KUBE_REAL_TOLERATION:-}" rest
  if [ "${4:-}" = real ]; then
    rest="${t#*=}"
    scheduling="nodeSelector: {\"${KUBE_REAL_NODE_SELECTOR%%=*}\": \"${KUBE_REAL_NODE_SELECTOR#*=}\"}
      tolerations: [{key: \"${t%%=*}\", operator: Equal, value: \"${rest%%:*}\", effect: ${t##*:}}]"
  fi
  k -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name}
spec:
  replicas: $replicas
  selector: {matchLabels: {app: $name}}
  template:
    metadata: {labels: {app: $name}}
    spec:
      $scheduling
      containers:
      - name: web
        image: $image
        imagePullPolicy: IfNotPresent
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: $name}
spec:
  selector: {app: $name}
  ports: [{port: 80, targetPort: 8080}]
EOF
}
server_version_ok() { k version -o json | grep -q "\"gitVersion\": \"$KUBERNETES_VERSION\""; }
ready_endpoints() { k -n "$ns" get endpointslices -l "kubernetes.io/service-name=$1" -o jsonpath='{range .items[*].endpoints[*]}{.conditions.ready}{"\n"}{end}' | grep -c true; }
n_ready_endpoints() { for _ in $(seq 50); do [ "$(ready_endpoints "$1")" = "$2" ] && return 0; sleep 0.2; done; return 1; }
pod_nodes() { k -n "$ns" get pods -l "app=$1" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}'; }
pods_on_kwok_nodes() { [ -n "$(pod_nodes "$1")" ] && ! pod_nodes "$1" | grep -vq '^kwok-node-'; }
pods_on_real_node() { [ -n "$(pod_nodes "$1")" ] && ! pod_nodes "$1" | grep -vqxF "$KUBE_REAL_NODE"; }
pod_field() { k -n "$ns" get pod "$1" -o jsonpath="$2"; }
image_pull_ok() { [ "$(pod_field fail-image-pull '{.status.phase} {.status.containerStatuses[0].state.waiting.reason}')" = "Pending ImagePullBackOff" ]; }
crash_loop_ok() { pod_field fail-crash-loop '{.status.containerStatuses[0].state.waiting.reason} {.status.containerStatuses[0].restartCount}' | grep -Eq '^CrashLoopBackOff ([2-9]|[1-9][0-9]+)$'; }
never_ready_ok() { [ "$(pod_field fail-never-ready '{.status.phase} {.status.containerStatuses[0].ready}')" = "Running false" ]; }
http_ok() { for _ in $(seq 50); do curl -sf -m 2 "http://127.0.0.1:$1/" && return 0; sleep 0.2; done; return 1; }
logs_exec_ok() { k -n "$ns" logs deploy/real-web >/dev/null && k -n "$ns" exec deploy/real-web -- wget -qO- http://127.0.0.1:8080/; }
status_as_limited() { curl -s -o /dev/null -w '%{http_code}' --cacert "$(dirname "$KUBECONFIG")/pki/ca.crt" -H "Authorization: Bearer $token" "$KUBE_API_SERVER$1"; }
limited_gets() { [ "$(status_as_limited "$1")" = "$2" ]; }
apply_configmap() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: %s}\ndata: {color: blue}\n' "$ns" | k apply --server-side --field-manager=swiss-deploy -f -; }
create_lease() { printf 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: lock, namespace: %s}\nspec: {holderIdentity: smoke, leaseDurationSeconds: 30}\n' "$ns" | k create -f -; }

echo "cluster mode: $mode"
check "server version is $KUBERNETES_VERSION" server_version_ok
if has_kwok; then deployment web 3 example.invalid/web:1; fi
if has_real; then deployment real-web 2 "$KUBE_TEST_IMAGE" real; fi

if has_kwok; then
  for label in image-pull crash-loop never-ready; do
    k -n "$ns" run "fail-$label" --image=example.invalid/app:1 --labels="swiss-deploy.test/fail=$label" >/dev/null
  done
  check "kwok: deployment with 3 replicas becomes Available" k -n "$ns" rollout status deploy/web --timeout=120s
  check "kwok: service has an EndpointSlice with 3 ready endpoints" n_ready_endpoints web 3
  check "kwok: pods without scheduling rules land on kwok nodes only" pods_on_kwok_nodes web
  sleep 4
  check "kwok: image-pull pod: Pending, waiting ImagePullBackOff" image_pull_ok
  check "kwok: crash-loop pod: waiting CrashLoopBackOff, restartCount > 1" crash_loop_ok
  check "kwok: never-ready pod: Running, not ready" never_ready_ok
fi
if has_real; then
  check "real: deployment with 2 replicas becomes Available" k -n "$ns" rollout status deploy/real-web --timeout=120s
  check "real: service has an EndpointSlice with 2 ready endpoints" n_ready_endpoints real-web 2
  check "real: pods with the node selector and toleration run on $KUBE_REAL_NODE" pods_on_real_node real-web
  port=$((20000 + RANDOM % 10000))
  k -n "$ns" port-forward svc/real-web "$port:80" >/tmp/swiss-deploy-smoke-pf.log 2>&1 &
  pf=$!
  check "real: HTTP through the service (port-forward) reaches a pod" http_ok "$port"
  kill "$pf" 2>/dev/null || true
  wait "$pf" 2>/dev/null || true
  check "real: kubectl logs and exec reach the kubelet" logs_exec_ok
fi

k -n "$ns" create serviceaccount limited >/dev/null
k -n "$ns" create role pod-reader --verb=get,list --resource=pods >/dev/null
k -n "$ns" create rolebinding limited --role=pod-reader --serviceaccount="$ns:limited" >/dev/null
token="$(k -n "$ns" create token limited)"
check "RBAC: a limited service account may list pods (200)" limited_gets "/api/v1/namespaces/$ns/pods" 200
check "RBAC: a limited service account may not list secrets (403)" limited_gets "/api/v1/namespaces/$ns/secrets" 403
check "server-side apply" apply_configmap
check "create a coordination.k8s.io/v1 Lease" create_lease

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
