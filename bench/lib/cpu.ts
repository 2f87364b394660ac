// CPU time, read from /proc (Linux): of the child processes this harness has waited for (the actions,
// kubectl), and of the test cluster's own processes (API server, etcd, controller manager, scheduler, kwok),
// so a wall time can be read against the CPU it needed on a shared machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Clock ticks per second of /proc's times: 100 on every Linux this runs on. */
const TICKS = 100;

function statFields(file: string): string[] | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU ms (user + system) of every child this process has reaped so far (cutime + cstime). */
export function childrenCpuMs(): number {
  const f = statFields('/proc/self/stat');
  if (!f) return NaN;
  // After the name: state is field 3, so cutime (16) and cstime (17) sit at indexes 13 and 14.
  return ((Number(f[13]) + Number(f[14])) * 1000) / TICKS;
}

/** CPU ms (user + system) so far of the cluster's processes: those started from the env's kubernetes folder. */
export function clusterCpuMs(kubeconfig: string): number {
  const dir = `${path.dirname(kubeconfig)}/`;
  if (!existsSync('/proc')) return NaN;
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const program = path.basename(cmdline.split('\0')[0] ?? '');
    if (!/^(kube-|etcd|kwok)/.test(program) || !cmdline.includes(dir)) continue;
    const f = statFields(`/proc/${pid}/stat`);
    // utime (14) and stime (15) sit at indexes 11 and 12.
    if (f) total += ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
  }
  return total;
}
