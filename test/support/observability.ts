// The test environment's Prometheus and Alertmanager as tests use them: an instant query, rule files that
// are written and reloaded, and the webhook receiver Alertmanager posts to, which checks every payload
// against Alertmanager's documented webhook format (version "4") before a test sees it.
import { createServer, type Server } from 'node:http';
import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { testEnv } from './env';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** GET /api/v1/query; fails on anything but status "success" with a vector. */
export async function promQuery(query: string): Promise<PromSample[]> {
  const url = new URL('/api/v1/query', testEnv('PROMETHEUS_URL'));
  url.searchParams.set('query', query);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data?: { resultType: string; result: unknown } };
  if (body.status !== 'success' || body.data?.resultType !== 'vector')
    throw new Error(`query ${query}: ${response.status} ${JSON.stringify(body)}`);
  return body.data.result as PromSample[];
}

async function reloadPrometheus(): Promise<void> {
  const response = await fetch(new URL('/-/reload', testEnv('PROMETHEUS_URL')), {
    method: 'POST',
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new Error(`Prometheus refused the reload: ${response.status} ${await response.text()}`);
}

/** Writes a rule file named after `name` into the rules directory and reloads; returns its removal. */
export async function installRules(name: string, yaml: string): Promise<() => Promise<void>> {
  const file = path.join(testEnv('PROMETHEUS_RULES_DIR'), `${name}.yml`);
  await writeFile(file, yaml);
  await reloadPrometheus();
  return async () => {
    await rm(file, { force: true });
    await reloadPrometheus();
  };
}

/** The alerting rule groups Prometheus has loaded. */
export async function loadedRuleGroups(): Promise<Array<{ name: string; file: string; rules: unknown[] }>> {
  const response = await fetch(new URL('/api/v1/rules', testEnv('PROMETHEUS_URL')), {
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as {
    data: { groups: Array<{ name: string; file: string; rules: unknown[] }> };
  };
  return body.data.groups;
}

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

const isStringMap = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string');

const isTime = (value: unknown): boolean => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/**
 * What is wrong with a webhook body against Alertmanager's documented format (docs: configuration,
 * <webhook_config>): version "4", groupKey, truncatedAlerts, status firing|resolved, receiver, the three label
 * and annotation maps, externalURL, and alerts[] each with status, labels, annotations, startsAt, endsAt
 * (RFC 3339), generatorURL and fingerprint. Empty when it conforms.
 */
export function webhookPayloadProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null) return ['the body is not a JSON object'];
  const b = body as Record<string, unknown>;
  if (b.version !== '4') problems.push(`version is ${JSON.stringify(b.version)}, not "4"`);
  for (const key of ['groupKey', 'receiver', 'externalURL'])
    if (typeof b[key] !== 'string' || b[key] === '') problems.push(`${key} is not a non-empty string`);
  if (typeof b.truncatedAlerts !== 'number') problems.push('truncatedAlerts is not a number');
  if (b.status !== 'firing' && b.status !== 'resolved')
    problems.push(`status is ${JSON.stringify(b.status)}`);
  for (const key of ['groupLabels', 'commonLabels', 'commonAnnotations'])
    if (!isStringMap(b[key])) problems.push(`${key} is not a map of strings`);
  if (!Array.isArray(b.alerts) || b.alerts.length === 0) {
    problems.push('alerts is not a non-empty list');
    return problems;
  }
  b.alerts.forEach((alert: unknown, i) => {
    const a = (alert ?? {}) as Record<string, unknown>;
    if (a.status !== 'firing' && a.status !== 'resolved')
      problems.push(`alerts[${i}].status is ${JSON.stringify(a.status)}`);
    for (const key of ['labels', 'annotations'])
      if (!isStringMap(a[key])) problems.push(`alerts[${i}].${key} is not a map of strings`);
    for (const key of ['startsAt', 'endsAt'])
      if (!isTime(a[key])) problems.push(`alerts[${i}].${key} is not an RFC 3339 time`);
    for (const key of ['generatorURL', 'fingerprint'])
      if (typeof a[key] !== 'string') problems.push(`alerts[${i}].${key} is not a string`);
  });
  return problems;
}

export interface AlertReceiver {
  /** Every payload received so far, each already checked against the documented format. */
  payloads: WebhookPayload[];
  /** Requests that were not a conforming webhook call (wrong method, path, type or body). */
  refused: string[];
  close(): Promise<void>;
}

/** Listens where the environment's Alertmanager delivers (ALERTMANAGER_WEBHOOK_URL) and checks each call. */
export async function startAlertReceiver(): Promise<AlertReceiver> {
  const target = new URL(testEnv('ALERTMANAGER_WEBHOOK_URL'));
  const payloads: WebhookPayload[] = [];
  const refused: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const problems: string[] = [];
      if (request.method !== 'POST') problems.push(`method ${request.method}`);
      if (request.url !== target.pathname) problems.push(`path ${request.url}`);
      if (!/^application\/json\b/.test(request.headers['content-type'] ?? ''))
        problems.push(`content-type ${request.headers['content-type']}`);
      let body: unknown;
      try {
        body = JSON.parse(text);
        problems.push(...webhookPayloadProblems(body));
      } catch {
        problems.push('the body is not JSON');
      }
      if (problems.length > 0) {
        refused.push(problems.join('; '));
        response.writeHead(400).end();
        return;
      }
      payloads.push(body as WebhookPayload);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(target.port), target.hostname, resolve);
  });
  return {
    payloads,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** POST /api/v2/alerts: hands alerts to Alertmanager as Prometheus would. */
export async function postAlerts(
  alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; endsAt?: string }>,
): Promise<void> {
  const response = await fetch(new URL('/api/v2/alerts', testEnv('ALERTMANAGER_URL')), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      alerts.map((a) => ({ annotations: {}, ...a, generatorURL: 'http://127.0.0.1/test' })),
    ),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new Error(`Alertmanager refused the alerts: ${response.status} ${await response.text()}`);
}

/** GET /api/v2/alerts with label matchers (`alertname="x"`). */
export async function activeAlerts(...filters: string[]): Promise<Array<{ labels: Record<string, string> }>> {
  const url = new URL('/api/v2/alerts', testEnv('ALERTMANAGER_URL'));
  for (const filter of filters) url.searchParams.append('filter', filter);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return (await response.json()) as Array<{ labels: Record<string, string> }>;
}
