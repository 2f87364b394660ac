import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { UserError, YamlError, parseYamlDocuments, type ParsedYaml } from '@swiss-deploy/kit';
import type { Finding } from './types';

/**
 * One accepted risk: a finding id, why it is accepted, and until when. Entries never ignore forever:
 * after `expires` the finding counts again and the gate says which entry ran out.
 */
export interface IgnoreEntry {
  id: string;
  reason: string;
  /** The last day (UTC) the entry ignores, `YYYY-MM-DD`. */
  expires: string;
  /** Globs over the finding's file/target, package or object; none means everywhere. */
  paths: readonly string[];
  file: string;
  line: number;
}

const KEYS = new Set(['id', 'reason', 'expires', 'paths']);
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const IGNORE_FILE_EXAMPLE = `ignore:
  - id: CVE-2024-12345
    reason: Not reachable, we never parse untrusted input with it; upgrade planned in #123.
    expires: 2026-12-31
    paths: ["usr/lib/**"]   # optional`;

function isRealDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Parses and validates an ignore file; every problem names the file and line. */
export function parseIgnoreFile(text: string, file: string): IgnoreEntry[] {
  let parsed: ParsedYaml;
  try {
    parsed = parseYamlDocuments(text, { source: file, file: true, version: '1.2' });
  } catch (error) {
    if (!(error instanceof YamlError)) throw error;
    fail(error.line ?? 1, `not valid YAML: ${error.reason}`);
  }
  const { lineCounter } = parsed;
  if (parsed.documents.length > 1)
    fail(parsed.documents[1]!.line, 'not valid YAML: it holds more than one document');
  const doc = parsed.documents[0]?.document;
  function lineAt(node: Node | null | undefined): number {
    return node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  }
  function fail(line: number, problem: string): never {
    throw new UserError(`Ignore file ${file}, line ${line}: ${problem}`, {
      location: { file, line },
      hint: `Each entry needs an id, a reason and an expiry date, e.g.\n${IGNORE_FILE_EXAMPLE}`,
    });
  }

  if (!doc || doc.contents === null) return [];
  if (!isMap(doc.contents))
    fail(lineAt(doc.contents), 'the top level must be a mapping with an "ignore" list');
  const root = doc.contents as unknown as { items: Pair[] };
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'ignore')
      fail(lineAt(pair.key as Node), `unknown key "${key}"; the file holds one key, "ignore"`);
  }
  const list = doc.get('ignore', true) as Node | undefined;
  if (list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) fail(lineAt(list), '"ignore" must be a list of entries');

  const entries: IgnoreEntry[] = [];
  for (const item of (list as unknown as { items: Node[] }).items) {
    const line = lineAt(item);
    if (!isMap(item)) fail(line, 'an entry must be a mapping with id, reason and expires');
    const fields: Record<string, { value: unknown; line: number; node: Node }> = {};
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const keyLine = lineAt(pair.key as Node);
      if (!KEYS.has(key))
        fail(keyLine, `unknown key "${key}"; an entry has id, reason, expires and optional paths`);
      const node = pair.value as Node;
      fields[key] = { value: isScalar(node) ? node.value : node?.toJSON(), line: keyLine, node };
    }
    function text(name: string): string {
      const field = fields[name];
      if (!field || field.value === null || field.value === undefined || String(field.value).trim() === '')
        return fail(field?.line ?? line, `the entry has no ${name}`);
      if (typeof field.value !== 'string' && typeof field.value !== 'number')
        return fail(field.line, `${name} must be text`);
      return String(field.value).trim();
    }
    const id = text('id');
    const reason = text('reason');
    const expires = text('expires');
    if (!isRealDate(expires))
      fail(
        fields.expires?.line ?? line,
        `expires is "${expires}": expected a date as YYYY-MM-DD, e.g. 2026-12-31`,
      );
    let paths: string[] = [];
    const rawPaths = fields.paths;
    if (rawPaths) {
      const value = rawPaths.value;
      if (typeof value === 'string') paths = [value];
      else if (Array.isArray(value) && value.every((p) => typeof p === 'string' && p.trim() !== ''))
        paths = value as string[];
      else fail(rawPaths.line, 'paths must be a list of globs such as "deploy/**" or "usr/lib/**"');
    }
    const duplicate = entries.find((e) => e.id === id && e.paths.join('\n') === paths.join('\n'));
    if (duplicate) fail(line, `a second entry for ${id}; the first is on line ${duplicate.line}`);
    entries.push({ id, reason, expires, paths, file, line });
  }
  return entries;
}

/** The UTC calendar day of a moment, `YYYY-MM-DD`. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** An entry still ignores on its expiry day and stops the day after. */
export function isExpired(entry: IgnoreEntry, now: Date): boolean {
  return utcDay(now) > entry.expires;
}

/** Turns a glob (`*` within a path segment, `**` across segments, `?` one character) into a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function entryMatches(entry: IgnoreEntry, finding: Finding): boolean {
  const id = entry.id.toUpperCase();
  const ids = [finding.ruleId, ...(finding.aliases ?? [])].map((value) => value.toUpperCase());
  if (!ids.includes(id)) return false;
  if (entry.paths.length === 0) return true;
  const subjects = [finding.location.file, finding.pkg?.name, finding.object].filter(
    (value): value is string => Boolean(value),
  );
  return entry.paths.some((glob) => {
    const pattern = globToRegExp(glob.replace(/^\.\//, ''));
    return subjects.some((subject) => pattern.test(subject.replace(/^\.\//, '')));
  });
}
