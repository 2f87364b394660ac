#!/usr/bin/env bash
# Kubelet-style CRI round trip against the test environment's containerd (see cri-check/main.go):
# pull $BASE_IMAGE_DEBIAN from the local registry with credentials, run a host-network pod sandbox
# (local pause image) and a container in it. Needs `env.sh up docker registry`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${SWISS_DEPLOY_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/swiss-deploy}"
: "${SWISS_DEPLOY_RUN:=$SWISS_DEPLOY_CACHE/run}"
set -a
# shellcheck source=/dev/null
source "$SWISS_DEPLOY_RUN/env"
set +a
stamp="$(cat "$HERE/cri-check/main.go" "$HERE/cri-check/go.mod" "$HERE/cri-check/go.sum" | sha256sum | cut -c1-12)"
bin="$SWISS_DEPLOY_CACHE/bin/cri-check-$stamp"
if [ ! -x "$bin" ]; then
  (cd "$HERE/cri-check" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi
"$bin" -address "$CONTAINERD_ADDRESS" -image "${1:-$BASE_IMAGE_DEBIAN}" -user "$REGISTRY_USER" -password "$REGISTRY_PASSWORD"
