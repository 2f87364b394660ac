// The tools component's helm: the pinned binary renders a chart offline, values and all.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { pinned, repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import { run, runOk } from './run';

const helm = testEnv('HELM');
const chart = path.join(repoRoot, 'test', 'fixtures', 'env', 'chart');
// helm keeps caches and config under these: a temporary home keeps the test from using or leaving any.
const home = mkdtempSync(path.join(os.tmpdir(), 'swiss-env-helm-'));
const helmEnv = {
  HELM_CACHE_HOME: path.join(home, 'cache'),
  HELM_CONFIG_HOME: path.join(home, 'config'),
  HELM_DATA_HOME: path.join(home, 'data'),
};

afterAll(() => rmSync(home, { recursive: true, force: true }));

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

describe('the helm tool', () => {
  it('is the version versions.env pins', async () => {
    const version = await runOk(helm, ['version', '--template', '{{.Version}}'], { env: helmEnv });
    expect(version.stdout.trim()).toBe(pinned('HELM_VERSION'));
  });

  it('renders the fixture chart with the release, namespace and values given', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const rendered = await runOk(
      helm,
      [
        'template',
        'web',
        chart,
        '--namespace',
        'shop',
        '--set',
        'image.repository=127.0.0.1:5001/shop/web',
        '--set',
        `image.digest=${digest}`,
        '--set',
        'replicas=3',
      ],
      { env: helmEnv },
    );
    const objects = parseAllDocuments(rendered.stdout)
      .map((doc) => doc.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/shop/web',
      'Service/shop/web',
    ]);
    const deployment = objects.find((o) => o.kind === 'Deployment') as K8sObject;
    expect(deployment.spec.replicas).toBe(3);
    const containers = (deployment.spec.template as { spec: { containers: Array<{ image: string }> } }).spec
      .containers;
    expect(containers[0]?.image).toBe(`127.0.0.1:5001/shop/web@${digest}`);
  });

  it('lints the fixture chart clean in strict mode', async () => {
    const lint = await run(helm, ['lint', chart, '--strict'], { env: helmEnv });
    expect(lint.stdout + lint.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(lint.code).toBe(0);
  });

  it("fails with the chart's own message when a required value is empty", async () => {
    const rendered = await run(helm, ['template', 'web', chart, '--set', 'image.repository='], {
      env: helmEnv,
    });
    expect(rendered.code).not.toBe(0);
    expect(rendered.stderr).toContain('image.repository is required');
  });
});
