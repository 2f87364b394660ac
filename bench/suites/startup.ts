// Startup: each action's bundle under Node 24, from spawn to exit on an input-validation error (no inputs, so
// a required one is missing), next to bare `node -e 0` (and as a ratio to it); the bundle's size (its entry
// and every chunk it can import, statically or lazily); which of those files Node loads on that path (a
// module-load hook), so a heavy chunk loaded before validation shows up by name; and, for rollback, the time
// from process start to exit as the process itself sees it (no spawn cost).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../test/support/versions';
import { createHash } from 'node:crypto';
import {
  ROOT_ACTION,
  actionDir,
  actionMissing,
  node24Binary,
  runStep,
  scratch,
  spawnTimed,
} from '../lib/step';
import { readEnvFile } from '../../test/support/env';
import { stat, type Row, type Skip } from '../lib/stats';

export interface StartupResult {
  action: string;
  ms: number[];
  exitCodes: number[];
  firstError: string;
  bundleKiB: number;
  eagerKiB: number;
  loadedOnFailure: string[];
  loadedKiB: number;
}

const HOOK = `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:')) appendFileSync(process.env.SWISS_BENCH_LOADED, url + '\\n');
    return nextLoad(url, context);
  },
});
`;

export function actionNames(): string[] {
  const names = readdirSync(path.join(repoRoot, 'actions'))
    .filter((name) => existsSync(path.join(repoRoot, 'actions', name, 'action.yml')))
    .sort();
  return existsSync(path.join(repoRoot, 'action.yml')) ? [ROOT_ACTION, ...names] : names;
}

/** The entry file of an action: where its action.yml's runs.main points. */
function entryOf(action: string): string {
  const yml = readFileSync(path.join(actionDir(action), 'action.yml'), 'utf8');
  const main = /^\s*main:\s*(\S+)/m.exec(yml)?.[1] ?? `../../dist/${action}/index.js`;
  return path.resolve(actionDir(action), main);
}

const distRoot = path.join(repoRoot, 'dist');

/**
 * The files an entry can load: `eager` (the entry and its static imports, all read before it runs) and
 * `lazy` (reached only through `import()`), followed through the relative specifiers of the bundle. A
 * bundler that names its chunks at run time (ncc) leaves them undiscoverable: then every other .js file in
 * the entry's folder counts as lazy.
 */
export function moduleGraph(entry: string): { eager: string[]; lazy: string[] } {
  const eager = new Set<string>();
  const lazy = new Set<string>();
  const visit = (file: string, isEager: boolean): void => {
    if (eager.has(file) || (!isEager && lazy.has(file)) || !existsSync(file)) return;
    if (isEager) {
      eager.add(file);
      lazy.delete(file);
    } else lazy.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/\b(import\s*\(|from\s*|import\s*)\s*["'](\.\.?\/[^"']+\.m?js)["']/g)) {
      visit(path.resolve(path.dirname(file), m[2] as string), isEager && !(m[1] as string).includes('('));
    }
  };
  visit(entry, true);
  if (lazy.size === 0) {
    const dir = path.dirname(entry);
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      if (!eager.has(path.join(dir, f))) lazy.add(path.join(dir, f));
    }
  }
  return { eager: [...eager].sort(), lazy: [...lazy].filter((f) => !eager.has(f)).sort() };
}

const kib = (file: string): number => statSync(file).size / 1024;
const kibOf = (files: readonly string[]): number => files.reduce((sum, f) => sum + kib(f), 0);
/** A file of dist/ as the tables name it: dist/chunks/x.js → chunks/x.js, dist/scan/index.js → scan/index.js. */
const distName = (file: string): string => path.relative(distRoot, file);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join(dir, f));
}

/** Preload for the in-process clock: the time from process start (performance.timeOrigin) to 'exit'. */
const EXIT_CLOCK = `import { appendFileSync } from 'node:fs';
process.on('exit', () => appendFileSync(process.env.SWISS_BENCH_EXIT_CLOCK, performance.now() + '\\n'));
`;

export async function startup(runs: number): Promise<{ rows: Row[]; skips: Skip[]; raw: unknown }> {
  const rows: Row[] = [];
  const skips: Skip[] = [];
  const results: StartupResult[] = [];
  const graphs = new Map<string, { eager: string[]; lazy: string[] }>();
  const ratios: { action: string; ratio: number[] }[] = [];
  let inProcess: number[] = [];
  const node = node24Binary();
  const work = scratch('startup');
  try {
    const hook = path.join(work, 'hook.mjs');
    writeFileSync(hook, HOOK);
    const exitClock = path.join(work, 'exit-clock.mjs');
    writeFileSync(exitClock, EXIT_CLOCK);

    const bare: number[] = [];
    for (let i = 0; i < runs; i++) bare.push((await spawnTimed(node, ['-e', '0'], { timeoutMs: 30_000 })).ms);
    // Its stat is filled in at the end, over these runs and those beside each action.
    const bareRow: Row = {
      suite: 'startup',
      measurement: 'bare Node 24 (`node -e 0`)',
      stat: stat(bare, 'ms'),
    };
    rows.push(bareRow);
    // Probes (bench/probes/*.ts, bundled by bench/run.mjs): what parts of an action's start cost on their own.
    const probes: Record<string, number[]> = {};
    const probeDir = process.env.SWISS_BENCH_PROBES;
    const probeNotes: Record<string, string> = {
      'core-only': 'a bundle of only `@actions/core` calling setFailed',
      'kube-connect': "a bundle of the kit + `Kube.connect` on the env's kubeconfig",
    };
    const kubeconfig = readEnvFile().KUBECONFIG;
    for (const name of probeDir && existsSync(probeDir) ? readdirSync(probeDir).sort() : []) {
      const file = path.join(probeDir as string, name, 'index.js');
      if (name === 'kube-connect' && !kubeconfig) {
        skips.push({ suite: 'startup', reason: 'probe kube-connect: no cluster (`npm run env:up`)' });
        continue;
      }
      const ms: number[] = [];
      let failed = '';
      for (let i = 0; i < runs && !failed; i++) {
        const run = await spawnTimed(node, [file], {
          timeoutMs: 60_000,
          env: { PATH: process.env.PATH ?? '', SWISS_BENCH_KUBECONFIG: kubeconfig ?? '' },
        });
        if (name !== 'core-only' && run.exitCode !== 0) failed = run.stderr.split('\n')[0] ?? '';
        ms.push(run.ms);
      }
      if (failed) {
        skips.push({ suite: 'startup', reason: `probe ${name} failed: ${failed.slice(0, 300)}` });
        continue;
      }
      probes[name] = ms;
      rows.push({
        suite: 'startup',
        measurement: `probe: ${probeNotes[name] ?? name}`,
        stat: stat(ms, 'ms'),
        note: `${kibOf(filesUnder(path.dirname(file))).toFixed(0)} KiB`,
      });
    }

    for (const action of actionNames()) {
      const missing = actionMissing(action);
      if (missing) {
        skips.push({ suite: 'startup', reason: `${action}: ${missing}` });
        continue;
      }
      const graph = moduleGraph(entryOf(action));
      graphs.set(action, graph);
      const result: StartupResult = {
        action,
        ms: [],
        exitCodes: [],
        firstError: '',
        bundleKiB: kibOf([...graph.eager, ...graph.lazy]),
        eagerKiB: kibOf(graph.eager),
        loadedOnFailure: [],
        loadedKiB: 0,
      };
      // One untimed warm-up run, which also records the files loaded on the failing path.
      const loaded = path.join(work, `${action}.loaded`);
      writeFileSync(loaded, '');
      const probe = await runStep({
        action,
        inputs: {},
        env: { NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`, SWISS_BENCH_LOADED: loaded },
        timeoutMs: 60_000,
      });
      result.firstError = probe.errors[0]?.split('\n')[0] ?? `(exit ${probe.exitCode}, no error annotation)`;
      result.loadedOnFailure = [
        ...new Set(
          readFileSync(loaded, 'utf8')
            .split('\n')
            .filter((u) => u.startsWith('file:'))
            .map((u) => new URL(u).pathname)
            .filter((f) => f.startsWith(distRoot + path.sep)),
        ),
      ].sort();
      result.loadedKiB = kibOf(result.loadedOnFailure);
      result.loadedOnFailure = result.loadedOnFailure.map(distName);
      // Bare Node runs between the action's runs, so the ratio compares samples taken under the same load
      // (on a shared machine the load moves within seconds).
      const bareBeside: number[] = [];
      for (let i = 0; i < runs; i++) {
        bareBeside.push((await spawnTimed(node, ['-e', '0'], { timeoutMs: 30_000 })).ms);
        const run = await runStep({ action, inputs: {}, timeoutMs: 60_000 });
        result.ms.push(run.ms);
        result.exitCodes.push(run.exitCode);
      }
      bare.push(...bareBeside);
      results.push(result);
      const allFailed = result.exitCodes.every((c) => c === 1);
      const median = stat(result.ms, 'ms').median;
      const label = action === ROOT_ACTION ? 'deploy (root action)' : action;
      const loadedNote =
        result.loadedOnFailure.length > 4
          ? `${result.loadedOnFailure.length} files`
          : result.loadedOnFailure.join(', ');
      rows.push({
        suite: 'startup',
        measurement: `${label}: start → exit 1 on a missing input`,
        stat: stat(result.ms, 'ms'),
        target: '≤ 100 ms',
        met: allFailed && median <= 100,
        note: `bundle ${result.bundleKiB.toFixed(0)} KiB, ${result.loadedKiB.toFixed(0)} KiB loaded: ${loadedNote}`,
      });
      // Against bare Node run beside it: what the action adds, whatever the machine's load.
      const bareOfRun = stat(bareBeside, 'ms').median;
      const ratio = stat(
        result.ms.map((m) => m / bareOfRun),
        '×',
      );
      ratios.push({ action, ratio: result.ms.map((m) => m / bareOfRun) });
      rows.push({
        suite: 'startup',
        measurement: `${label}: start → exit 1 ÷ bare Node`,
        stat: ratio,
        target: '≤ 2×',
        met: allFailed && ratio.median <= 2,
        goal: 'startup',
      });
      if (action === 'rollback') {
        // The same failing start, timed by the process itself: from its start to its 'exit' event.
        const clock = path.join(work, 'rollback.exit-clock');
        writeFileSync(clock, '');
        const codes: number[] = [];
        for (let i = 0; i < runs; i++) {
          const run = await runStep({
            action,
            inputs: {},
            env: { NODE_OPTIONS: `--import ${pathToFileURL(exitClock).href}`, SWISS_BENCH_EXIT_CLOCK: clock },
            timeoutMs: 60_000,
          });
          codes.push(run.exitCode);
        }
        inProcess = readFileSync(clock, 'utf8').split('\n').filter(Boolean).map(Number);
        rows.push({
          suite: 'startup',
          measurement: 'rollback: process start → exit 1 on a missing input (its own clock)',
          stat: stat(inProcess, 'ms'),
          target: '≤ 100 ms',
          met: codes.every((c) => c === 1) && stat(inProcess, 'ms').median <= 100,
          note: 'performance.now() at the exit event',
        });
      }
    }

    // The chunks an action loads with `await import()` once its inputs are valid: parsing them is part of every
    // real run. Each distinct chunk over 256 KiB once, imported alone (no module of it runs), minus bare Node.
    // Keyed by content: one shared chunk, or the identical copies an older per-action build had.
    const chunks = new Map<string, { file: string; names: string[]; actions: string[]; kib: number }>();
    for (const r of results) {
      for (const file of graphs.get(r.action)?.lazy ?? []) {
        const size = kib(file);
        if (size < 256) continue;
        const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
        const entry = chunks.get(hash) ?? { file, names: [], actions: [], kib: size };
        if (!entry.names.includes(distName(file))) entry.names.push(distName(file));
        if (!entry.actions.includes(r.action)) entry.actions.push(r.action);
        chunks.set(hash, entry);
      }
    }
    const chunkCosts: { users: string[]; kib: number; ms: number[] }[] = [];
    bareRow.stat = stat(bare, 'ms');
    const bareMedian = bareRow.stat.median;
    for (const chunk of chunks.values()) {
      const ms: number[] = [];
      const code = `await import(${JSON.stringify(pathToFileURL(chunk.file).href)})`;
      for (let i = 0; i < runs; i++)
        ms.push((await spawnTimed(node, ['--input-type=module', '-e', code], { timeoutMs: 60_000 })).ms);
      const users = chunk.names.length > 1 ? chunk.names : [...chunk.names, ...chunk.actions];
      chunkCosts.push({ users, kib: chunk.kib, ms });
      rows.push({
        suite: 'startup',
        measurement: `lazy chunk ${chunk.names.length > 1 ? chunk.names.join(', ') : `${chunk.names[0]} (${chunk.actions.join(', ')})`}: load alone, minus bare Node`,
        stat: stat(
          ms.map((m) => m - bareMedian),
          'ms',
        ),
        note: `${chunk.kib.toFixed(0)} KiB`,
      });
    }
    return {
      rows,
      skips,
      raw: {
        bareNodeMs: bare,
        probesMs: probes,
        actions: results,
        ratiosToBareNode: ratios,
        rollbackInProcessMs: inProcess,
        chunks: chunkCosts,
      },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
