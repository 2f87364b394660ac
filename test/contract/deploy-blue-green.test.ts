// The deploy-blue-green bundle run as the runner runs it, for everything decided before the cluster is
// reached: inputs, manifests, credentials, and a post step with nothing to do. The cluster-facing runs
// are in test/integration/deploy/action.test.ts.
import { copyFileSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';

jest.setTimeout(60_000);

const actionDir = path.join(repoRoot, 'actions', 'deploy-blue-green');

function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-workspace-'));
  const fixtures = path.join(repoRoot, 'test', 'fixtures', 'deploy');
  // Stored as .txt so the formatter leaves the broken YAML broken.
  copyFileSync(path.join(fixtures, 'malformed.yaml.txt'), path.join(dir, 'malformed.yaml'));
  copyFileSync(path.join(fixtures, 'statefulset.yaml'), path.join(dir, 'statefulset.yaml'));
  return dir;
}

/** No credentials of this machine may leak into these runs. */
const noCluster = { KUBECONFIG: '', HOME: mkdtempSync(path.join(os.tmpdir(), 'home-')) };

describe('deploy-blue-green before it reaches the cluster', () => {
  it('reports every bad input at once, names each, and writes no output', async () => {
    const { main } = await runAction({
      actionDir,
      inputs: {
        app: 'Shop_App',
        namespace: 'shop',
        timeout: '10',
        'previous-replicas': 'some',
        promotion: 'later',
      },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    const message = main.annotations[0]?.message ?? '';
    expect(message).toContain('4 inputs are invalid');
    expect(message).toContain('Input "app" is "Shop_App": expected a DNS-1123 label');
    expect(message).toContain(
      'Input "timeout" is "10": expected a duration such as 90s, 5m or 1h30m between 1.0s and 6h 00m (add a unit, e.g. 10s)',
    );
    expect(message).toContain(
      'Input "previous-replicas" is "some": expected "all" or a whole number of replicas',
    );
    expect(message).toContain('Input "promotion" is "later": expected one of "auto", "manual"');
  });

  it('requires manifests to deploy', async () => {
    const { main } = await runAction({
      actionDir,
      inputs: { app: 'shop', namespace: 'shop' },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain('Input "manifests" is required when action is deploy');
  });

  it('annotates malformed YAML on its file and line', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: { app: 'shop', namespace: 'shop', manifests: 'malformed.yaml' },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]).toMatchObject({ level: 'error', file: 'malformed.yaml', line: 5 });
    expect(main.annotations[0]?.message).toMatch(/^malformed\.yaml is not valid YAML at line 5/);
  });

  it('refuses manifests outside the workspace, and a symlink that leads out of it, before any cluster call', async () => {
    const dir = workspace();
    const outside = mkdtempSync(path.join(os.tmpdir(), 'deploy-outside-'));
    copyFileSync(path.join(dir, 'statefulset.yaml'), path.join(outside, 'elsewhere.yaml'));
    symlinkSync(path.join(outside, 'elsewhere.yaml'), path.join(dir, 'link.yaml'));
    for (const manifests of [path.join(outside, 'elsewhere.yaml'), 'link.yaml', '../../../../etc/hostname']) {
      const { main } = await runAction({
        actionDir,
        workspace: dir,
        inputs: { app: 'shop', namespace: 'shop', manifests },
        env: noCluster,
      });
      expect(main.exitCode).toBe(1);
      expect(main.annotations[0]?.message).toMatch(
        new RegExp(
          `^Input "manifests" is "${manifests.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}": it must stay inside the workspace ${dir}`,
        ),
      );
    }
  });

  it('fails on manifests that hold no object, saying nothing would be deployed', async () => {
    const dir = workspace();
    writeFileSync(path.join(dir, 'empty.yaml'), '# rendered nothing\n---\n');
    const { main } = await runAction({
      actionDir,
      workspace: dir,
      inputs: { app: 'shop', namespace: 'shop', manifests: 'empty.yaml' },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toMatch(
      /^The manifests \(empty\.yaml\) hold no Kubernetes objects\./,
    );
  });

  it('refuses a StatefulSet, saying why and what to do', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: { app: 'shop', namespace: 'shop', manifests: 'statefulset.yaml' },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]).toMatchObject({ file: 'statefulset.yaml', line: 1 });
    expect(main.annotations[0]?.message).toContain(
      'StatefulSet/db cannot be deployed blue/green: a StatefulSet keeps stable identities',
    );
    expect(main.annotations[0]?.message).toContain('Remove it from the manifests given to deploy-blue-green');
  });

  it('says where credentials may come from when there are none, and its post step has nothing to release', async () => {
    const dir = workspace();
    copyFileSync(
      path.join(repoRoot, 'test', 'fixtures', 'deploy', 'statefulset.yaml'),
      path.join(dir, 'app.yaml'),
    );
    const { main, post } = await runAction({
      actionDir,
      workspace: dir,
      inputs: { app: 'shop', namespace: 'shop', action: 'promote' },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain(
      'No Kubernetes credentials: the kubeconfig input is empty, KUBECONFIG is not set',
    );
    expect(post?.exitCode).toBe(0);
    expect(post?.log).toContain('No deploy lock to release.');
  });

  it('masks the kubeconfig input and keeps it out of the saved state', async () => {
    const kubeconfig =
      'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n# secret-marker-4711';
    const { main } = await runAction({
      actionDir,
      inputs: { app: 'shop', namespace: 'shop', action: 'abort', kubeconfig },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.masks).toContain('# secret-marker-4711');
    expect(JSON.stringify(main.state)).not.toContain('secret-marker-4711');
    expect(main.log).not.toContain('secret-marker-4711');
    expect(main.annotations[0]?.message).toMatch(/has no current cluster|cannot be read/);
  });

  it('fails within its timeout, naming the server, when the API server accepts and never answers', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const server = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: c, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: u, user: { token: silent-test-token } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n');
    try {
      // The bound is the jest timeout below: a run that hangs fails the test instead of measuring it.
      const { main } = await runAction({
        actionDir,
        inputs: { app: 'shop', namespace: 'shop', action: 'abort', kubeconfig, timeout: '5s' },
        env: noCluster,
        timeoutMs: 25_000,
      });
      expect(main.exitCode).toBe(1);
      expect(main.annotations[0]?.message).toContain(
        `The Kubernetes API server ${server} did not answer POST /apis/coordination.k8s.io/v1/namespaces/shop/leases`,
      );
      expect(main.annotations[0]?.message).toContain('within 5.0s');
      expect(main.log).toContain('Left untouched: everything: nothing had been changed yet');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);
});
