// Traffic during a deploy and a rollback, on the real node, through the data plane: requests at a fixed rate
// to the Service's ClusterIP (kube-proxy) and through the Gateway (an HTTPRoute), while deploy-blue-green
// switches to version 2 and `rollback to: previous` switches back. Per step: requests sent and failed, and
// the data-plane switch time — from the stable Service's selector patch (seen on a watch) to the first
// request after which every answer comes from the new color — beside the control-plane switch time (the
// same patch to the EndpointSlices holding only the new color's pods).
import * as http from 'node:http';
import { KNOWN, type Kube, type KubeObject, type Service, type WatchEvent } from '@swiss-deploy/kube';
import { convergedAt, startLoad, type LoadReport } from '../../test/support/load';
import { httpdDeployment } from '../../test/support/real-node';
import { adminKube, createNamespace, deleteNamespace, env, writeManifests } from '../lib/cluster';
import { actionMissing, runStep, scratch } from '../lib/step';
import { stat, type Row, type Skip } from '../lib/stats';

const APP = 'web';
const RATE = 50;

/** busybox httpd answering its version on /, with a Service and an HTTPRoute on the environment's Gateway. */
function app(version: string, host: string): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': APP };
  return [
    httpdDeployment({
      name: APP,
      labels,
      replicas: 2,
      setup: `echo ${version} > /www/index.html`,
      readyPath: '/',
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: APP, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: APP, labels },
      spec: {
        parentRefs: [
          {
            name: env('GATEWAY_NAME'),
            namespace: env('GATEWAY_NAMESPACE'),
            sectionName: env('GATEWAY_LISTENER'),
          },
        ],
        hostnames: [host],
        rules: [{ backendRefs: [{ name: APP, port: 80 }] }],
      },
    },
  ];
}

function get(url: string, host?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: host ? { host } : {}, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body.trim()));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

async function until(what: string, test: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await test().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Wall-clock times the stable Service's selector and its EndpointSlices first showed `color`. */
function watchSwitch(kube: Kube, namespace: string, color: string) {
  const abort = new AbortController();
  const seen: { patchAt?: number; slicesAt?: number } = {};
  void kube
    .watch<Service>(
      KNOWN.services(namespace),
      { fieldSelector: `metadata.name=${APP}` },
      (event: WatchEvent<Service>) => {
        if (event.object.spec?.selector?.['swiss-deploy/color'] === color) seen.patchAt ??= Date.now();
      },
      abort.signal,
    )
    .catch(() => undefined);
  void kube
    .watch<KubeObject & { endpoints?: { targetRef?: { name?: string } }[] }>(
      `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
      { labelSelector: `kubernetes.io/service-name=${APP}` },
      (event) => {
        const pods = (event.object.endpoints ?? []).map((e) => e.targetRef?.name ?? '');
        if (seen.patchAt && pods.length > 0 && pods.every((p) => p.startsWith(`${APP}-${color}-`)))
          seen.slicesAt ??= Date.now();
      },
      abort.signal,
    )
    .catch(() => undefined);
  return { seen, stop: () => abort.abort() };
}

interface StepTraffic {
  step: 'deploy' | 'rollback';
  controlPlaneMs?: number;
  targets: { name: string; sent: number; failed: number; dataPlaneMs?: number }[];
}

async function underLoad(
  kube: Kube,
  namespace: string,
  host: string,
  color: string,
  version: string,
  step: () => Promise<void>,
): Promise<Omit<StepTraffic, 'step'>> {
  const service = await kube.request<Service & { spec: { clusterIP?: string } }>(
    'GET',
    `${KNOWN.services(namespace)}/${APP}`,
  );
  const targets = [
    { name: 'ClusterIP', url: `http://${service.spec.clusterIP}/` },
    { name: 'Gateway', url: `${env('GATEWAY_URL')}/`, headers: { host } },
  ];
  const loads = targets.map((t) => ({
    name: t.name,
    load: startLoad({ url: t.url, headers: t.headers, ratePerSecond: RATE }),
  }));
  const watch = watchSwitch(kube, namespace, color);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  try {
    await step();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  } finally {
    watch.stop();
  }
  const reports: { name: string; report: LoadReport }[] = [];
  for (const { name, load } of loads) reports.push({ name, report: await load.stop() });
  const { patchAt, slicesAt } = watch.seen;
  return {
    controlPlaneMs: patchAt && slicesAt ? slicesAt - patchAt : undefined,
    targets: reports.map(({ name, report }) => {
      const settled = convergedAt(report, version);
      return {
        name,
        sent: report.sent,
        failed: report.failed,
        dataPlaneMs:
          settled !== undefined && patchAt ? Math.max(0, report.startedAt + settled - patchAt) : undefined,
      };
    }),
  };
}

export async function traffic(
  runs: number,
  log: (line: string) => void,
): Promise<{ rows: Row[]; skips: Skip[]; raw: unknown }> {
  const skips: Skip[] = [];
  for (const action of ['deploy-blue-green', 'rollback']) {
    const missing = actionMissing(action);
    if (missing) return { rows: [], skips: [{ suite: 'traffic', reason: missing }], raw: {} };
  }
  const mode = env('KUBE_MODE');
  if (mode !== 'real' && mode !== 'mixed')
    return {
      rows: [],
      skips: [{ suite: 'traffic', reason: `needs a real node, KUBE_MODE is ${mode}` }],
      raw: {},
    };
  const kube = await adminKube();
  const all: StepTraffic[] = [];
  for (let run = 0; run < runs; run++) {
    const namespace = await createNamespace(kube, 'bench-traffic');
    const host = `${APP}.${namespace}.bench.test`;
    const dir = scratch('bench-traffic-');
    const kubeEnv = { KUBECONFIG: env('KUBECONFIG') };
    const deploy = async (version: string) => {
      const result = await runStep({
        action: 'deploy-blue-green',
        inputs: {
          manifests: writeManifests(dir, version, app(version, host)),
          app: APP,
          namespace,
          timeout: '3m',
        },
        env: kubeEnv,
        workspace: dir,
      });
      if (result.exitCode !== 0) throw new Error(`deploy of ${version} failed: ${result.errors.join('; ')}`);
    };
    try {
      await deploy('v1');
      await until(
        'the Gateway to serve v1',
        async () => (await get(`${env('GATEWAY_URL')}/`, host)) === 'v1',
      );
      const deployed = await underLoad(kube, namespace, host, 'green', 'v2', () => deploy('v2'));
      all.push({ step: 'deploy', ...deployed });
      const rolledBack = await underLoad(kube, namespace, host, 'blue', 'v1', async () => {
        const result = await runStep({
          action: 'rollback',
          inputs: { app: APP, namespace, to: 'previous', reason: 'bench', timeout: '3m' },
          env: kubeEnv,
          workspace: dir,
        });
        if (result.exitCode !== 0) throw new Error(`rollback failed: ${result.errors.join('; ')}`);
      });
      all.push({ step: 'rollback', ...rolledBack });
      log(`  traffic run ${run + 1}: ${JSON.stringify(all.slice(-2))}`);
    } finally {
      await deleteNamespace(kube, namespace);
    }
  }

  const rows: Row[] = [];
  for (const step of ['deploy', 'rollback'] as const) {
    const ofStep = all.filter((s) => s.step === step);
    rows.push({
      suite: 'traffic',
      measurement: `${step}: control-plane switch (selector patch → EndpointSlices all new color)`,
      stat: stat(
        ofStep.flatMap((s) => (s.controlPlaneMs === undefined ? [] : [s.controlPlaneMs])),
        'ms',
      ),
    });
    for (const target of ['ClusterIP', 'Gateway']) {
      const of = ofStep.flatMap((s) => s.targets.filter((t) => t.name === target));
      rows.push({
        suite: 'traffic',
        measurement: `${step}: data-plane switch at the ${target} (selector patch → 100 % new color)`,
        stat: stat(
          of.flatMap((t) => (t.dataPlaneMs === undefined ? [] : [t.dataPlaneMs])),
          'ms',
        ),
      });
      const failed = stat(
        of.map((t) => t.failed),
        'requests',
      );
      rows.push({
        suite: 'traffic',
        measurement: `${step}: failed requests at the ${target} (of ~${Math.round(
          stat(
            of.map((t) => t.sent),
            'requests',
          ).median,
        )} sent at ${RATE}/s)`,
        stat: failed,
        target: '0',
        met: failed.max === 0,
      });
    }
  }
  return { rows, skips, raw: all };
}
