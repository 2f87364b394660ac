// swiss/deploy@v1 as the runner runs it, with one bad input at a time, against a namespace where an app is
// live: each run fails naming the input and the value, and no object's resourceVersion changes (no lock
// taken, nothing applied, no revision written). Smoke checks, kubeconfig and chart inputs are all checked
// before the first request.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Kube } from '@swiss-deploy/kube';
import { runAction } from '../../support/runner';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  requireKwok,
  snapshotNamespace,
} from './cluster';

jest.setTimeout(240_000);

let kube: Kube;
let namespace: string;
const workspace = mkdtempSync(path.join(os.tmpdir(), 'root-bad-'));
const imageRef = `127.0.0.1:5001/shop/web@sha256:${'a'.repeat(64)}`;

beforeAll(async () => {
  requireKwok();
  kube = await adminKube();
  namespace = await createNamespace(kube, 'root-bad');
  // The app is live (deployed by the package directly), so there is state to leave untouched.
  await deploy(kube, namespace, appObjects({ version: '1' }));
  writeFileSync(path.join(workspace, 'values.yaml'), 'replicaCount: 1\n');
});

afterAll(async () => deleteNamespace(kube, namespace));

async function runRoot(inputs: Record<string, string>) {
  return runAction({
    actionDir: repoRoot,
    inputs: { app: 'shop', namespace, 'image-ref': imageRef, 'values-files': 'values.yaml', ...inputs },
    env: { KUBECONFIG: testEnv('KUBECONFIG'), PATH: `${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH}` },
    workspace,
    timeoutMs: 120_000,
  });
}

const badCases: [string, Record<string, string>, RegExp[]][] = [
  [
    'a smoke check with an unknown field',
    { 'smoke-checks': 'checks:\n  - name: home\n    path: /\n    expekt: { status: 200 }\n' },
    [/The smoke-checks input, line 4/, /expekt/],
  ],
  [
    'a smoke check with a regular expression that does not compile',
    { 'smoke-checks': "checks:\n  - name: home\n    path: /\n    expect: { body-matches: '(' }\n" },
    [/The smoke-checks input, line 4/, /not a valid regular expression/],
  ],
  [
    'a kubeconfig that is not one',
    { kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: {' },
    [/kubeconfig/],
  ],
  [
    'a context the kubeconfig does not have',
    { context: 'no-such-context' },
    [/"context"/, /no-such-context/],
  ],
  ['a values file outside the workspace', { 'values-files': '../../etc/hostname' }, [/values-files/]],
  ['a chart version for the built-in chart', { 'chart-version': '1.2.3' }, [/"chart-version" is "1\.2\.3"/]],
  ['a smoke URL with a path', { 'smoke-url': 'http://shop.example.test/v1' }, [/"smoke-url"/, /no path/]],
  [
    'a smoke host header without a smoke URL',
    { 'smoke-host-header': 'shop.example.test' },
    [/"smoke-host-header" is "shop\.example\.test": it applies to smoke-url/],
  ],
  ['a smoke path that is not a path', { 'smoke-path': 'health' }, [/smoke-path/, /health/]],
];

describe('swiss/deploy@v1 with a bad input changes nothing', () => {
  it.each(badCases)('%s', async (_name, inputs, messages) => {
    const before = await snapshotNamespace(kube, namespace);
    const { main } = await runRoot(inputs);
    const errors = main.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect({ exitCode: main.exitCode, errors: errors.length }).toEqual({ exitCode: 1, errors: 1 });
    for (const message of messages) expect(errors[0]).toMatch(message);
    expect(await snapshotNamespace(kube, namespace)).toEqual(before);
    // No revision of the app was rendered into the workspace either: render comes after every check.
    expect(() => readFileSync(path.join(workspace, '.swiss-deploy', 'deploy', 'shop.yaml'))).toThrow();
  });
});
