// Notifications delivered to the receivers' fakes, which check each request against the service's documented
// format (test/support/notify-fake): retries, Retry-After, deadlines, and that a failure only warns.
import { openNotifier } from '../../../packages/notify/notifier';
import type { DeployNotice } from '../../../packages/notify/types';
import { startNotifyFake, type NotifyFake } from '../../support/notify-fake';

const SECRET = 'telemetry-hmac-key-5c1e7a';
let fake: NotifyFake;
beforeAll(async () => (fake = await startNotifyFake({ secret: SECRET })));
beforeEach(() => {
  fake.requests.length = 0;
});
afterEach(() => expect(fake.violations).toEqual([]));
afterAll(() => fake.close());

const notice: DeployNotice = {
  event: 'succeeded',
  action: 'deploy',
  app: 'telemetry-shop',
  namespace: 'telemetry',
  environment: 'staging',
  revision: 3,
  color: 'blue',
  images: [`r.io/shop@sha256:${'c'.repeat(64)}`],
  durationMs: 12_000,
};
const links = { runUrl: 'https://github.com/swiss/shop/actions/runs/9', repository: 'swiss/shop' };
const fast = { attempts: 4, requestTimeoutMs: 500, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 2_000 };

function recorder() {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    warn: (line: string) => warnings.push(line),
    info: (line: string) => infos.push(line),
  };
}

describe('notifications', () => {
  it('reach Slack, Teams and the signed receiver in their documented formats', async () => {
    const log = recorder();
    const notifier = openNotifier({
      notify: `slack ${fake.slackUrl}\nteams ${fake.teamsUrl}\nwebhook ${fake.webhookUrl}`,
      secret: SECRET,
      links,
      delivery: fast,
      ...log,
    });
    await notifier.send(notice);
    expect(log.warnings).toEqual([]);
    expect(fake.requests.map((r) => [r.kind, r.status]).sort()).toEqual([
      ['slack', 200],
      ['teams', 202],
      ['webhook', 204],
    ]);
    const webhook = fake.requests.find((r) => r.kind === 'webhook')!;
    expect(webhook.json).toMatchObject({ event: 'succeeded', app: 'telemetry-shop', revision: 3 });
  });

  it('go only to the targets that want the event', async () => {
    const notifier = openNotifier({
      notify: `slack ${fake.slackUrl} failed\nteams ${fake.teamsUrl} succeeded`,
      links,
      delivery: fast,
      ...recorder(),
    });
    await notifier.send(notice);
    expect(fake.requests.map((r) => r.kind)).toEqual(['teams']);
  });

  it('retry a 429 after its Retry-After and a 503 after a backoff, with the same signed delivery', async () => {
    const path = new URL(fake.webhookUrl).pathname;
    fake.script(path, [{ status: 429, retryAfter: '1' }, { status: 503 }]);
    const log = recorder();
    const waits: number[] = [];
    const notifier = openNotifier({
      notify: `webhook ${fake.webhookUrl}`,
      secret: SECRET,
      links,
      delivery: { ...fast, sleep: async (ms) => void waits.push(ms) },
      ...log,
    });
    await notifier.send(notice);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 503, 204]);
    // The 429's Retry-After (1 s) decided the first wait; the 503 had none, so a backoff capped at 50 ms.
    expect(waits[0]).toBe(1000);
    expect(waits[1]).toBeLessThanOrEqual(50);
    expect(new Set(fake.requests.map((r) => r.headers['x-swiss-deploy-delivery'])).size).toBe(1);
    expect(log.warnings).toEqual([]);
  });

  it('give up on a receiver that refuses for good, with one warning that names no URL', async () => {
    const path = new URL(fake.slackUrl).pathname;
    fake.script(path, [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }]);
    const log = recorder();
    const notifier = openNotifier({ notify: `slack ${fake.slackUrl}`, links, delivery: fast, ...log });
    await notifier.send({ ...notice, event: 'failed' });
    expect(fake.requests).toHaveLength(4);
    expect(log.warnings).toEqual([
      'Could not notify notify target 1 (slack) of failed after 4 tries: HTTP 500 scripted',
    ]);
  });

  it('do not retry a 4xx other than 429', async () => {
    fake.script(new URL(fake.teamsUrl).pathname, [{ status: 400 }]);
    const log = recorder();
    await openNotifier({ notify: `teams ${fake.teamsUrl}`, links, delivery: fast, ...log }).send(notice);
    expect(fake.requests).toHaveLength(1);
    expect(log.warnings[0]).toContain('after 1 try: HTTP 400');
  });

  it('hold each request to its deadline, and a silent receiver only warns', async () => {
    const path = new URL(fake.slackUrl).pathname;
    fake.script(path, [
      { status: 200, delayMs: 2_000 },
      { status: 200, delayMs: 2_000 },
    ]);
    const log = recorder();
    await openNotifier({
      notify: `slack ${fake.slackUrl}`,
      links,
      delivery: { ...fast, attempts: 2, requestTimeoutMs: 200 },
      ...log,
    }).send(notice);
    expect(log.warnings).toEqual([
      'Could not notify notify target 1 (slack) of succeeded after 2 tries: no answer within 200 ms',
    ]);
  });

  it('warn when nothing listens, and go on', async () => {
    const log = recorder();
    await openNotifier({
      notify: 'slack http://127.0.0.1:9/slack/T1/B1/x',
      links,
      delivery: { ...fast, attempts: 1 },
      ...log,
    }).send(notice);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/^Could not notify notify target 1 \(slack\) of succeeded after 1 try: /);
  });
});
