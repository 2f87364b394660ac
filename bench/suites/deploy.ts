// Deploy overhead, switch latency and rollback latency, at 1, 10 and 50 replicas. Per size and run, in two fresh
// namespaces: the deploy-blue-green bundle deploys version 1 (first deploy) then version 2 (an update: new color,
// switch), and plain `kubectl apply --server-side` + `kubectl rollout status` does the same with the same
// manifests. A recorder watches the action's namespace: switch latency is the time from the new color's
// Deployment being ready to the stable Service's EndpointSlices holding only new-color pods. Then, when the
// rollback action exists, `rollback to: previous` runs there, timed from its spawn to EndpointSlices all old color.
import { rmSync } from 'node:fs';
import type { Kube } from '@swiss-deploy/kube';
import {
  NamespaceRecorder,
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  env,
  settleNamespaces,
  writeManifests,
} from '../lib/cluster';
import { actionMissing, runStep, scratch, spawnTimed, summaryFact, type StepRun } from '../lib/step';
import { childrenCpuMs } from '../lib/cpu';
import { stat, type Row, type Skip } from '../lib/stats';

const APP = 'shop';

interface SizeRun {
  replicas: number;
  action: { firstMs: number; updateMs: number; firstRequests?: number; updateRequests?: number };
  kubectl: { firstMs: number; updateMs: number };
  switchMs?: number;
  rollback?: { ms: number; processMs: number; mode?: string; exitCode: number; error?: string };
  phases: Record<string, { title: string; ms: number }[]>;
  /** CPU ms of the action's process / of kubectl's two processes. */
  cpu: { actionFirst: number; actionUpdate: number; kubectlFirst: number; kubectlUpdate: number };
}

/** A step's time by phase: Node start to its first log line, each log group, and the last group to exit. */
function phasesOf(run: StepRun, namespace: string): { title: string; ms: number }[] {
  const normal = (title: string): string =>
    title
      .replaceAll(namespace, '<ns>')
      .replace(/\b(blue|green)\b/g, '<color>')
      .replace(/\d+/g, 'N');
  return [
    { title: '(Node start → first log line)', ms: run.firstOutputMs ?? NaN },
    ...run.phases.map((p) => ({ title: normal(p.title), ms: p.ms })),
    { title: '(last group → exit)', ms: run.tailMs ?? NaN },
  ];
}

/** Median milliseconds per phase over runs, one column per replica count. */
function breakdown(all: SizeRun[], sizes: number[], key: string, heading: string): string {
  const titles: string[] = [];
  for (const run of all)
    for (const p of run.phases[key] ?? []) if (!titles.includes(p.title)) titles.push(p.title);
  if (!titles.length) return '';
  const lines = [
    `**${heading}** (median ms per phase)`,
    '',
    `| Phase | ${sizes.map((n) => `${n} replicas`).join(' | ')} |`,
    `| --- | ${sizes.map(() => '---:').join(' | ')} |`,
  ];
  for (const title of titles) {
    const cells = sizes.map((n) => {
      const values = all
        .filter((r) => r.replicas === n)
        .flatMap((r) => (r.phases[key] ?? []).filter((p) => p.title === title).map((p) => p.ms));
      const m = stat(values, 'ms').median;
      return Number.isFinite(m) ? String(Math.round(m)) : '–';
    });
    lines.push(`| ${title} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function kubeEnv(): Record<string, string> {
  return { KUBECONFIG: env('KUBECONFIG') };
}

function check(run: StepRun, what: string): void {
  if (run.exitCode !== 0)
    throw new Error(`${what} exited ${run.exitCode}: ${run.errors.join(' | ') || run.stderr.slice(-2000)}`);
}

async function kubectlDeploy(namespace: string, file: string): Promise<number> {
  const kubectl = env('KUBECTL');
  const options = { timeoutMs: 600_000, env: { ...process.env, ...kubeEnv() } as Record<string, string> };
  const apply = await spawnTimed(kubectl, ['apply', '--server-side', '-n', namespace, '-f', file], options);
  if (apply.exitCode !== 0) throw new Error(`kubectl apply failed: ${apply.stderr}`);
  const rollout = await spawnTimed(
    kubectl,
    ['rollout', 'status', '-n', namespace, `deployment/${APP}`, '--timeout=10m'],
    options,
  );
  if (rollout.exitCode !== 0) throw new Error(`kubectl rollout status failed: ${rollout.stderr}`);
  return rollout.endedAt - apply.startedAt;
}

function deployInputs(namespace: string, manifests: string): Record<string, string> {
  return { app: APP, namespace, manifests, timeout: '10m' };
}

async function oneSize(
  kube: Kube,
  replicas: number,
  runIndex: number,
  dir: string,
  withRollback: boolean,
): Promise<SizeRun> {
  await settleNamespaces(kube);
  const v1 = writeManifests(dir, `r${replicas}-v1`, appObjects({ version: '1', replicas }));
  const v2 = writeManifests(dir, `r${replicas}-v2`, appObjects({ version: '2', replicas }));
  const nsAction = await createNamespace(kube, `bench-bg${replicas}`);
  const nsKubectl = await createNamespace(kube, `bench-kc${replicas}`);
  const result: SizeRun = {
    replicas,
    action: { firstMs: 0, updateMs: 0 },
    kubectl: { firstMs: 0, updateMs: 0 },
    phases: {},
    cpu: { actionFirst: NaN, actionUpdate: NaN, kubectlFirst: NaN, kubectlUpdate: NaN },
  };
  try {
    const viaAction = async (): Promise<void> => {
      let cpu = childrenCpuMs();
      const first = await runStep({
        action: 'deploy-blue-green',
        inputs: deployInputs(nsAction, v1),
        env: kubeEnv(),
        // The manifests input must name a file inside the workspace.
        workspace: dir,
      });
      check(first, `deploy-blue-green (${replicas} replicas, first deploy)`);
      result.action.firstMs = first.ms;
      result.cpu.actionFirst = childrenCpuMs() - cpu;
      result.phases.first = phasesOf(first, nsAction);
      result.action.firstRequests = Number(summaryFact(first.summary, 'API requests')) || undefined;

      const recorder = new NamespaceRecorder(kube, nsAction, APP).start();
      await recorder.settle();
      try {
        const live = first.outputs.color as string;
        const next = live === 'blue' ? 'green' : 'blue';
        const ready = recorder.when('ready', () => recorder.ready(`${APP}-${next}`));
        const switched = recorder.when('switched', () => recorder.endpointsOnly(`${APP}-${next}-`, replicas));
        cpu = childrenCpuMs();
        const update = await runStep({
          action: 'deploy-blue-green',
          inputs: deployInputs(nsAction, v2),
          env: kubeEnv(),
          workspace: dir,
        });
        check(update, `deploy-blue-green (${replicas} replicas, update)`);
        result.action.updateMs = update.ms;
        result.cpu.actionUpdate = childrenCpuMs() - cpu;
        result.phases.update = phasesOf(update, nsAction);
        result.action.updateRequests = Number(summaryFact(update.summary, 'API requests')) || undefined;
        const [readyAt, switchedAt] = await Promise.all([ready, switched]);
        if (readyAt !== undefined && switchedAt !== undefined) result.switchMs = switchedAt - readyAt;

        if (withRollback) {
          let startedAt = 0;
          const back = recorder.when('rolled-back', () =>
            recorder.endpointsOnly(`${APP}-${live}-`, replicas),
          );
          const rollback = await runStep({
            action: 'rollback',
            inputs: { app: APP, namespace: nsAction, to: 'previous', reason: 'benchmark' },
            env: kubeEnv(),
            onStart: (at) => (startedAt = at),
          });
          result.phases.rollback = phasesOf(rollback, nsAction);
          const backAt = await Promise.race([
            back,
            new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref()),
          ]);
          result.rollback = {
            ms: backAt === undefined ? NaN : Math.max(0, backAt - startedAt),
            processMs: rollback.ms,
            mode: rollback.outputs.mode,
            exitCode: rollback.exitCode,
            ...(rollback.exitCode ? { error: rollback.errors[0] ?? rollback.stderr.slice(-500) } : {}),
          };
        }
      } finally {
        await recorder.stop();
      }
    };
    const viaKubectl = async (): Promise<void> => {
      let cpu = childrenCpuMs();
      result.kubectl.firstMs = await kubectlDeploy(nsKubectl, v1);
      result.cpu.kubectlFirst = childrenCpuMs() - cpu;
      cpu = childrenCpuMs();
      result.kubectl.updateMs = await kubectlDeploy(nsKubectl, v2);
      result.cpu.kubectlUpdate = childrenCpuMs() - cpu;
    };
    // Alternate who goes first, so a drift of the machine's load does not favour one side.
    if (runIndex % 2 === 0) {
      await viaAction();
      await viaKubectl();
    } else {
      await viaKubectl();
      await viaAction();
    }
    return result;
  } finally {
    await deleteNamespace(kube, nsAction);
    await deleteNamespace(kube, nsKubectl);
  }
}

export async function deploy(
  runs: number,
  sizes: number[],
  log: (line: string) => void,
): Promise<{ rows: Row[]; skips: Skip[]; raw: unknown; tables: string[] }> {
  const skips: Skip[] = [];
  const missing = actionMissing('deploy-blue-green');
  if (missing) return { rows: [], skips: [{ suite: 'deploy', reason: missing }], raw: {}, tables: [] };
  const rollbackMissing = actionMissing('rollback');
  if (rollbackMissing) skips.push({ suite: 'rollback', reason: rollbackMissing });
  const kube = await adminKube();
  const dir = scratch('deploy');
  const all: SizeRun[] = [];
  try {
    for (const replicas of sizes) {
      for (let i = 0; i < runs; i++) {
        const run = await oneSize(kube, replicas, i, dir, !rollbackMissing);
        log(
          `  ${replicas} replicas run ${i + 1}: action ${run.action.firstMs.toFixed(0)}/${run.action.updateMs.toFixed(0)} ms, ` +
            `kubectl ${run.kubectl.firstMs.toFixed(0)}/${run.kubectl.updateMs.toFixed(0)} ms, switch ${run.switchMs?.toFixed(0)} ms` +
            (run.rollback
              ? `, rollback ${run.rollback.ms.toFixed(0)} ms (${run.rollback.mode ?? 'exit ' + run.rollback.exitCode})`
              : ''),
        );
        all.push(run);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rows: Row[] = [];
  for (const replicas of sizes) {
    const runsOf = all.filter((r) => r.replicas === replicas);
    for (const phase of ['first', 'update'] as const) {
      const key = phase === 'first' ? 'firstMs' : 'updateMs';
      const cpuOf = (r: SizeRun, side: 'action' | 'kubectl'): number =>
        r.cpu[`${side}${phase === 'first' ? 'First' : 'Update'}`];
      const label = phase === 'first' ? 'first deploy' : 'update (new color + switch)';
      rows.push({
        suite: 'deploy',
        measurement: `${replicas} replicas, ${label}: deploy-blue-green`,
        stat: stat(
          runsOf.map((r) => r.action[key]),
          'ms',
        ),
        note: `CPU ${stat(
          runsOf.map((r) => cpuOf(r, 'action')),
          'ms',
        ).median.toFixed(0)} ms`,
      });
      rows.push({
        suite: 'deploy',
        measurement: `${replicas} replicas, ${label}: kubectl apply --server-side + rollout status`,
        stat: stat(
          runsOf.map((r) => r.kubectl[key]),
          'ms',
        ),
        note: `CPU ${stat(
          runsOf.map((r) => cpuOf(r, 'kubectl')),
          'ms',
        ).median.toFixed(0)} ms`,
      });
      const ratio = stat(
        runsOf.map((r) => r.action[key] / r.kubectl[key]),
        '×',
      );
      rows.push({
        suite: 'deploy',
        measurement: `${replicas} replicas, ${label}: overhead ratio`,
        stat: ratio,
        target: '≤ 1.1×',
        met: ratio.median <= 1.1,
        ...(replicas === 1 ? { goal: 'deploy-wall' as const } : {}),
      });
    }
    // The action's own CPU (its process, reaped: user + system) for an update of the 3-object app.
    const updateCpu = stat(
      runsOf.map((r) => r.cpu.actionUpdate),
      'ms',
    );
    rows.push({
      suite: 'deploy',
      measurement: `${replicas} replicas, update of ${appObjects({ version: '2', replicas }).length} objects: deploy-blue-green CPU`,
      stat: updateCpu,
      target: '≤ 200 ms',
      met: updateCpu.median <= 200,
      ...(replicas === 1 ? { goal: 'cpu' as const } : {}),
    });
    rows.push({
      suite: 'switch',
      measurement: `${replicas} replicas: new color ready → EndpointSlices only new color`,
      stat: stat(
        runsOf.flatMap((r) => (r.switchMs === undefined ? [] : [r.switchMs])),
        'ms',
      ),
    });
    const rollbacks = runsOf.flatMap((r) => (r.rollback ? [r.rollback] : []));
    if (rollbacks.length) {
      const latency = stat(
        rollbacks.map((r) => r.ms),
        'ms',
      );
      const modes = [...new Set(rollbacks.map((r) => r.mode ?? `failed (exit ${r.exitCode})`))].join(', ');
      rows.push({
        suite: 'rollback',
        measurement: `${replicas} replicas: rollback to previous, start → EndpointSlices all old color`,
        stat: latency,
        target: '≤ 1 s (switch mode)',
        met: rollbacks.every((r) => r.exitCode === 0) && latency.median <= 1000,
        note: `mode ${modes}`,
      });
      const spawnToExit = stat(
        rollbacks.map((r) => r.processMs),
        'ms',
      );
      rows.push({
        suite: 'rollback',
        measurement: `${replicas} replicas: rollback to previous, spawn → exit`,
        stat: spawnToExit,
        target: '≤ 0.6 s',
        met: rollbacks.every((r) => r.exitCode === 0) && spawnToExit.median <= 600,
        goal: 'rollback',
      });
    }
  }
  const tables = [
    breakdown(all, sizes, 'first', 'deploy-blue-green, first deploy'),
    breakdown(all, sizes, 'update', 'deploy-blue-green, update (new color + switch)'),
    breakdown(all, sizes, 'rollback', 'rollback to previous'),
  ].filter(Boolean);
  return { rows, skips, raw: all, tables };
}
