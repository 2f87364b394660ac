#!/usr/bin/env bash
# Runs the act fixture (test/env/act/fixture) on this host: one job with -P ubuntu-latest=-self-hosted,
# a local actions/checkout (act copies the working directory, fetches nothing) and two local JavaScript
# actions (runs.using node20 and node24; act runs both with the host's `node`).
# usage: verify.sh [ACT_BINARY]   (default: $ACT from the env file)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${SWISS_DEPLOY_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/swiss-deploy}"
: "${SWISS_DEPLOY_RUN:=$SWISS_DEPLOY_CACHE/run}"
act="${1:-}"
if [ -z "$act" ]; then
  act="$(sed -n 's/^ACT=//p' "$SWISS_DEPLOY_RUN/env" 2>/dev/null | tail -n 1)"
fi
[ -x "$act" ] || { echo "verify.sh: no act binary (run env.sh up act)" >&2; exit 1; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# --container-daemon-socket -: host mode needs no Docker; --no-cache-server and the artifact address keep
# act's servers off the network interface (its default address is the first non-loopback one).
(cd "$HERE/fixture" && GITHUB_TOKEN="${GITHUB_TOKEN:-dummy-token-for-act}" "$act" workflow_dispatch \
  -W .github/workflows/verify.yml -P ubuntu-latest=-self-hosted \
  --action-offline-mode --pull=false --no-cache-server --artifact-server-addr 127.0.0.1 \
  --container-daemon-socket - </dev/null) >"$out" 2>&1 || { grep -v 'unable to get git' "$out" >&2; exit 1; }
if ! grep -q 'Job succeeded' "$out" || ! grep -q '| outputs hello node20 from node v.* / hello node24 from node v' "$out"; then
  grep -v 'unable to get git' "$out" >&2
  echo "verify.sh: act ran but the fixture's outputs are missing" >&2
  exit 1
fi
grep -E '\| (hello|outputs) |Job succeeded' "$out"
