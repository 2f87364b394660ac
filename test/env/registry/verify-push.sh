#!/usr/bin/env bash
# Round trip through the test registry: docker login, `docker buildx build --push --metadata-file` of a
# two-stage Dockerfile FROM the local base images, then the metadata's digest must equal the registry's
# Docker-Content-Digest for the tag, and the pushed image must run. Needs `env.sh up docker registry`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${SWISS_DEPLOY_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/swiss-deploy}"
: "${SWISS_DEPLOY_RUN:=$SWISS_DEPLOY_CACHE/run}"
set -a
# shellcheck source=/dev/null
source "$SWISS_DEPLOY_RUN/env"
set +a
tag="${1:-verify-$(date +%s)}"
image="$REGISTRY/swiss-deploy/verify:$tag"
metadata="$(mktemp)"
trap 'rm -f "$metadata"' EXIT

docker login -u "$REGISTRY_USER" --password-stdin "$REGISTRY" <<<"$REGISTRY_PASSWORD"
docker buildx build --push --metadata-file "$metadata" \
  --build-arg BASE_IMAGE_DEBIAN="$BASE_IMAGE_DEBIAN" --build-arg BASE_IMAGE_NODE="$BASE_IMAGE_NODE" \
  -t "$image" "$HERE/verify"
built="$(jq -r '."containerimage.digest"' "$metadata")"
served="$(curl -sfI -u "$REGISTRY_USER:$REGISTRY_PASSWORD" \
  -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
  "http://$REGISTRY/v2/swiss-deploy/verify/manifests/$tag" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')"
echo "metadata containerimage.digest: $built"
echo "registry Docker-Content-Digest: $served"
if [ -z "$built" ] || [ "$built" != "$served" ]; then
  echo "verify-push: FAILED, digests differ" >&2
  exit 1
fi
out="$(docker run --rm "$image@$built" node -e 'console.log(process.version, require("fs").readFileSync("/app/stamp.txt","utf8").trim())')"
echo "run: $out"
echo "verify-push: OK $image@$built"
