// Local stand-ins for the three notification receivers, for tests of code that notifies. Each request is
// checked against the receiver's documented format (./schemas.ts) and answered as the service answers:
// Slack `200 ok` (or `400 invalid_payload`), Teams workflows `202` (or `400`), and the generic receiver
// checks the HMAC-SHA256 signature, that the timestamp header and body agree, and that it is recent.
// A test can script answers (429 with Retry-After, 503, …) for the next requests to a path.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  TEAMS_MAX_BYTES,
  adaptiveCardSchema,
  slackMessageSchema,
  teamsWorkflowMessageSchema,
} from './schemas';

export interface ReceivedRequest {
  kind: 'slack' | 'teams' | 'webhook';
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
  /** What the fake answered. */
  status: number;
  receivedAt: number;
}

export interface Violation {
  path: string;
  problem: string;
}

export interface ScriptedAnswer {
  status: number;
  retryAfter?: string;
  /** Hold the answer this long (to trip a client's deadline). */
  delayMs?: number;
}

export interface NotifyFake {
  url: string;
  /** URLs of a Slack incoming webhook, a Teams workflow and the signed receiver on this fake. */
  slackUrl: string;
  teamsUrl: string;
  webhookUrl: string;
  requests: ReceivedRequest[];
  violations: Violation[];
  /** Answers for the next requests to `path`, in order; after them the fake answers normally. */
  script(path: string, answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(adaptiveCardSchema);
const validSlack = ajv.compile(slackMessageSchema);
const validTeams = ajv.compile(teamsWorkflowMessageSchema);

/** How old a signed delivery may be. */
const MAX_AGE_S = 300;

function schemaProblems(validate: typeof validSlack): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
}

export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Checks a signed delivery as a receiver should; returns the reason it is refused, or undefined. */
export function verifySignedDelivery(
  secret: string,
  headers: http.IncomingHttpHeaders,
  body: string,
  now: number = Date.now(),
): string | undefined {
  const signature = headers['x-swiss-deploy-signature'];
  const timestamp = headers['x-swiss-deploy-timestamp'];
  if (typeof signature !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(signature))
    return 'no sha256= signature';
  const expected = Buffer.from(signatureOf(secret, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'the signature does not match';
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp)) return 'no timestamp';
  let parsed: { timestamp?: unknown };
  try {
    parsed = JSON.parse(body) as { timestamp?: unknown };
  } catch {
    return 'the body is not JSON';
  }
  if (parsed.timestamp !== Number(timestamp)) return 'the timestamp header and the body disagree';
  if (Math.abs(now / 1000 - Number(timestamp)) > MAX_AGE_S) return 'the delivery is too old (a replay?)';
  return undefined;
}

export async function startNotifyFake(options: { secret?: string } = {}): Promise<NotifyFake> {
  const requests: ReceivedRequest[] = [];
  const violations: Violation[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const seenDeliveries = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      const body = Buffer.concat(chunks).toString('utf8');
      const kind = path.startsWith('/slack/') ? 'slack' : path.startsWith('/teams/') ? 'teams' : 'webhook';
      const record = (status: number, json: unknown) =>
        requests.push({ kind, path, headers: req.headers, body, json, status, receivedAt: Date.now() });
      const answer = (status: number, text: string, json: unknown, headers: Record<string, string> = {}) => {
        record(status, json);
        res.writeHead(status, { 'content-type': 'text/plain', ...headers });
        res.end(text);
      };
      const violation = (problem: string, status: number, text: string, json: unknown) => {
        violations.push({ path, problem });
        answer(status, text, json);
      };

      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return violation('the body is not JSON', 400, 'invalid_payload', undefined);
      }
      const scripted = scripts.get(path)?.shift();
      if (scripted) {
        const send = () =>
          answer(
            scripted.status,
            'scripted',
            json,
            scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : {},
          );
        if (scripted.delayMs) {
          const timer = setTimeout(() => {
            timers.delete(timer);
            send();
          }, scripted.delayMs);
          timers.add(timer);
        } else send();
        return;
      }
      if (req.method !== 'POST') return violation(`${req.method} instead of POST`, 405, 'method', json);
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
        return violation(`content-type ${req.headers['content-type']}`, 400, 'invalid_payload', json);

      if (kind === 'slack') {
        if (!/^\/slack\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/.test(path))
          return violation('not an incoming-webhook path', 404, 'no_service', json);
        if (!validSlack(json))
          return violation(`Slack: ${schemaProblems(validSlack)}`, 400, 'invalid_blocks', json);
        return answer(200, 'ok', json);
      }
      if (kind === 'teams') {
        if (Buffer.byteLength(body) > TEAMS_MAX_BYTES)
          return violation('Teams: the message is over 28 KB', 413, 'too large', json);
        if (!validTeams(json))
          return violation(`Teams: ${schemaProblems(validTeams)}`, 400, 'Bad Request', json);
        return answer(202, '', json);
      }
      if (!options.secret)
        return violation('no secret configured for the signed receiver', 500, 'fake', json);
      const refused = verifySignedDelivery(options.secret, req.headers, body);
      if (refused) return violation(`webhook: ${refused}`, 401, refused, json);
      const delivery = String(req.headers['x-swiss-deploy-delivery'] ?? '');
      if (!/^[0-9a-f-]{36}$/.test(delivery))
        return violation('webhook: no delivery id', 400, 'delivery', json);
      if (seenDeliveries.has(delivery)) return violation('webhook: delivered twice', 409, 'duplicate', json);
      seenDeliveries.add(delivery);
      return answer(204, '', json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    slackUrl: `${url}/slack/T0SWISS01/B0DEPLOY1/fakeSlackToken0123456789`,
    teamsUrl: `${url}/teams/workflows/0123456789abcdef/triggers/manual/paths/invoke`,
    webhookUrl: `${url}/hooks/deploys`,
    requests,
    violations,
    script: (path, answers) => scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
