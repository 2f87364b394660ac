import { createHmac, randomUUID } from 'node:crypto';
import { formatDuration } from '@swiss-deploy/kit';
import type { DeployNotice, NotifyEvent, RunLinks } from './types';

const TITLES: Record<NotifyEvent, string> = {
  started: 'started',
  succeeded: 'succeeded',
  failed: 'failed',
  'rolled-back': 'rolled back',
  aborted: 'aborted',
};

/** `shop 42 to prod: succeeded`: the one line every target starts with. */
export function headline(notice: DeployNotice): string {
  const verb =
    notice.action === 'rollback' ? 'Rollback of' : notice.action === 'promote' ? 'Promotion of' : 'Deploy of';
  const where = notice.environment ? `${notice.environment} (${notice.namespace})` : notice.namespace;
  const revision = notice.revision === undefined ? '' : ` revision ${notice.revision}`;
  return `${verb} ${notice.app}${revision} to ${where} ${TITLES[notice.event]}`;
}

/** The facts as label → value, in the order a reader wants them; empty facts are left out. */
export function facts(notice: DeployNotice, links: RunLinks): [string, string][] {
  const rows: [string, string | undefined][] = [
    ['App', notice.app],
    ['Namespace', notice.namespace],
    ['Environment', notice.environment],
    ['Revision', notice.revision === undefined ? undefined : String(notice.revision)],
    ['Color', notice.color],
    ['Images', notice.images.length > 0 ? notice.images.join('\n') : undefined],
    ['Duration', notice.durationMs === undefined ? undefined : formatDuration(notice.durationMs)],
    ['Commit', links.commit?.slice(0, 12)],
    ['Trace', links.traceId],
    ['Details', notice.message],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '');
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Slack's mrkdwn treats &, < and > as control characters; everything else is text. */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An incoming-webhook message: `text` for notifications and clients without blocks, and Block Kit blocks
 * (a header, the facts as section fields, the run link as a button). Limits are Slack's: header 150
 * characters, at most 10 fields of 2000, button URLs of 3000.
 */
export function slackPayload(notice: DeployNotice, links: RunLinks): Record<string, unknown> {
  const title = headline(notice);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, 150), emoji: false } },
    {
      type: 'section',
      fields: facts(notice, links)
        .slice(0, 10)
        .map(([label, value]) => ({ type: 'mrkdwn', text: clip(`*${label}*\n${slackEscape(value)}`, 2000) })),
    },
  ];
  if (links.runUrl && links.runUrl.length <= 3000)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open the run' },
          url: links.runUrl,
          action_id: 'run',
        },
      ],
    });
  const text = links.runUrl ? `${slackEscape(title)} <${links.runUrl}|run>` : slackEscape(title);
  return { text: clip(text, 3000), blocks };
}

const TEAMS_COLORS: Record<NotifyEvent, string> = {
  started: 'Accent',
  succeeded: 'Good',
  failed: 'Attention',
  'rolled-back': 'Warning',
  aborted: 'Warning',
};

/**
 * What a Teams "post to a channel when a webhook request is received" workflow takes: a message whose
 * attachments hold one Adaptive Card (schema 1.4: a title TextBlock, a FactSet, an OpenUrl action).
 */
export function teamsPayload(notice: DeployNotice, links: RunLinks): Record<string, unknown> {
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      {
        type: 'TextBlock',
        text: headline(notice),
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
        color: TEAMS_COLORS[notice.event],
      },
      {
        type: 'FactSet',
        facts: facts(notice, links).map(([title, value]) => ({ title, value: value.replace(/\n/g, ', ') })),
      },
    ],
  };
  if (links.runUrl) card.actions = [{ type: 'Action.OpenUrl', title: 'Open the run', url: links.runUrl }];
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

/** The headers a signed webhook carries; the receiver recomputes the signature over the raw body. */
export const SIGNATURE_HEADER = 'x-swiss-deploy-signature';
export const TIMESTAMP_HEADER = 'x-swiss-deploy-timestamp';
export const DELIVERY_HEADER = 'x-swiss-deploy-delivery';
export const EVENT_HEADER = 'x-swiss-deploy-event';

/** `sha256=<hex>` of HMAC-SHA256(secret, body). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * The generic webhook: a JSON body with every fact, signed over its raw bytes. The body repeats the
 * timestamp header, so a receiver that checks the signature, that both agree and that the time is recent
 * rejects a replayed or re-dated delivery; the delivery id lets it drop duplicates from retries.
 */
export function webhookRequest(
  notice: DeployNotice,
  links: RunLinks,
  secret: string,
  now: Date = new Date(),
): { body: string; headers: Record<string, string> } {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const delivery = randomUUID();
  const body = JSON.stringify({
    schema: 'swiss-deploy/notification/v1',
    delivery,
    timestamp: Number(timestamp),
    event: notice.event,
    action: notice.action,
    title: headline(notice),
    app: notice.app,
    namespace: notice.namespace,
    environment: notice.environment ?? null,
    revision: notice.revision ?? null,
    color: notice.color ?? null,
    images: notice.images,
    message: notice.message ?? null,
    durationMs: notice.durationMs ?? null,
    run: {
      url: links.runUrl ?? null,
      repository: links.repository ?? null,
      commit: links.commit ?? null,
      actor: links.actor ?? null,
    },
    traceId: links.traceId ?? null,
  });
  return {
    body,
    headers: {
      [SIGNATURE_HEADER]: signBody(secret, body),
      [TIMESTAMP_HEADER]: timestamp,
      [DELIVERY_HEADER]: delivery,
      [EVENT_HEADER]: notice.event,
    },
  };
}
