import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  headline,
  signBody,
  slackPayload,
  teamsPayload,
  webhookRequest,
} from '../../../packages/notify/payloads';
import { retryAfterMs } from '../../../packages/notify/deliver';
import type { DeployNotice, RunLinks } from '../../../packages/notify/types';
import {
  adaptiveCardSchema,
  slackMessageSchema,
  teamsWorkflowMessageSchema,
} from '../../support/notify-fake/schemas';
import { verifySignedDelivery } from '../../support/notify-fake';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(adaptiveCardSchema);
const validSlack = ajv.compile(slackMessageSchema);
const validTeams = ajv.compile(teamsWorkflowMessageSchema);

const notice: DeployNotice = {
  event: 'failed',
  action: 'deploy',
  app: 'shop',
  namespace: 'shop-prod',
  environment: 'production',
  revision: 7,
  color: 'green',
  images: [`r.io/shop@sha256:${'a'.repeat(64)}`, `r.io/side@sha256:${'b'.repeat(64)}`],
  message: 'web-green: ImagePullBackOff <script> & co',
  durationMs: 83_000,
};
const links: RunLinks = {
  runUrl: 'https://github.com/swiss/shop/actions/runs/42',
  repository: 'swiss/shop',
  commit: 'c0ffee'.repeat(6),
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

describe('notification payloads', () => {
  it('say what happened in one line', () => {
    expect(headline(notice)).toBe('Deploy of shop revision 7 to production (shop-prod) failed');
    expect(headline({ ...notice, action: 'rollback', event: 'rolled-back', environment: undefined })).toBe(
      'Rollback of shop revision 7 to shop-prod rolled back',
    );
  });

  it('are Slack incoming-webhook messages: text plus blocks, with the run link and the trace id', () => {
    const payload = slackPayload(notice, links);
    expect(validSlack(payload)).toBe(true);
    expect(validSlack.errors ?? []).toEqual([]);
    const text = JSON.stringify(payload);
    expect(text).toContain(links.runUrl);
    expect(text).toContain(links.traceId);
    expect(text).toContain('&lt;script&gt; &amp; co');
    expect(payload.text).toBe(
      `Deploy of shop revision 7 to production (shop-prod) failed <${links.runUrl}|run>`,
    );
  });

  it('keep within Slack limits however long the facts are', () => {
    const payload = slackPayload({ ...notice, app: 'a'.repeat(40), message: 'x'.repeat(5000) }, links);
    expect(validSlack(payload)).toBe(true);
  });

  it('are Teams workflow messages holding one Adaptive Card', () => {
    const payload = teamsPayload(notice, links);
    expect(validTeams(payload)).toBe(true);
    expect(validTeams.errors ?? []).toEqual([]);
    const card = (payload.attachments as { content: { actions: { url: string }[] } }[])[0]!.content;
    expect(card.actions[0]!.url).toBe(links.runUrl);
    expect(JSON.stringify(card)).toContain(links.traceId);
  });

  it('the schemas refuse what the services refuse', () => {
    expect(validSlack({ blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }] })).toBe(false);
    expect(validSlack({ text: 'x', attachments: [] })).toBe(false);
    expect(validTeams({ type: 'message', attachments: [{ contentType: 'text/html', content: {} }] })).toBe(
      false,
    );
    const card = teamsPayload(notice, links);
    (card.attachments as { content: Record<string, unknown> }[])[0]!.content.version = '2.0';
    expect(validTeams(card)).toBe(false);
  });

  it('sign the generic webhook over the raw body, with a timestamp the body repeats', () => {
    const now = new Date('2026-12-03T07:00:00Z');
    const { body, headers } = webhookRequest(notice, links, 'hmac-key-0123456789', now);
    expect(headers['x-swiss-deploy-signature']).toBe(signBody('hmac-key-0123456789', body));
    expect(headers['x-swiss-deploy-timestamp']).toBe(String(now.getTime() / 1000));
    expect(verifySignedDelivery('hmac-key-0123456789', headers, body, now.getTime())).toBeUndefined();
    expect(verifySignedDelivery('another-key', headers, body, now.getTime())).toBe(
      'the signature does not match',
    );
    expect(verifySignedDelivery('hmac-key-0123456789', headers, body, now.getTime() + 600_000)).toMatch(
      /too old/,
    );
    const parsed = JSON.parse(body);
    expect(parsed).toMatchObject({
      event: 'failed',
      app: 'shop',
      environment: 'production',
      revision: 7,
      images: notice.images,
      run: { url: links.runUrl },
      traceId: links.traceId,
    });
  });

  it('read Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Thu, 03 Dec 2026 07:00:05 GMT', Date.parse('2026-12-03T07:00:00Z'))).toBe(5000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
