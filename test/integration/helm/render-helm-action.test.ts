// The render-helm bundle run as the runner runs it, with the environment's helm on PATH (reused, not
// downloaded): the built-in chart, an OCI chart from the local registry, and a chart repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadManifests } from '@swiss-deploy/bluegreen';
import { manifestDigest } from '@swiss-deploy/kit';
import { PAYLOADS, commandsFromPayload, runAction } from '../../support/runner';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { DIGEST, IMAGE_REF, envHelmVersion, helmHome, workspaceWithFixtures } from './harness';

jest.setTimeout(120_000);

const actionDir = path.join(repoRoot, 'actions', 'render-helm');
const home = helmHome();
afterAll(() => home.remove());

/** The runner's environment: the env's helm first on PATH, helm's homes private to this file. */
function runnerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: `${testEnv('TOOLS_BIN_DIR')}:${process.env.PATH}`, ...home.env, ...extra };
}

function helm(args: string[], env: Record<string, string> = {}, input?: string): string {
  return execFileSync(testEnv('HELM'), args, {
    env: { ...process.env, ...home.env, ...env },
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
}

describe('render-helm, the bundle', () => {
  it('renders the built-in chart with the example values and hands on manifests, objects, images and digest', async () => {
    const workspace = workspaceWithFixtures();
    const { main } = await runAction({
      actionDir,
      workspace,
      env: runnerEnv(),
      inputs: {
        release: 'shop',
        namespace: 'shop',
        'values-files': 'example-values.yaml',
        'image-ref': IMAGE_REF,
        'helm-version': envHelmVersion(),
      },
    });
    expect(main.annotations).toEqual([]);
    expect(main.exitCode).toBe(0);
    expect(main.log).toContain(`helm ${envHelmVersion()} (preinstalled)`);

    const file = path.join(workspace, '.swiss-deploy', 'render-helm', 'shop.yaml');
    expect(main.outputs.manifests).toBe(file);
    const text = readFileSync(file, 'utf8');
    // The digest a deploy of this file records, so a revision can be traced back to its render.
    const objects = loadManifests([file], workspace).map((m) => m.object);
    expect(text).not.toBe('');
    expect(main.outputs['manifest-digest']).toBe(manifestDigest(objects));
    expect(JSON.parse(main.outputs.images as string)).toEqual([IMAGE_REF]);
    expect(JSON.parse(main.outputs.objects as string)).toEqual(
      expect.arrayContaining([
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'shop-swiss-app' },
        { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'shop-swiss-app' },
        {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          namespace: 'shop',
          name: 'shop-swiss-app',
        },
      ]),
    );
    expect(JSON.parse(main.outputs.objects as string)).toHaveLength(8);
    expect(main.outputs).toMatchObject({ chart: 'swiss-app', 'chart-version': '0.1.0' });

    expect(main.summary).toContain('<h3>Rendered swiss-app 0.1.0</h3>');
    expect(main.summary).toContain('<td>built-in swiss-app</td>');
    expect(main.summary).toContain(`<code>${IMAGE_REF}</code>`);
    expect(main.summary).toContain(`<code>${main.outputs['manifest-digest']}</code>`);
    expect(main.summary).toContain('<td>8</td>');
  });

  it('fails a template error with an annotation on the template file and line', async () => {
    const workspace = workspaceWithFixtures();
    const { main } = await runAction({
      actionDir,
      workspace,
      env: runnerEnv(),
      inputs: { release: 'shop', chart: 'charts/broken', 'helm-version': envHelmVersion() },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    expect(main.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        file: 'charts/broken/templates/configmap.yaml',
        line: 7,
        message: expect.stringContaining('broken/templates/configmap.yaml:7'),
      }),
    ]);
  });

  it('renders a chart pushed to the OCI registry, logging in with the password kept off the command line', async () => {
    const registry = testEnv('REGISTRY');
    const password = testEnv('REGISTRY_PASSWORD');
    const username = testEnv('REGISTRY_USER');
    // Publish the fixture chart as a real helm user does: package, log in, push (over plain http).
    const packages = mkdtempSync(path.join(os.tmpdir(), 'swiss-helm-pkg-'));
    const registryConfig = { HELM_REGISTRY_CONFIG: path.join(packages, 'registry.json') };
    helm(['package', path.join(repoRoot, 'test', 'fixtures', 'helm', 'charts', 'hello'), '-d', packages]);
    helm(
      ['registry', 'login', registry, '-u', username, '--password-stdin', '--plain-http'],
      registryConfig,
      password,
    );
    helm(
      [
        'push',
        path.join(packages, 'hello-1.2.0.tgz'),
        `oci://${registry}/swiss-deploy-test/charts`,
        '--plain-http',
      ],
      registryConfig,
    );

    const workspace = workspaceWithFixtures();
    const { main } = await runAction({
      actionDir,
      workspace,
      env: runnerEnv(),
      inputs: {
        release: 'greeter',
        chart: `oci://${registry}/swiss-deploy-test/charts/hello`,
        version: '1.2.0',
        'registry-username': username,
        'registry-password': password,
        'plain-http': 'true',
        'image-ref': `${registry}/swiss-deploy-test/hello@${DIGEST}`,
        set: 'greeting=hi, there',
        'helm-version': envHelmVersion(),
      },
    });
    expect(main.annotations).toEqual([]);
    expect(main.exitCode).toBe(0);
    expect(main.masks).toContain(password);
    expect(main.log).not.toContain(password);
    expect(main.outputs).toMatchObject({ chart: 'hello', 'chart-version': '1.2.0' });
    expect(JSON.parse(main.outputs.images as string)).toEqual([
      `${registry}/swiss-deploy-test/hello@${DIGEST}`,
    ]);
    const text = readFileSync(main.outputs.manifests as string, 'utf8');
    expect(text).toContain('# Source: hello/templates/deployment.yaml');
    expect(text).toContain('value: "hi, there"');
    expect(main.summary).toContain(`<td>oci://${registry}/swiss-deploy-test/charts/hello</td>`);
  });

  it('says the registry refused the login when the password is wrong', async () => {
    const registry = testEnv('REGISTRY');
    const { main } = await runAction({
      actionDir,
      workspace: workspaceWithFixtures(),
      env: runnerEnv(),
      inputs: {
        release: 'greeter',
        chart: `oci://${registry}/swiss-deploy-test/charts/hello`,
        version: '1.2.0',
        'registry-username': testEnv('REGISTRY_USER'),
        'registry-password': 'not-the-password',
        'plain-http': 'true',
        'helm-version': envHelmVersion(),
      },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toMatch(/^The registry refused the login/);
    expect(main.log).not.toContain('not-the-password');
  });

  it('renders a chart from a chart repository, by name and version', async () => {
    const packages = mkdtempSync(path.join(os.tmpdir(), 'swiss-helm-repo-'));
    helm(['package', path.join(repoRoot, 'test', 'fixtures', 'helm', 'charts', 'hello'), '-d', packages]);
    const server = http.createServer((req, res) => {
      try {
        res.end(readFileSync(path.join(packages, path.basename(req.url ?? ''))));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    helm(['repo', 'index', packages, '--url', url]);
    try {
      const { main } = await runAction({
        actionDir,
        workspace: workspaceWithFixtures(),
        env: runnerEnv(),
        inputs: {
          release: 'greeter',
          chart: url,
          'chart-name': 'hello',
          version: '1.2.0',
          'image-ref': `r.local/hello@${DIGEST}`,
          'helm-version': envHelmVersion(),
        },
      });
      expect(main.annotations).toEqual([]);
      expect(main.outputs).toMatchObject({ chart: 'hello', 'chart-version': '1.2.0' });
      expect(main.summary).toContain(`<td>hello from ${url}</td>`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it.each(PAYLOADS)('issues no workflow command from a Chart.yaml name or version %j', async (payload) => {
    for (const field of ['name', 'version'] as const) {
      const workspace = mkdtempSync(path.join(os.tmpdir(), 'render-injection-'));
      const chart = path.join(workspace, 'chart');
      mkdirSync(path.join(chart, 'templates'), { recursive: true });
      const meta = { apiVersion: 'v2', name: 'hostile', version: '1.0.0', [field]: payload };
      writeFileSync(path.join(chart, 'Chart.yaml'), JSON.stringify(meta));
      writeFileSync(
        path.join(chart, 'templates', 'cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: hostile }\ndata: { a: b }\n',
      );
      const { main } = await runAction({
        actionDir,
        workspace,
        env: runnerEnv(),
        inputs: { release: 'shop', chart: 'chart', 'helm-version': envHelmVersion() },
      });
      // Logged (or refused) as data: whatever the outcome, the runner reads no command from the payload.
      expect({ field, commands: commandsFromPayload(main) }).toEqual({ field, commands: [] });
    }
  });
});
