import { InputError, parseYaml, registerSecret, YamlError } from '@swiss-deploy/kit';
import { NOTIFY_EVENTS, TARGET_TYPES, type NotifyEvent, type NotifyTarget, type TargetType } from './types';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const MAX_TARGETS = 10;

/**
 * Why a webhook URL is refused, or undefined when it is fine. https:// anywhere; plain http:// only to this
 * machine (a local relay, the test receivers): a webhook URL carries its credential in the path.
 */
function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'its URL is not an absolute URL';
  }
  if (url.username || url.password) return 'its URL holds a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return 'its URL is not https:// (plain http:// is allowed only to localhost)';
}

function eventsOf(value: unknown): NotifyEvent[] | string {
  const items =
    typeof value === 'string'
      ? value.split(',').map((item) => item.trim())
      : Array.isArray(value)
        ? value
        : [];
  if (items.length === 0) return 'its events are empty';
  const events: NotifyEvent[] = [];
  for (const item of items) {
    if (typeof item !== 'string' || !(NOTIFY_EVENTS as readonly string[]).includes(item))
      return `event ${JSON.stringify(String(item)).slice(0, 40)} is not one of ${NOTIFY_EVENTS.join(', ')}`;
    events.push(item as NotifyEvent);
  }
  return events;
}

interface RawTarget {
  type: unknown;
  url: unknown;
  events?: unknown;
}

/** The YAML form: a list of `{ type, url, events }`. */
function rawYamlTargets(text: string): RawTarget[] | string {
  let value: unknown;
  try {
    value = parseYaml(text, { source: 'the notify input', version: '1.2', secret: true });
  } catch (error) {
    if (!(error instanceof YamlError)) throw error;
    return `it is not valid YAML${error.line === undefined ? '' : ` (line ${error.line})`}`;
  }
  if (!Array.isArray(value)) return 'the YAML form is a list of targets';
  const targets: RawTarget[] = [];
  for (const item of value) {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      return 'each target of the YAML form is a mapping with type and url';
    const { type, url, events, ...rest } = item as Record<string, unknown>;
    const unknownKey = Object.keys(rest)[0];
    if (unknownKey !== undefined)
      return `a target has the key ${JSON.stringify(unknownKey.slice(0, 30))}; allowed: type, url, events`;
    targets.push({ type, url, events });
  }
  return targets;
}

/** The line form: `<type> <url> [event,event…]`, one target per line. */
function rawLineTargets(text: string): RawTarget[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [type, url, events, ...rest] = line.split(/\s+/);
      return { type, url, events: rest.length > 0 ? '' : events, extra: rest.length > 0 };
    });
}

/**
 * Parses the `notify` input: one target per line (`slack https://hooks.slack.com/…`), or a YAML list of
 * `{ type, url, events }`. Every URL is registered as a secret before anything else happens, and no
 * message quotes one. `webhook` targets are signed, so they need `notify-secret`.
 */
export function parseNotifyTargets(raw: string | undefined, secret: string | undefined): NotifyTarget[] {
  const text = (raw ?? '').trim();
  if (text === '') return [];
  const first = text.split(/\r?\n/).find((line) => line.trim() !== '' && !line.trim().startsWith('#')) ?? '';
  const yamlForm = /^\s*(-|\[)/.test(first);
  const raws = yamlForm ? rawYamlTargets(text) : rawLineTargets(text);
  const problems: string[] = [];
  const fail = (reason: string) =>
    problems.push(
      `Input "notify" is "***": expected targets as "<type> <url> [events]" lines or a YAML list (${reason}).`,
    );
  if (typeof raws === 'string') {
    fail(raws);
    throw new InputError(problems);
  }
  for (const target of raws) if (typeof target.url === 'string') registerSecret(target.url);
  if (raws.length > MAX_TARGETS) fail(`${raws.length} targets; at most ${MAX_TARGETS}`);
  const targets: NotifyTarget[] = [];
  raws.forEach((target, index) => {
    const where = `target ${index + 1}`;
    if ('extra' in target && target.extra) return fail(`${where} has more than type, URL and events`);
    if (typeof target.type !== 'string' || !(TARGET_TYPES as readonly string[]).includes(target.type))
      return fail(
        `${where} has the type ${JSON.stringify(String(target.type ?? '')).slice(0, 40)}; allowed: ${TARGET_TYPES.join(', ')}`,
      );
    const type = target.type as TargetType;
    if (typeof target.url !== 'string' || target.url === '') return fail(`${where} (${type}) has no URL`);
    const problem = urlProblem(target.url);
    if (problem) return fail(`${where} (${type}): ${problem}`);
    const events =
      target.events === undefined || target.events === '' ? [...NOTIFY_EVENTS] : eventsOf(target.events);
    if (typeof events === 'string') return fail(`${where} (${type}): ${events}`);
    targets.push({ type, url: target.url, events });
  });
  if (problems.length === 0 && !secret && targets.some((target) => target.type === 'webhook'))
    problems.push(
      'Input "notify-secret" is required when notify has a webhook target: expected the HMAC-SHA256 key the receiver checks signatures with.',
    );
  if (problems.length > 0) throw new InputError(problems);
  return targets;
}
