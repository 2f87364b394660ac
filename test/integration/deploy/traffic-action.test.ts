// The deploy-blue-green and rollback bundles with traffic: gateway and strategy: canary, run as the runner
// runs them (Node 24, INPUT_*, file commands, post step) against the kwok cluster and Traefik's Gateway.
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { routeWeights, type HTTPRoute } from '../../../packages/bluegreen/traffic';
import type { Kube, KubeObject } from '@swiss-deploy/kube';
import { runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  requireKwok,
  writeManifests,
} from './cluster';

jest.setTimeout(240_000);

const deployDir = path.join(repoRoot, 'actions', 'deploy-blue-green');
const rollbackDir = path.join(repoRoot, 'actions', 'rollback');
const workspace = mkdtempSync(path.join(os.tmpdir(), 'traffic-action-workspace-'));
let kube: Kube;
let namespace: string;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'traffic-action');
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
});

function objects(version: string): KubeObject[] {
  return appObjects({
    version,
    extra: [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'shop' },
        spec: {
          parentRefs: [
            {
              name: testEnv('GATEWAY_NAME'),
              namespace: testEnv('GATEWAY_NAMESPACE'),
              sectionName: testEnv('GATEWAY_LISTENER'),
            },
          ],
          hostnames: [`${namespace}.swiss-deploy.test`],
          rules: [{ backendRefs: [{ name: 'shop', port: 80 }] }],
        },
      },
    ],
  });
}

async function weights() {
  const route = await kube.request<HTTPRoute>(
    'GET',
    `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes/shop`,
  );
  return routeWeights(route, ['shop'], namespace);
}

const env = () => ({ KUBECONFIG: testEnv('KUBECONFIG') });

describe('traffic and strategy inputs as workflow steps', () => {
  it('deploys through the route, steps a manual canary with step and weight outputs, aborts it, and rolls back', async () => {
    const first = await runAction({
      actionDir: deployDir,
      workspace,
      inputs: {
        manifests: writeManifests(objects('1'), workspace),
        app: 'shop',
        namespace,
        traffic: 'gateway',
      },
      env: env(),
    });
    expect(first.main.exitCode).toBe(0);
    expect(first.main.outputs).toMatchObject({ status: 'succeeded', color: 'blue' });
    expect(first.main.outputs.step).toBeUndefined();
    expect(await weights()).toEqual({ blue: 100, green: 0 });

    const canary = {
      app: 'shop',
      namespace,
      traffic: 'gateway',
      strategy: 'canary',
      steps: '20,100',
      promotion: 'manual',
    };
    const preview = await runAction({
      actionDir: deployDir,
      workspace,
      inputs: { ...canary, manifests: writeManifests(objects('2'), workspace) },
      env: env(),
    });
    expect(preview.main.outputs).toMatchObject({ status: 'preview', step: '0', weight: '0', color: 'blue' });

    const step = await runAction({
      actionDir: deployDir,
      workspace,
      inputs: { ...canary, action: 'promote' },
      env: env(),
    });
    expect(step.main.exitCode).toBe(0);
    expect(step.main.outputs).toMatchObject({ status: 'paused', step: '1', weight: '20', color: 'blue' });
    expect(step.main.summary).toContain('<td>canary weight</td><td>20 % after step 1</td>');
    expect(step.main.summary).toMatch(
      /<td>1<\/td><td>20 %<\/td><td>20 %<\/td><td>weight confirmed<\/td><td>passed<\/td>/,
    );
    expect(await weights()).toEqual({ blue: 80, green: 20 });

    const abort = await runAction({
      actionDir: deployDir,
      workspace,
      inputs: { ...canary, action: 'abort' },
      env: env(),
    });
    expect(abort.main.outputs).toMatchObject({ status: 'aborted', color: 'blue', weight: '0' });
    expect(await weights()).toEqual({ blue: 100, green: 0 });

    const third = await runAction({
      actionDir: deployDir,
      workspace,
      inputs: {
        manifests: writeManifests(objects('3'), workspace),
        app: 'shop',
        namespace,
        traffic: 'gateway',
      },
      env: env(),
    });
    expect(third.main.outputs).toMatchObject({ status: 'succeeded', color: 'green' });
    expect(await weights()).toEqual({ blue: 0, green: 100 });

    const back = await runAction({
      actionDir: rollbackDir,
      workspace,
      inputs: { app: 'shop', namespace, traffic: 'gateway', reason: 'checkout fails since revision 3' },
      env: env(),
    });
    expect(back.main.exitCode).toBe(0);
    expect(back.main.outputs).toMatchObject({ color: 'blue', 'target-revision': '1', mode: 'switch' });
    expect(await weights()).toEqual({ blue: 100, green: 0 });
  });
});
