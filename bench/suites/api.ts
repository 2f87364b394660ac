// API cost: the requests one first deploy makes (the action's own count, from its job summary), as the
// readiness gate waits longer (minReadySeconds: the count must stay flat: watches, not polling) and as the
// manifests grow (extra ConfigMaps). And concurrency: 20 apps deployed at once, each in its own namespace,
// against one alone: all must succeed and leave no lease held.
import { rmSync } from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { KNOWN, type Kube, type KubeObject } from '@swiss-deploy/kube';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  env,
  settleNamespaces,
  writeManifests,
} from '../lib/cluster';
import { actionMissing, runStep, scratch, summaryFact, type StepRun } from '../lib/step';
import { childrenCpuMs, clusterCpuMs } from '../lib/cpu';
import { stat, type Row, type Skip } from '../lib/stats';

const APP = 'shop';

async function firstDeploy(
  kube: Kube,
  dir: string,
  name: string,
  objects: KubeObject[],
  cleanup: string[],
): Promise<StepRun & { namespace: string }> {
  await settleNamespaces(kube);
  const namespace = await createNamespace(kube, 'bench-api');
  cleanup.push(namespace);
  const manifests = writeManifests(dir, name, objects);
  const run = await runStep({
    action: 'deploy-blue-green',
    inputs: { app: APP, namespace, manifests, timeout: '5m' },
    env: { KUBECONFIG: env('KUBECONFIG') },
    // The manifests input must name a file inside the workspace.
    workspace: dir,
  });
  if (run.exitCode !== 0) throw new Error(`deploy ${name} failed: ${run.errors.join(' | ') || run.stderr}`);
  return { ...run, namespace };
}

function requestsOf(run: StepRun): number {
  return Number(summaryFact(run.summary, 'API requests'));
}

function gateMsOf(run: StepRun): string {
  return summaryFact(run.summary, 'gate time') ?? '?';
}

export async function apiCost(
  waits: number[],
  objectCounts: number[],
  log: (line: string) => void,
): Promise<{ rows: Row[]; skips: Skip[]; raw: unknown }> {
  const missing = actionMissing('deploy-blue-green');
  if (missing) return { rows: [], skips: [{ suite: 'api', reason: missing }], raw: {} };
  const kube = await adminKube();
  const dir = scratch('api');
  const cleanup: string[] = [];
  const rows: Row[] = [];
  const raw: { byWait: unknown[]; byObjects: unknown[] } = { byWait: [], byObjects: [] };
  // Each deploy in a fresh namespace, removed before the next, so one namespace's clean-up never overlaps.
  const cleanupNow = async (): Promise<void> => {
    while (cleanup.length) await deleteNamespace(kube, cleanup.pop() as string);
  };
  try {
    const byWait: number[] = [];
    for (const wait of waits) {
      const run = await firstDeploy(
        kube,
        dir,
        `wait-${wait}`,
        appObjects({ version: '1', minReadySeconds: wait }),
        cleanup,
      );
      const requests = requestsOf(run);
      await cleanupNow();
      byWait.push(requests);
      raw.byWait.push({ minReadySeconds: wait, requests, gate: gateMsOf(run), ms: run.ms });
      log(`  gate wait ${wait}s: ${requests} requests (gate ${gateMsOf(run)})`);
      rows.push({
        suite: 'api',
        measurement: `requests per first deploy, gate waits ${wait}s (minReadySeconds)`,
        stat: stat([requests], ''),
        note: `gate time ${gateMsOf(run)}`,
      });
    }
    const flat = byWait.every((r) => r === byWait[0]);
    rows.push({
      suite: 'api',
      measurement: `requests flat in wait time (${waits.map((w) => `${w}s`).join(', ')})`,
      stat: stat([Math.max(...byWait) - Math.min(...byWait)], 'requests spread'),
      target: 'flat',
      met: flat,
    });
    for (const count of objectCounts) {
      const objects = appObjects({ version: '1', configMaps: count });
      const run = await firstDeploy(kube, dir, `objects-${count}`, objects, cleanup);
      const requests = requestsOf(run);
      await cleanupNow();
      raw.byObjects.push({ objects: objects.length, requests, ms: run.ms });
      log(`  ${objects.length} objects: ${requests} requests`);
      rows.push({
        suite: 'api',
        measurement: `requests per first deploy of ${objects.length} objects`,
        stat: stat([requests], ''),
        note: `${run.ms.toFixed(0)} ms`,
      });
    }
    return { rows, skips: [], raw };
  } finally {
    for (const namespace of cleanup) await deleteNamespace(kube, namespace);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string };
}

export async function concurrency(
  apps: number,
  rounds: number,
  log: (line: string) => void,
): Promise<{ rows: Row[]; skips: Skip[]; raw: unknown }> {
  const missing = actionMissing('deploy-blue-green');
  if (missing) return { rows: [], skips: [{ suite: 'concurrency', reason: missing }], raw: {} };
  const kube = await adminKube();
  const dir = scratch('concurrency');
  const manifests = writeManifests(dir, 'app', appObjects({ version: '1', replicas: 2 }));
  const cleanup: string[] = [];
  const deployTo = (namespace: string): Promise<StepRun> =>
    runStep({
      action: 'deploy-blue-green',
      inputs: { app: APP, namespace, manifests, timeout: '10m' },
      env: { KUBECONFIG: env('KUBECONFIG') },
      workspace: dir,
      timeoutMs: 900_000,
    });
  const single: number[] = [];
  const together: number[] = [];
  const ratios: number[] = [];
  const raw: unknown[] = [];
  const cpu: { one: number; batch: number; cluster: number; clusterOne: number }[] = [];
  let allSucceeded = true;
  let leasesHeld = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      await settleNamespaces(kube);
      const alone = await createNamespace(kube, 'bench-one');
      cleanup.push(alone);
      const kubeconfig = env('KUBECONFIG');
      const [c0, k0] = [childrenCpuMs(), clusterCpuMs(kubeconfig)];
      const one = await deployTo(alone);
      const [c1, k1] = [childrenCpuMs(), clusterCpuMs(kubeconfig)];
      if (one.exitCode !== 0) throw new Error(`the single deploy failed: ${one.errors.join(' | ')}`);
      const namespaces: string[] = [];
      for (let i = 0; i < apps; i++) namespaces.push(await createNamespace(kube, `bench-c${i}`));
      cleanup.push(...namespaces);
      const started = performance.now();
      const results = await Promise.all(namespaces.map(deployTo));
      const wall = performance.now() - started;
      const [c2, k2] = [childrenCpuMs(), clusterCpuMs(kubeconfig)];
      cpu.push({ one: c1 - c0, clusterOne: k1 - k0, batch: c2 - c1, cluster: k2 - k1 });
      const failed = results.filter((r) => r.exitCode !== 0);
      if (failed.length) allSucceeded = false;
      let held = 0;
      for (const namespace of namespaces) {
        const leases = await kube.request<{ items: Lease[] }>('GET', KNOWN.leases(namespace));
        held += leases.items.filter((l) => l.spec?.holderIdentity).length;
      }
      leasesHeld += held;
      single.push(one.ms);
      together.push(wall);
      ratios.push(wall / one.ms);
      raw.push({
        singleMs: one.ms,
        wallMs: wall,
        perDeployMs: results.map((r) => Math.round(r.ms)),
        failed: failed.map((r) => r.errors[0] ?? `exit ${r.exitCode}`),
        leasesHeld: held,
        cpuMs: cpu.at(-1),
      });
      log(
        `  round ${round + 1}: one ${one.ms.toFixed(0)} ms, ${apps} at once ${wall.toFixed(0)} ms, ${failed.length} failed, ` +
          `${held} leases held; CPU ${JSON.stringify(cpu.at(-1))}`,
      );
      for (const namespace of [alone, ...namespaces]) await deleteNamespace(kube, namespace);
    }
  } finally {
    for (const namespace of cleanup) await deleteNamespace(kube, namespace);
    rmSync(dir, { recursive: true, force: true });
  }
  const ratio = stat(ratios, '×');
  return {
    rows: [
      { suite: 'concurrency', measurement: 'one app alone: deploy wall time', stat: stat(single, 'ms') },
      {
        suite: 'concurrency',
        measurement: `${apps} apps at once: wall time`,
        stat: stat(together, 'ms'),
        note: `${allSucceeded ? 'all succeeded' : 'SOME FAILED'}, ${leasesHeld} leases left held`,
      },
      {
        suite: 'concurrency',
        measurement: `${apps} apps at once ÷ one alone`,
        stat: ratio,
        target: '≤ 1.2×, all succeed, no lease held',
        met: allSucceeded && leasesHeld === 0 && ratio.median <= 1.2,
      },
      {
        suite: 'concurrency',
        measurement: `CPU of one deploy: action process + cluster`,
        stat: stat(
          cpu.map((c) => c.one + c.clusterOne),
          'ms',
        ),
        note: `action ${stat(
          cpu.map((c) => c.one),
          'ms',
        ).median.toFixed(0)} ms`,
      },
      {
        suite: 'concurrency',
        measurement: `CPU of ${apps} deploys at once: action processes + cluster`,
        stat: stat(
          cpu.map((c) => c.batch + c.cluster),
          'ms',
        ),
        note: `actions ${stat(
          cpu.map((c) => c.batch),
          'ms',
        ).median.toFixed(0)} ms; on ${os.cpus().length} cores at best ${(
          stat(
            cpu.map((c) => c.batch + c.cluster),
            'ms',
          ).median /
          os.cpus().length /
          1000
        ).toFixed(1)} s wall`,
      },
    ],
    skips: [],
    raw,
  };
}
