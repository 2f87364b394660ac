#!/usr/bin/env bash
# Proves `env.sh down` leaves nothing behind: no process of a binary the environment built or started,
# no mount under the run directory, no pod network namespace, no bridge of ours. Run after the suite
# (it stops the environment the tests used). Exits non-zero, naming what is left, if anything is.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
# shellcheck source=lib.sh
source "$HERE/lib.sh"

bash "$HERE/env.sh" down >/dev/null
left=()
while read -r pid; do
  [ -n "$pid" ] && [ "$pid" != "$$" ] && left+=("process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)")
done < <(pgrep -f "$SWISS_DEPLOY_CACHE/(bin|run)/" || true)
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
if [ ${#left[@]} -gt 0 ]; then
  echo "env.sh down left behind:" >&2
  printf '  %s\n' "${left[@]}" >&2
  exit 1
fi
echo "env.sh down left no process, mount, network namespace or bridge behind."
