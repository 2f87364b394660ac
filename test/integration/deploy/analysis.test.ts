// deploy-blue-green with a metric analysis, run as the runner runs it, against the test cluster and the
// environment's real Prometheus: a failing analysis before the switch leaves live traffic where it was; a
// breach in the bake window switches back; a clean bake keeps the new color. Each verdict lands in the
// revision record and the summary. The queries read Prometheus' own series (the kwok pods serve nothing),
// with the ${color} placeholder carried into a label so the summary shows it filled in.
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRevision } from '../../../packages/bluegreen/revisions';
import { KNOWN, type Kube, type Service } from '@swiss-deploy/kube';
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

const actionDir = path.join(repoRoot, 'actions', 'deploy-blue-green');
const workspace = mkdtempSync(path.join(os.tmpdir(), 'analysis-action-workspace-'));
let kube: Kube;
let namespace: string;

const colored = 'label_replace(up{job="prometheus"}, "color", "${color}", "", "")';
const spec = (preview: string, bake: string) =>
  [
    'metrics:',
    '  - name: serving',
    `    query: '${colored}'`,
    `    successCondition: ${preview}`,
    '    count: 2',
    '    interval: 1s',
    '    phases: [preview]',
    '  - name: bake-errors',
    `    query: '${colored}'`,
    `    successCondition: ${bake}`,
    '    interval: 1s',
    '    phases: [bake]',
    '',
  ].join('\n');

async function stableColor(): Promise<string | undefined> {
  const service = await kube.request<Service>('GET', `${KNOWN.services(namespace)}/shop`);
  return service.spec?.selector?.['swiss-deploy/color'];
}

function step(version: string, inputs: Record<string, string>) {
  return runAction({
    actionDir,
    workspace,
    inputs: {
      manifests: writeManifests(appObjects({ version }), workspace),
      app: 'shop',
      namespace,
      ...inputs,
    },
    env: { KUBECONFIG: testEnv('KUBECONFIG') },
  });
}

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'analysis-deploy');
  const first = await step('1', {});
  expect(first.main.exitCode).toBe(0);
  expect(await stableColor()).toBe('blue');
});

afterAll(async () => {
  await deleteNamespace(kube, namespace);
});

describe('deploy-blue-green with a metric analysis', () => {
  it('never moves traffic when the new color fails its analysis before the switch', async () => {
    const { main } = await step('2', {
      analysis: spec('result == 0', 'result == 1'),
      'prometheus-url': testEnv('PROMETHEUS_URL'),
      bake: '5s',
    });
    expect(main.exitCode).not.toBe(0);
    expect(main.annotations.map((a) => a.message).join('\n')).toContain(
      'The preview of revision 2 failed its metric analysis: failed: serving failed (1 failed measurement, failureLimit 0)',
    );
    expect(await stableColor()).toBe('blue');
    expect(main.summary).toContain('Analysis of the new color before the switch: failed');
    expect(main.summary).toContain('label_replace(up{job="prometheus"}, "color", "green", "", "")');
    const record = await readRevision(kube, namespace, 'shop', 2);
    expect(record?.outcome).toBe('aborted');
    expect(record?.analysis?.map((a) => [a.phase, a.verdict])).toEqual([['preview', 'failed']]);
  });

  it('switches back when the bake analysis breaches after the switch, and records why', async () => {
    const { main, post } = await step('3', {
      analysis: spec('result == 1', 'result == 0'),
      'prometheus-url': testEnv('PROMETHEUS_URL'),
      bake: '10s',
    });
    expect(main.exitCode).not.toBe(0);
    expect(main.outputs).toMatchObject({ status: 'rolled-back', color: 'blue' });
    expect(main.annotations.map((a) => a.message).join('\n')).toContain(
      'Revision 3 failed its live bake analysis after the switch: failed: bake-errors failed',
    );
    expect(await stableColor()).toBe('blue');
    expect(main.summary).toContain('Analysis of the new color before the switch: successful');
    expect(main.summary).toContain('Bake analysis after the switch: failed');
    const record = await readRevision(kube, namespace, 'shop', 3);
    expect(record?.analysis?.map((a) => [a.phase, a.verdict])).toEqual([
      ['preview', 'successful'],
      ['bake', 'failed'],
    ]);
    expect(record?.analysis?.[1]?.metrics[0]).toMatchObject({
      name: 'bake-errors',
      verdict: 'failed',
      values: [[1]],
    });
    expect(post?.exitCode).toBe(0);
  });

  it('keeps the new color live when the bake window passes', async () => {
    const { main } = await step('4', {
      analysis: spec('result == 1', 'result == 1'),
      'prometheus-url': testEnv('PROMETHEUS_URL'),
      bake: '3s',
    });
    expect(main.exitCode).toBe(0);
    expect(main.outputs).toMatchObject({ status: 'promoted' });
    const live = await stableColor();
    expect(live).toBe(main.outputs.color);
    expect(main.summary).toContain('Bake analysis after the switch: successful');
    // revision 4 is the switch back of revision 3
    const record = await readRevision(kube, namespace, 'shop', Number(main.outputs.revision));
    expect(record?.revision).toBe(5);
    expect(record?.analysis?.map((a) => [a.phase, a.verdict])).toEqual([
      ['preview', 'successful'],
      ['bake', 'successful'],
    ]);
    expect(record?.analysis?.[1]?.metrics[0]?.values.length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(path.join(actionDir, 'action.yml'), 'utf8')).toContain('bake:');
  });
});
