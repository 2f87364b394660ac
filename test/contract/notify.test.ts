// Notifications from the bundles as the runner runs them: deploy-blue-green, rollback and the root action
// tell Slack, Teams and a signed webhook (local fakes that validate each request against the service's
// documented format) that a run started and how it ended, and a notification never decides the step.
// The cluster is a closed port, so each run fails where it first talks to the API server.
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';
import { startNotifyFake, type NotifyFake } from '../support/notify-fake';
import { KUBECONFIG } from './corpus';

jest.setTimeout(60_000);

const SECRET = 'notify-hmac-canary-2f9d41c7';
const home = { KUBECONFIG: '', HOME: mkdtempSync(path.join(os.tmpdir(), 'home-')) };
let fake: NotifyFake;
beforeAll(async () => (fake = await startNotifyFake({ secret: SECRET })));
beforeEach(() => {
  fake.requests.length = 0;
});
afterEach(() => expect(fake.violations).toEqual([]));
afterAll(() => fake.close());

const targets = () => `slack ${fake.slackUrl}\nteams ${fake.teamsUrl}\nwebhook ${fake.webhookUrl}`;

function eventsOf(kind: 'slack' | 'teams' | 'webhook'): string[] {
  return fake.requests
    .filter((request) => request.kind === kind)
    .map((request) => String(request.headers['x-swiss-deploy-event'] ?? JSON.stringify(request.json)));
}

describe('notifications from the bundles', () => {
  it('deploy-blue-green tells every target it started and failed, and fails for the deploy, not them', async () => {
    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'deploy-blue-green'),
      inputs: {
        app: 'telemetry-shop',
        namespace: 'telemetry',
        action: 'promote',
        kubeconfig: KUBECONFIG,
        environment: '',
        timeout: '5s',
        notify: targets(),
        'notify-secret': SECRET,
      },
      env: home,
    });
    expect(main.exitCode).toBe(1);
    expect(eventsOf('webhook')).toEqual(['started', 'failed']);
    expect(fake.requests.filter((r) => r.kind === 'slack').map((r) => r.status)).toEqual([200, 200]);
    expect(fake.requests.filter((r) => r.kind === 'teams').map((r) => r.status)).toEqual([202, 202]);
    const failed = fake.requests.filter((r) => r.kind === 'webhook')[1]!.json as Record<string, unknown>;
    expect(failed).toMatchObject({
      event: 'failed',
      action: 'promote',
      app: 'telemetry-shop',
      namespace: 'telemetry',
      run: { url: expect.stringMatching(/^https?:\/\/.+\/actions\/runs\/\d+$/) },
    });
    // The URLs and the key are secrets: announced to the runner's masking, never printed.
    for (const secret of [fake.slackUrl, fake.teamsUrl, fake.webhookUrl, SECRET]) {
      expect(main.masks).toContain(secret);
      expect(main.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(secret);
    }
    expect(main.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
  });

  it('a receiver that fails is one warning, and the step fails only for its own reason', async () => {
    fake.script(
      new URL(fake.slackUrl).pathname,
      Array.from({ length: 8 }, () => ({ status: 404 })),
    );
    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'rollback'),
      inputs: {
        app: 'telemetry-shop',
        namespace: 'telemetry',
        reason: 'bad release',
        kubeconfig: KUBECONFIG,
        timeout: '5s',
        notify: `slack ${fake.slackUrl}`,
      },
      env: home,
    });
    expect(main.exitCode).toBe(1);
    const warnings = main.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toContain(
      'Could not notify notify target 1 (slack) of failed after 1 try: HTTP 404 scripted',
    );
    expect(warnings.join('\n')).not.toContain(fake.url);
    expect(main.annotations.filter((a) => a.level === 'error')[0]?.message).not.toMatch(/notify/);
  });

  it('a dry-run rollback tells no one', async () => {
    const { main } = await runAction({
      actionDir: path.join(repoRoot, 'actions', 'rollback'),
      inputs: {
        app: 'telemetry-shop',
        namespace: 'telemetry',
        reason: 'looking',
        'dry-run': 'true',
        kubeconfig: KUBECONFIG,
        timeout: '5s',
        notify: targets(),
        'notify-secret': SECRET,
      },
      env: home,
    });
    expect(main.exitCode).toBe(1);
    expect(fake.requests).toEqual([]);
  });

  it('the root action refuses a bad target before anything, and sends nothing', async () => {
    const { main } = await runAction({
      actionDir: repoRoot,
      inputs: {
        app: 'telemetry-shop',
        namespace: 'telemetry',
        'image-ref': `r.io/shop@sha256:${'b'.repeat(64)}`,
        kubeconfig: KUBECONFIG,
        notify: `slack ${fake.slackUrl}\nwebhook ${fake.webhookUrl}`,
      },
      env: home,
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain(
      'Input "notify-secret" is required when notify has a webhook target',
    );
    expect(fake.requests).toEqual([]);
  });
});
