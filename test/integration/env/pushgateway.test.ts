// The pushgateway component: a push in the text exposition format is served back by the API, and a
// group is deleted again; on loopback only.
import { randomBytes } from 'node:crypto';
import { testEnv } from '../../support/env';

const url = testEnv('PUSHGATEWAY_URL');
const group = `/metrics/job/swiss_deploy_env_test/instance/telemetry-${randomBytes(4).toString('hex')}`;

interface ApiGroup {
  labels: Record<string, string>;
  [name: string]: unknown;
}

async function groups(): Promise<ApiGroup[]> {
  const answer = (await (await fetch(`${url}/api/v1/metrics`)).json()) as {
    status: string;
    data: ApiGroup[];
  };
  expect(answer.status).toBe('success');
  return answer.data;
}

afterAll(async () => {
  await fetch(`${url}${group}`, { method: 'DELETE' });
});

describe('the pushgateway component', () => {
  it('listens on loopback and is ready', async () => {
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect((await fetch(`${url}/-/ready`)).status).toBe(200);
  });

  it('serves back what was pushed, and forgets a deleted group', async () => {
    const body = '# TYPE env_test_pushes_total counter\nenv_test_pushes_total{kind="probe"} 3\n';
    const push = await fetch(`${url}${group}`, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(push.status).toBe(200);
    const instance = group.split('/').pop();
    const pushed = (await groups()).find((g) => g.labels.instance === instance);
    const family = pushed?.env_test_pushes_total as {
      metrics: { labels: Record<string, string>; value: string }[];
    };
    expect(family.metrics).toEqual([
      expect.objectContaining({ labels: expect.objectContaining({ kind: 'probe' }), value: '3' }),
    ]);
    expect((await fetch(`${url}${group}`, { method: 'DELETE' })).status).toBe(202);
    expect((await groups()).find((g) => g.labels.instance === instance)).toBeUndefined();
  });
});
