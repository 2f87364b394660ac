// Helpers for the rollback tests, on top of the deploy tests' cluster helpers: a rollback with a test
// run's identity, what the stable Service selects and serves, and a count of write requests.
import { runRollback } from '@swiss-deploy/bluegreen';
import type { RollbackOptions, RollbackReport } from '../../../packages/bluegreen/types';
import { KNOWN, type Deployment, type Kube, type KubeList, type Pod, type Service } from '@swiss-deploy/kube';
import type { EndpointSlice } from '../../../packages/kube/types';

let runs = 0;

export async function rollback(
  kube: Kube,
  namespace: string,
  overrides: Partial<RollbackOptions> = {},
): Promise<RollbackReport> {
  runs++;
  return runRollback(kube, {
    app: 'shop',
    namespace,
    to: 'previous',
    reason: 'checkout returns 500 since the last deploy',
    timeoutMs: 60_000,
    holder: {
      identity: `swiss/example-app/runs/${7000 + runs}/attempts/1/rollback/${Math.random().toString(16).slice(2, 10)}`,
      repository: 'swiss/example-app',
      runId: String(7000 + runs),
      runAttempt: '1',
    },
    run: {
      repository: 'swiss/example-app',
      actor: 'on-call-alice',
      runUrl: `https://github.com/swiss/example-app/actions/runs/${7000 + runs}`,
    },
    ...overrides,
  });
}

export async function liveColor(kube: Kube, namespace: string): Promise<string | undefined> {
  const service = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
  return service.spec?.selector?.['swiss-deploy/color'];
}

export async function endpointPods(kube: Kube, namespace: string): Promise<string[]> {
  const slices = await kube.request<KubeList<EndpointSlice>>('GET', KNOWN.endpointSlices(namespace), {
    query: { labelSelector: 'kubernetes.io/service-name=shop' },
  });
  return slices.items.flatMap((s) => (s.endpoints ?? []).map((e) => e.targetRef?.name ?? '')).sort();
}

export async function podsOf(kube: Kube, namespace: string, color: string): Promise<string[]> {
  const pods = await kube.request<KubeList<Pod>>('GET', KNOWN.pods(namespace), {
    query: { labelSelector: `swiss-deploy/color=${color}` },
  });
  return pods.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name as string)
    .sort();
}

export async function deployment(kube: Kube, namespace: string, name: string): Promise<Deployment> {
  return kube.request<Deployment>('GET', `${KNOWN.deployments(namespace)}/${name}`);
}

/** Requests that could change something: every verb but GET and WATCH. */
export function writeRequests(kube: Kube): number {
  const counts = kube.requestCounts();
  return ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((sum, verb) => sum + (counts[verb] ?? 0), 0);
}
