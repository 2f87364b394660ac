// The deploy-blue-green and rollback bundles, run as the runner runs them against the kwok cluster, leave
// an events.k8s.io/v1 Event on the app's colored Deployment and push the DORA figures to the real Pushgateway
// (test env component pushgateway); the notification fakes hear the same run.
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Kube, KubeList } from '@swiss-deploy/kube';
import { runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import { startNotifyFake, type NotifyFake } from '../../support/notify-fake';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  requireKwok,
  writeManifests,
} from '../deploy/cluster';

jest.setTimeout(240_000);

interface DeployEvent {
  metadata: { name: string };
  reason: string;
  type: string;
  note: string;
  action: string;
  reportingController: string;
  regarding: { kind: string; name: string; namespace: string };
}

interface PushGroup {
  labels: Record<string, string>;
  [name: string]: unknown;
}

const app = 'telemetry-shop';
let kube: Kube;
let namespace: string;
let fake: NotifyFake;
const pushgateway = testEnv('PUSHGATEWAY_URL');
const workspace = mkdtempSync(path.join(os.tmpdir(), 'telemetry-workspace-'));

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'telemetry');
  fake = await startNotifyFake();
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
  // The test's own group leaves the Pushgateway as it found it.
  const group = await groupOf();
  if (group) await fetch(`${pushgateway}${groupUrlPath()}`, { method: 'DELETE' });
  await fake.close();
});

afterEach(() => expect(fake.violations).toEqual([]));

function groupUrlPath(): string {
  const b64 = (value: string) => Buffer.from(value).toString('base64url');
  return `/metrics/job/swiss_deploy/app@base64/${b64(app)}/namespace@base64/${b64(namespace)}/environment@base64/${b64('staging')}`;
}

async function groupOf(): Promise<PushGroup | undefined> {
  const answer = (await (await fetch(`${pushgateway}/api/v1/metrics`)).json()) as { data: PushGroup[] };
  return answer.data.find((g) => g.labels.job === 'swiss_deploy' && g.labels.namespace === namespace);
}

function sample(group: PushGroup, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = group[name] as { metrics: { labels: Record<string, string>; value: string }[] } | undefined;
  const found = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
  return found === undefined ? undefined : Number(found.value);
}

async function eventsFor(deployment: string): Promise<DeployEvent[]> {
  const list = await kube.request<KubeList<DeployEvent>>(
    'GET',
    `/apis/events.k8s.io/v1/namespaces/${namespace}/events`,
    {
      query: { fieldSelector: `regarding.name=${deployment}` },
    },
  );
  return list.items.filter((e) => e.reportingController === 'swiss-deploy.github.io/deploy');
}

function deploy(version: string) {
  return runAction({
    actionDir: path.join(repoRoot, 'actions', 'deploy-blue-green'),
    workspace,
    inputs: {
      manifests: writeManifests(appObjects({ app, version }), workspace),
      app,
      namespace,
      kubeconfig: readFileSync(testEnv('KUBECONFIG'), 'utf8'),
      environment: 'staging',
      'github-token': '',
      'pushgateway-url': pushgateway,
      notify: `slack ${fake.slackUrl}`,
    },
    env: { KUBECONFIG: '' },
  });
}

describe('deploy telemetry', () => {
  it('a deploy records a DeploySucceeded Event on its colored Deployment and pushes its figures', async () => {
    const { main } = await deploy('1');
    expect(main.exitCode).toBe(0);
    // (No GitHub API here: the Deployment record warns, and only it.)
    const warnings = main.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings.filter((w) => /Event|Pushgateway|notify/.test(w))).toEqual([]);
    const events = await eventsFor(`${app}-blue`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      reason: 'DeploySucceeded',
      type: 'Normal',
      action: 'Deploy',
      regarding: { kind: 'Deployment', name: `${app}-blue`, namespace },
    });
    expect(events[0]!.note).toMatch(/^revision 1; color blue; environment staging; /);

    const group = await groupOf();
    expect(group?.labels).toMatchObject({ job: 'swiss_deploy', app, namespace, environment: 'staging' });
    expect(sample(group!, 'swiss_deploy_deployments_total', { outcome: 'succeeded' })).toBe(1);
    expect(sample(group!, 'swiss_deploy_deployments_total', { outcome: 'failed' })).toBe(0);
    expect(sample(group!, 'swiss_deploy_last_outcome', { outcome: 'succeeded' })).toBe(1);
    expect(sample(group!, 'swiss_deploy_revision')).toBe(1);
    expect(sample(group!, 'swiss_deploy_last_success_timestamp_seconds')).toBeGreaterThan(0);
    expect(sample(group!, 'swiss_deploy_last_duration_seconds')).toBeGreaterThan(0);
    expect(fake.requests.map((r) => r.kind)).toEqual(['slack', 'slack']);
  });

  it('a second deploy counts on from the first, and a rollback records RolledBack and a time to restore', async () => {
    const second = await deploy('2');
    expect(second.main.exitCode).toBe(0);
    expect((await eventsFor(`${app}-green`)).map((e) => e.reason)).toEqual(['DeploySucceeded']);
    let group = await groupOf();
    expect(sample(group!, 'swiss_deploy_deployments_total', { outcome: 'succeeded' })).toBe(2);
    expect(sample(group!, 'swiss_deploy_revision')).toBe(2);

    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'rollback'),
      inputs: {
        app,
        namespace,
        reason: 'telemetry test',
        kubeconfig: readFileSync(testEnv('KUBECONFIG'), 'utf8'),
        environment: 'staging',
        'github-token': '',
        'pushgateway-url': pushgateway,
      },
      env: { KUBECONFIG: '' },
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.color).toBe('blue');
    const blue = await eventsFor(`${app}-blue`);
    const rolledBack = blue.find((e) => e.reason === 'RolledBack');
    expect(rolledBack).toMatchObject({ type: 'Warning', action: 'Rollback' });
    expect(rolledBack!.note).toContain('back to revision 1');

    group = await groupOf();
    expect(sample(group!, 'swiss_deploy_deployments_total', { outcome: 'rolled-back' })).toBe(1);
    expect(sample(group!, 'swiss_deploy_deployments_total', { outcome: 'succeeded' })).toBe(2);
    expect(sample(group!, 'swiss_deploy_change_failures_total')).toBe(1);
    expect(sample(group!, 'swiss_deploy_restores_total')).toBe(1);
    expect(sample(group!, 'swiss_deploy_time_to_restore_seconds')).toBeGreaterThan(0);
    expect(sample(group!, 'swiss_deploy_last_outcome', { outcome: 'rolled-back' })).toBe(1);
  });

  it('an unreachable Pushgateway is a warning, and the deploy still succeeds', async () => {
    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'deploy-blue-green'),
      workspace,
      inputs: {
        manifests: writeManifests(appObjects({ app, version: '3' }), workspace),
        app,
        namespace,
        kubeconfig: readFileSync(testEnv('KUBECONFIG'), 'utf8'),
        'github-token': '',
        'pushgateway-url': 'http://127.0.0.1:9',
      },
      env: { KUBECONFIG: '' },
    });
    expect(main.exitCode).toBe(0);
    const warnings = main.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([
      expect.stringMatching(/^Could not push the deploy metrics of telemetry-shop to the Pushgateway: /),
    ]);
  });
});
