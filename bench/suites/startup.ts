// Startup: each action's bundle under Node 24, from spawn to exit on an input-validation error (no inputs, so
// a required one is missing), next to bare `node -e 0`; the bundle's size; and which of its files Node loads
// on that path (a module-load hook), so a heavy chunk loaded before validation shows up by name.
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
import { env } from '../lib/cluster';
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

/** The bundle folder of an action: where its action.yml's runs.main points. */
function distOf(action: string): string {
  const yml = readFileSync(path.join(actionDir(action), 'action.yml'), 'utf8');
  const main = /^\s*main:\s*(\S+)/m.exec(yml)?.[1] ?? `../../dist/${action}/index.js`;
  return path.dirname(path.resolve(actionDir(action), main));
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.js'));
}

export async function startup(runs: number): Promise<{ rows: Row[]; skips: Skip[]; raw: unknown }> {
  const rows: Row[] = [];
  const skips: Skip[] = [];
  const results: StartupResult[] = [];
  const node = node24Binary();
  const work = scratch('startup');
  try {
    const hook = path.join(work, 'hook.mjs');
    writeFileSync(hook, HOOK);

    const bare: number[] = [];
    for (let i = 0; i < runs; i++) bare.push((await spawnTimed(node, ['-e', '0'], { timeoutMs: 30_000 })).ms);
    rows.push({ suite: 'startup', measurement: 'bare Node 24 (`node -e 0`)', stat: stat(bare, 'ms') });
    // Probes (bench/probes/*.ts, bundled by bench/run.mjs): what parts of an action's start cost on their own.
    const probes: Record<string, number[]> = {};
    const probeDir = process.env.SWISS_BENCH_PROBES;
    const probeNotes: Record<string, string> = {
      'core-only': 'a bundle of only `@actions/core` calling setFailed',
      'kube-connect': 'a bundle of the kit + `Kube.connect` (loads @kubernetes/client-node)',
    };
    for (const name of probeDir && existsSync(probeDir) ? readdirSync(probeDir).sort() : []) {
      const file = path.join(probeDir as string, name, 'index.js');
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const run = await spawnTimed(node, [file], {
          timeoutMs: 60_000,
          env: { PATH: process.env.PATH ?? '', SWISS_BENCH_KUBECONFIG: env('KUBECONFIG') },
        });
        if (name !== 'core-only' && run.exitCode !== 0)
          throw new Error(`probe ${name} failed: ${run.stderr}`);
        ms.push(run.ms);
      }
      probes[name] = ms;
      rows.push({
        suite: 'startup',
        measurement: `probe: ${probeNotes[name] ?? name}`,
        stat: stat(ms, 'ms'),
        note: `${(jsFiles(path.dirname(file)).reduce((sum, f) => sum + statSync(path.join(path.dirname(file), f)).size, 0) / 1024).toFixed(0)} KiB`,
      });
    }

    for (const action of actionNames()) {
      const missing = actionMissing(action);
      if (missing) {
        skips.push({ suite: 'startup', reason: `${action}: ${missing}` });
        continue;
      }
      const dist = distOf(action);
      const files = jsFiles(dist);
      const size = (f: string): number => statSync(path.join(dist, f)).size / 1024;
      const result: StartupResult = {
        action,
        ms: [],
        exitCodes: [],
        firstError: '',
        bundleKiB: files.reduce((sum, f) => sum + size(f), 0),
        eagerKiB: size('index.js'),
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
            .map((u) => path.relative(dist, new URL(u).pathname)),
        ),
      ];
      result.loadedKiB = result.loadedOnFailure
        .filter((f) => !f.startsWith('..'))
        .reduce((sum, f) => sum + size(f), 0);
      for (let i = 0; i < runs; i++) {
        const run = await runStep({ action, inputs: {}, timeoutMs: 60_000 });
        result.ms.push(run.ms);
        result.exitCodes.push(run.exitCode);
      }
      results.push(result);
      const allFailed = result.exitCodes.every((c) => c === 1);
      const median = stat(result.ms, 'ms').median;
      rows.push({
        suite: 'startup',
        measurement: `${action === ROOT_ACTION ? 'deploy (root action)' : action}: start → exit 1 on a missing input`,
        stat: stat(result.ms, 'ms'),
        target: '≤ 100 ms',
        met: allFailed && median <= 100,
        note: `bundle ${result.bundleKiB.toFixed(0)} KiB, ${result.loadedKiB.toFixed(0)} KiB loaded: ${result.loadedOnFailure.join(', ')}`,
      });
    }

    // The chunks an action loads with `await import()` once its inputs are valid: parsing them is part of every
    // real run. Each distinct chunk over 256 KiB once, imported alone (no module of it runs), minus bare Node.
    const chunks = new Map<string, { file: string; users: string[]; kib: number }>();
    for (const r of results) {
      const dist = distOf(r.action);
      for (const f of jsFiles(dist).filter((f) => f !== 'index.js')) {
        const file = path.join(dist, f);
        const kib = statSync(file).size / 1024;
        if (kib < 256) continue;
        const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
        const entry = chunks.get(hash) ?? { file, users: [], kib };
        entry.users.push(`${r.action}/${f}`);
        chunks.set(hash, entry);
      }
    }
    const chunkCosts: { users: string[]; kib: number; ms: number[] }[] = [];
    const bareMedian = stat(bare, 'ms').median;
    for (const chunk of chunks.values()) {
      const ms: number[] = [];
      const code = `await import(${JSON.stringify(pathToFileURL(chunk.file).href)})`;
      for (let i = 0; i < runs; i++)
        ms.push((await spawnTimed(node, ['--input-type=module', '-e', code], { timeoutMs: 60_000 })).ms);
      chunkCosts.push({ users: chunk.users, kib: chunk.kib, ms });
      rows.push({
        suite: 'startup',
        measurement: `lazy chunk ${chunk.users.join(', ')}: load alone, minus bare Node`,
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
      raw: { bareNodeMs: bare, probesMs: probes, actions: results, chunks: chunkCosts },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
