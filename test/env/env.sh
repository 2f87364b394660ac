#!/usr/bin/env bash
# The test environment: real Docker, registry, helm/kubectl, Kubernetes and act on this host.
# usage: env.sh up|status|down [component...]
# Idempotent: `up` reuses what runs and what is cached, and repairs what a crash left behind.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

ALL_COMPONENTS=(docker registry tools kubernetes cluster2 kube-proxy dns gateway alertmanager prometheus pushgateway jaeger act trivy cosign linters)
for component in "${ALL_COMPONENTS[@]}"; do
  # shellcheck source=/dev/null
  source "$HERE/components/$component.sh"
done

command="${1:-status}"
shift || true

# One env.sh at a time per run directory: parallel test runs (or jest tiers) wait instead of racing
# to start the same daemons. `status` only reads, so it does not wait.
if [ "$command" != "status" ]; then
  exec 9>"$SWISS_DEPLOY_RUN/env.lock"
  flock 9
fi
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${ALL_COMPONENTS[@]}")

case "$command" in
  up)
    echo "test environment: up (cache $SWISS_DEPLOY_CACHE)"
    env_set SWISS_DEPLOY_CACHE "$SWISS_DEPLOY_CACHE"
    for component in "${selected[@]}"; do
      started=$SECONDS
      "${component}_up"
      "${component}_status" "$((SECONDS - started))" || die "$component did not pass its health check after starting"
    done
    echo "env file: $ENV_FILE"
    ;;
  status)
    failed=0
    for component in "${selected[@]}"; do
      "${component}_status" "" || failed=1
    done
    exit "$failed"
    ;;
  down)
    for ((i = ${#selected[@]} - 1; i >= 0; i--)); do
      "${selected[$i]}_down"
    done
    ;;
  *)
    die "unknown command '$command': use up, status or down"
    ;;
esac
