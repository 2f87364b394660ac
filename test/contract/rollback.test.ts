// The rollback bundle run as the runner runs it, for everything decided before the cluster is reached.
// The cluster-facing runs are in test/integration/rollback/action.test.ts.
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';

jest.setTimeout(60_000);

const actionDir = path.join(repoRoot, 'actions', 'rollback');

/** No credentials of this machine may leak into these runs. */
const noCluster = { KUBECONFIG: '', HOME: mkdtempSync(path.join(os.tmpdir(), 'home-')) };

describe('rollback before it reaches the cluster', () => {
  it('reports every bad input at once, names each, and writes no output', async () => {
    const { main, post } = await runAction({
      actionDir,
      inputs: { app: 'shop', namespace: 'Prod', to: 'last', 'dry-run': 'maybe', reason: '' },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    const message = main.annotations[0]?.message ?? '';
    expect(message).toContain('4 inputs are invalid');
    expect(message).toContain('Input "namespace" is "Prod": expected a DNS-1123 label');
    expect(message).toContain('Input "to" is "last": expected "previous" or a revision number (1, 2, …)');
    expect(message).toContain('Input "dry-run" is "maybe": expected true or false');
    expect(message).toContain('Input "reason"');
    expect(post?.exitCode).toBe(0);
  });

  it('says where credentials come from when there are none', async () => {
    const { main } = await runAction({
      actionDir,
      inputs: { app: 'shop', namespace: 'prod', reason: 'bad deploy' },
      env: noCluster,
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain('No Kubernetes credentials');
  });
});
