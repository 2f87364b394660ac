// The benchmark harness (`npm run bench`, see bench/run.mjs): runs each suite whose action is built, on the
// test environment's cluster (`npm run env:up` first), prints a Markdown table and writes bench/results.json.
//   --runs N        runs per measurement (default 3; startup runs 5×N)
//   --only a,b      suites: startup, deploy, api, concurrency, render-helm, smoke, traffic
//   --sizes 1,10,50 replica counts of the deploy suite
//   --out FILE      where the JSON goes (default bench/results.json)
//   --cpu-prof DIR  every action run writes a V8 CPU profile into DIR (its times then include the profiler's)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../test/support/versions';
import { adminKube, deleteLeftovers, env, settleNamespaces } from './lib/cluster';
import { node24Binary } from './lib/step';
import { goalsTable, load, markdownTable, type Row, type Skip } from './lib/stats';
import { apiCost, concurrency } from './suites/api';
import { deploy } from './suites/deploy';
import { startup } from './suites/startup';
import { renderHelm, smokeRps } from './suites/tools';
import { traffic } from './suites/traffic';

const SUITES = ['startup', 'deploy', 'api', 'concurrency', 'render-helm', 'smoke', 'traffic'] as const;
type Suite = (typeof SUITES)[number];
/** Suites that run without the test environment's cluster (the startup suite skips its kube probe). */
const WITHOUT_CLUSTER: readonly Suite[] = ['startup', 'smoke'];

function args(argv: string[]): { runs: number; only: Suite[]; sizes: number[]; out: string } {
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const runs = Number(value('--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50)
    throw new Error('--runs takes a whole number from 1 to 50');
  const only = (value('--only')?.split(',') ?? [...SUITES]) as Suite[];
  for (const s of only)
    if (!SUITES.includes(s)) throw new Error(`unknown suite ${s}; known: ${SUITES.join(', ')}`);
  const sizes = (value('--sizes') ?? '1,10,50').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) throw new Error('--sizes takes 1 to 200');
  return {
    runs,
    only,
    sizes,
    out: path.resolve(value('--out') ?? path.join(repoRoot, 'bench', 'results.json')),
  };
}

/** A key of the test environment's env file, or "none" when the environment is not up. */
function envOr(key: string): string {
  try {
    return env(key);
  } catch {
    return 'none';
  }
}

function version(file: string, versionArgs: string[]): string {
  try {
    return execFileSync(file, versionArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    harnessNode: process.version,
    actionNode: version(node24Binary(), ['--version']),
    kubernetes: envOr('KUBERNETES_VERSION'),
    kubeMode: envOr('KUBE_MODE'),
    kubectl: envOr('KUBECTL_VERSION'),
    helm: envOr('HELM_VERSION'),
    commit: version('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']),
    dirtyTree: version('git', ['-C', repoRoot, 'status', '--porcelain']).length > 0,
  };
}

async function main(): Promise<void> {
  const options = args(process.argv.slice(2));
  const profiles = process.argv.indexOf('--cpu-prof');
  if (profiles >= 0)
    process.env.SWISS_BENCH_CPU_PROF = path.resolve(process.argv[profiles + 1] ?? 'profiles');
  const log = (line: string): void => console.error(line);
  const started = new Date();
  const description = machine();
  log(`swiss/deploy benchmarks: ${options.runs} runs, suites ${options.only.join(', ')}, load ${load()}`);
  if (options.only.some((suite) => !WITHOUT_CLUSTER.includes(suite))) {
    const kube = await adminKube();
    const leftovers = await deleteLeftovers(kube);
    if (leftovers) {
      log(`removing ${leftovers} namespaces an earlier run left behind`);
      await settleNamespaces(kube);
    }
  }

  const rows: Row[] = [];
  const skips: Skip[] = [];
  const raw: Record<string, unknown> = {};
  const tables: string[] = [];
  const loads: Record<string, { before: string; after: string; ms: number }> = {};
  const runSuite = async (
    name: Suite,
    body: () => Promise<{ rows: Row[]; skips: Skip[]; raw: unknown; tables?: string[] }>,
  ): Promise<void> => {
    if (!options.only.includes(name)) return;
    const before = load();
    const t0 = Date.now();
    log(`— ${name} (load ${before})`);
    try {
      const result = await body();
      rows.push(...result.rows);
      skips.push(...result.skips);
      raw[name] = result.raw;
      tables.push(...(result.tables ?? []));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      skips.push({ suite: name, reason: `failed: ${message.split('\n')[0]?.slice(0, 400)}` });
      log(`  ${name} failed: ${message}`);
    }
    loads[name] = { before, after: load(), ms: Date.now() - t0 };
  };

  await runSuite('startup', () => startup(options.runs * 5));
  await runSuite('render-helm', () => renderHelm(options.runs));
  await runSuite('smoke', () => smokeRps(options.runs, 2000));
  await runSuite('deploy', () => deploy(options.runs, options.sizes, log));
  await runSuite('api', () => apiCost([2, 6, 15], [0, 10, 50], log));
  await runSuite('concurrency', () => concurrency(20, Math.min(options.runs, 2), log));
  await runSuite('traffic', () => traffic(options.runs, log));

  const table = markdownTable(rows);
  const loadLine = Object.entries(loads)
    .map(([name, l]) => `${name} ${l.before} → ${l.after}`)
    .join('; ');
  const result = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    options: { runs: options.runs, suites: options.only, sizes: options.sizes },
    machine: description,
    loadAverage: loads,
    rows,
    skipped: skips,
    table,
    goals: goalsTable(rows),
    tables,
    raw,
  };
  writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `\n**Machine:** ${description.cpu}, ${description.memoryGiB} GiB, ${description.os}; actions on Node ${description.actionNode}; Kubernetes ${description.kubernetes} (${description.kubeMode}); ${started.toISOString()}`,
  );
  console.log(`\n**Load average (1/5/15 min) per suite, before → after:** ${loadLine}\n`);
  console.log(table);
  console.log(`\n**Targets (issue #21)**\n\n${result.goals}`);
  for (const extra of tables) console.log(`\n${extra}`);
  if (skips.length) {
    console.log('\n**Not measured:**');
    for (const s of skips) console.log(`- ${s.suite}: ${s.reason}`);
  }
  console.log(`\nwrote ${path.relative(process.cwd(), options.out)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
