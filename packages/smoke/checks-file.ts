import {
  parseDocument,
  isMap,
  isScalar,
  isSeq,
  type Node as YamlNode,
  type Document,
  type Pair,
  type YAMLMap,
} from 'yaml';
import {
  UserError,
  YamlError,
  parseDuration,
  parseYamlDocuments,
  registerSecret,
  type ParsedYaml,
  type SourceLocation,
} from '@swiss-deploy/kit';
import { parseJsonPath } from './json-path';
import { closest } from './suggest';
import { redactUrlCredentials, takeUrlCredentials, withUrlAuthorization } from './url-credentials';
import type {
  Check,
  Expectations,
  HeaderExpectation,
  JsonExpectation,
  RetryPolicy,
  StatusRange,
} from './types';

/** What the action's inputs say for every check, before the checks file adds its own. */
export interface CheckDefaults {
  policy: RetryPolicy;
  /** Extra request headers for every check (the `headers` input). */
  headers: Record<string, string>;
  followRedirects: boolean;
  maxRedirects: number;
}

/** The checks, as text with where it came from. */
export interface ChecksSource {
  text: string;
  /** The file, as shown in messages and annotations (relative to the workspace); absent for inline YAML. */
  file?: string;
  /** The input inline YAML came from, as messages name it. Default "checks". */
  input?: string;
}

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const TOP_FIELDS = ['env', 'defaults', 'checks'] as const;

/**
 * Names a checks file may never read: the runner's own credentials and the step's inputs (a kubeconfig,
 * a password) are not the checks file's to send anywhere, whoever wrote it.
 */
export function isReservedEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return RESERVED_ENV_PREFIXES.some((prefix) => upper.startsWith(`${prefix}_`)) || upper === 'GITHUB_TOKEN';
}
const RESERVED_ENV_PREFIXES = ['INPUT', 'ACTIONS', 'RUNNER'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const POLICY_FIELDS = [
  'timeout',
  'retries',
  'interval',
  'consecutive-successes',
  'follow-redirects',
  'max-redirects',
] as const;
const DEFAULT_FIELDS = ['headers', ...POLICY_FIELDS] as const;
const CHECK_FIELDS = [
  'name',
  'method',
  'path',
  'url',
  'headers',
  'body',
  'expect',
  ...POLICY_FIELDS,
] as const;
const EXPECT_FIELDS = ['status', 'body-contains', 'body-matches', 'json', 'headers', 'max-latency'] as const;

/** 2xx and 3xx: what a plain `url` check, and a check without `expect.status`, accepts. */
export const DEFAULT_STATUS: readonly StatusRange[] = [{ min: 200, max: 399, text: '2xx or 3xx' }];

/** Header names whose values are credentials: masked in every log, summary and message. */
export function isSensitiveHeader(name: string): boolean {
  return (
    /^(authorization|proxy-authorization|cookie|set-cookie)$/i.test(name) ||
    /token|secret|key|auth|pass|session/i.test(name)
  );
}

/** Registers header values that are credentials, and the credential after a scheme (`Bearer abc` → `abc`). */
export function maskHeaderSecrets(
  headers: Record<string, string>,
  alsoMask: ReadonlySet<string> = new Set(),
): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!isSensitiveHeader(name) && !alsoMask.has(name.toLowerCase())) continue;
    registerSecret(value);
    const credential = /^\s*[A-Za-z][\w-]*\s+(\S.*)$/.exec(value)?.[1];
    if (credential) registerSecret(credential);
  }
}

/** `200`, `2xx`, `200-299`: one status range, or a reason it is not one. */
export function parseStatusRange(text: string): StatusRange | string {
  const value = text.trim();
  let match: RegExpExecArray | null;
  if ((match = /^([1-5])xx$/i.exec(value))) {
    const first = Number(match[1]) * 100;
    return { min: first, max: first + 99, text: `${match[1]}xx` };
  }
  if ((match = /^(\d{3})$/.exec(value))) {
    const code = Number(match[1]);
    if (code >= 100 && code <= 599) return { min: code, max: code, text: value };
  }
  if ((match = /^(\d{3})\s*-\s*(\d{3})$/.exec(value))) {
    const [min, max] = [Number(match[1]), Number(match[2])];
    if (min >= 100 && max <= 599 && min <= max) return { min, max, text: `${min}-${max}` };
  }
  return `"${value}" is not a status: use a code (200), a class (2xx) or a range (200-299) from 100 to 599`;
}

/** `/pattern/flags` or a bare pattern, as a RegExp, or the reason it does not compile. */
export function parsePattern(text: string): RegExp | string {
  const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
  try {
    return literal ? new RegExp(literal[1] as string, literal[2]) : new RegExp(text);
  } catch (error) {
    return `"${text}" is not a valid regular expression: ${(error as Error).message}`;
  }
}

/** The one check a bare `url` input means: GET it, expect 2xx or 3xx. */
export function urlCheck(url: string, defaults: CheckDefaults): Check {
  return {
    name: url,
    method: 'GET',
    target: url,
    headers: { ...defaults.headers },
    expect: { status: [...DEFAULT_STATUS], bodyContains: [], bodyMatches: [], json: [], headers: [] },
    policy: { ...defaults.policy },
    followRedirects: defaults.followRedirects,
    maxRedirects: defaults.maxRedirects,
  };
}

interface Problem {
  message: string;
  line?: number;
  column?: number;
}

/**
 * Reads the checks file (or inline YAML) into checks, validating everything at once: a YAML error, an
 * unknown field (named, with the closest known one), a value of the wrong kind. Every problem carries
 * its line; all of them are reported in one UserError whose location is the first.
 *
 * The file is either a list of checks, or a mapping with `checks` and optional `env` and `defaults`.
 * `${NAME}` in headers, body, path and url is replaced by the environment variable NAME (`$${` escapes it),
 * but only for a NAME the file declares in `env`: the file is repository content, and the step's
 * environment also holds the runner's tokens and the action's secret inputs. Every expanded value is
 * masked for the rest of the run, as are header values that name a credential.
 */
export function parseChecks(
  source: ChecksSource,
  defaults: CheckDefaults,
  env: NodeJS.ProcessEnv = process.env,
): Check[] {
  const problems: Problem[] = [];
  const where = source.file ? source.file : `The ${source.input ?? 'checks'} input`;
  let parsed: ParsedYaml;
  try {
    parsed = parseYamlDocuments(source.text, { source: where, version: '1.2' });
  } catch (error) {
    if (!(error instanceof YamlError)) throw error;
    throw checksError(where, source, [{ message: error.reason, line: error.line, column: error.column }]);
  }
  const { lineCounter: lines } = parsed;
  if (parsed.documents.length > 1) {
    const second = { message: 'the file holds more than one YAML document', line: parsed.documents[1]!.line };
    throw checksError(where, source, [second]);
  }
  // An empty text has no document; an empty one says "no checks" the same way a `null` would.
  const doc = parsed.documents[0]?.document ?? parseDocument('');

  const at = (node: YamlNode | Pair | null | undefined): { line?: number; column?: number } => {
    const offset = node && 'range' in node ? node.range?.[0] : undefined;
    if (offset === undefined) {
      const keyNode = node && 'key' in node ? (node.key as YamlNode | null) : undefined;
      const keyOffset = keyNode?.range?.[0];
      if (keyOffset === undefined) return {};
      const pos = lines.linePos(keyOffset);
      return { line: pos.line, column: pos.col };
    }
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const problem = (node: YamlNode | Pair | null | undefined, message: string) =>
    problems.push({ message, ...at(node) });

  const root = doc.contents;
  const reader = new FieldReader(problem, env, doc);
  const topFields = isMap(root) ? reader.fields(root, TOP_FIELDS, 'the top level') : undefined;
  reader.declared = declaredEnv(topFields?.get('env'), problem);
  let fileDefaults: YAMLMap | undefined;
  let checkNodes: YamlNode[] = [];
  if (isSeq(root)) {
    checkNodes = root.items as YamlNode[];
  } else if (isMap(root)) {
    const fields = topFields as TopFields;
    const checks = fields.get('checks');
    if (!checks) problem(root, 'the top level has no "checks" list');
    else if (!isSeq(checks.value)) problem(checks.value ?? checks.key, '"checks" must be a list of checks');
    else checkNodes = checks.value.items as YamlNode[];
    const defaultsNode = fields.get('defaults');
    if (defaultsNode) {
      if (isMap(defaultsNode.value)) fileDefaults = defaultsNode.value;
      else problem(defaultsNode.value ?? defaultsNode.key, '"defaults" must be a mapping');
    }
  } else if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    problem(root, 'there are no checks: write a list of checks, or a mapping with a "checks" list');
  } else {
    problem(root, 'the checks must be a list, or a mapping with a "checks" list');
  }

  let base: BaseSettings = {
    headers: { ...defaults.headers },
    fromEnv: new Set(),
    policy: { ...defaults.policy },
    followRedirects: defaults.followRedirects,
    maxRedirects: defaults.maxRedirects,
  };
  if (fileDefaults) {
    reader.context = '"defaults"';
    base = reader.settings(fileDefaults, base, DEFAULT_FIELDS, '"defaults"');
  }
  if (checkNodes.length === 0 && isSeq(root)) problem(root, 'the list of checks is empty');

  const checks: Check[] = [];
  const names = new Map<string, number | undefined>();
  checkNodes.forEach((node, index) => {
    const check = reader.check(node, index, base);
    if (!check) return;
    const line = at(node).line;
    if (names.has(check.name)) {
      const first = names.get(check.name);
      problem(
        node,
        `check name "${check.name}" is used twice${first ? ` (first on line ${first})` : ''}: names must be unique`,
      );
    }
    names.set(check.name, line);
    if (source.file) check.location = { file: source.file, ...at(node) };
    checks.push(check);
  });

  if (problems.length > 0) throw checksError(where, source, problems);
  return checks;
}

type TopFields = Map<string, { key: YamlNode; value: YamlNode | null }>;

/** The `env` list: the only names `${NAME}` may read. Reserved and malformed names are refused here. */
function declaredEnv(field: { key: YamlNode; value: YamlNode | null } | undefined, problem: ProblemSink) {
  const names = new Set<string>();
  if (!field) return names;
  if (!isSeq(field.value)) {
    problem(
      field.value ?? field.key,
      '"env" must be a list of environment variable names, e.g. [SMOKE_TOKEN]',
    );
    return names;
  }
  for (const item of field.value.items as YamlNode[]) {
    const name = isScalar(item) && typeof item.value === 'string' ? item.value : undefined;
    if (name === undefined || !ENV_NAME.test(name)) {
      problem(
        item,
        `"env" lists ${JSON.stringify(isScalar(item) ? item.value : '…')}, which is not an environment variable name`,
      );
    } else if (isReservedEnvName(name)) {
      problem(item, reservedEnvMessage(name, '"env" declares'));
    } else {
      names.add(name);
    }
  }
  return names;
}

function reservedEnvMessage(name: string, who: string): string {
  return (
    `${who} \${${name}}, which a checks file may not read: ` +
    `${RESERVED_ENV_PREFIXES.map((prefix) => `${prefix}_*`).join(', ')} and GITHUB_TOKEN ` +
    "hold the step's inputs and the runner's credentials"
  );
}

function checksError(where: string, source: ChecksSource, problems: Problem[]): UserError {
  const sorted = [...problems].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  const describe = (p: Problem) => (p.line ? `line ${p.line}: ${p.message}` : p.message);
  const first = sorted[0] as Problem;
  const message =
    sorted.length === 1
      ? `${where}, ${describe(first)}.`
      : `${where} has ${sorted.length} problems:\n${sorted.map((p) => `  - ${describe(p)}`).join('\n')}`;
  const location: SourceLocation | undefined = source.file
    ? { file: source.file, line: first.line, column: first.column }
    : undefined;
  return new UserError(message, {
    hint: source.file
      ? `Fix ${source.file}; no request was sent.`
      : `Fix the ${source.input ?? 'checks'} input of the step; no request was sent.`,
    location,
  });
}

interface BaseSettings {
  headers: Record<string, string>;
  /** Lower-cased names of headers whose value came from the environment. */
  fromEnv: Set<string>;
  policy: RetryPolicy;
  followRedirects: boolean;
  maxRedirects: number;
}

type ProblemSink = (node: YamlNode | Pair | null | undefined, message: string) => void;

/** Reads typed values out of YAML nodes, reporting each problem against its node. */
class FieldReader {
  /** What is being read, for messages: `"defaults"` or `check "health"`. */
  context = 'the checks';

  constructor(
    private readonly problem: ProblemSink,
    private readonly env: NodeJS.ProcessEnv,
    private readonly doc: Document,
  ) {}

  /** The names the file's `env` list declares: the only ones `${NAME}` may read. */
  declared: ReadonlySet<string> = new Set();

  /** The pairs of a mapping by key; unknown keys are reported with the closest known one. */
  fields(map: YAMLMap, known: readonly string[], what: string, hint?: (key: string) => string | undefined) {
    const found = new Map<string, { key: YamlNode; value: YamlNode | null }>();
    for (const pair of map.items) {
      const keyNode = pair.key as YamlNode;
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (key === undefined) {
        this.problem(keyNode, `${what} has a key that is not a plain word`);
        continue;
      }
      if (!known.includes(key)) {
        const suggestion = closest(key, known);
        const extra = hint?.(key);
        this.problem(
          keyNode,
          `unknown field "${key}" in ${what}` +
            (extra
              ? `: ${extra}`
              : suggestion
                ? `: did you mean "${suggestion}"?`
                : `; known fields: ${known.join(', ')}`),
        );
        continue;
      }
      found.set(key, { key: keyNode, value: pair.value as YamlNode | null });
    }
    return found;
  }

  scalar(node: YamlNode | null, field: string): string | number | boolean | undefined {
    if (isScalar(node) && node.value !== null && ['string', 'number', 'boolean'].includes(typeof node.value))
      return node.value as string | number | boolean;
    this.problem(node, `"${field}" must be a single value`);
    return undefined;
  }

  string(node: YamlNode | null, field: string): string | undefined {
    const value = this.scalar(node, field);
    return value === undefined ? undefined : String(value);
  }

  integer(node: YamlNode | null, field: string, min: number, max: number): number | undefined {
    const value = this.scalar(node, field);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(
        node,
        `"${field}" is ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`,
      );
      return undefined;
    }
    return value;
  }

  boolean(node: YamlNode | null, field: string): boolean | undefined {
    const value = this.scalar(node, field);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.problem(node, `"${field}" is ${JSON.stringify(value)}: expected true or false`);
      return undefined;
    }
    return value;
  }

  duration(node: YamlNode | null, field: string, minMs = 1, maxMs = 3_600_000): number | undefined {
    const value = this.scalar(node, field);
    if (value === undefined) return undefined;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) {
      const unit = typeof value === 'number' ? ` (add a unit, e.g. ${value}s)` : '';
      this.problem(
        node,
        `"${field}" is ${JSON.stringify(value)}: expected a duration such as 500ms, 10s or 2m${unit}`,
      );
      return undefined;
    }
    if (ms < minMs || ms > maxMs) {
      this.problem(node, `"${field}" is ${value}: expected between ${minMs}ms and ${maxMs / 1000}s`);
      return undefined;
    }
    return ms;
  }

  /** One string or a list of strings. */
  strings(node: YamlNode | null, field: string): string[] {
    if (isSeq(node)) {
      return (node.items as YamlNode[]).flatMap((item) => {
        const value = this.string(item, field);
        return value === undefined ? [] : [value];
      });
    }
    const value = this.string(node, field);
    return value === undefined ? [] : [value];
  }

  /**
   * Replaces `${NAME}` with the environment variable when the file declares NAME in `env`; `$${` stays a
   * literal `${`. The value is masked from here on: it lands in URLs, bodies and headers that are logged.
   */
  expand(node: YamlNode | null, field: string, text: string): { text: string; fromEnv: boolean } {
    let fromEnv = false;
    const expanded = text.replace(/\$(\$?)\{([^}]*)\}/g, (whole, escaped: string, name: string) => {
      if (escaped) return whole.slice(1);
      if (!ENV_NAME.test(name)) {
        this.problem(node, `"${field}" refers to \${${name}}, which is not an environment variable name`);
        return whole;
      }
      if (isReservedEnvName(name)) {
        this.problem(node, reservedEnvMessage(name, `${this.context} "${field}" uses`));
        return whole;
      }
      if (!this.declared.has(name)) {
        this.problem(
          node,
          `${this.context} "${field}" uses \${${name}}, which the file does not declare: add ${name} to its "env" list`,
        );
        return whole;
      }
      const value = this.env[name];
      if (value === undefined) {
        this.problem(node, `"${field}" uses \${${name}}, but the environment variable ${name} is not set`);
        return whole;
      }
      registerSecret(value);
      fromEnv = true;
      return value;
    });
    return { text: expanded, fromEnv };
  }

  headers(node: YamlNode | null, field: string, into: Record<string, string>, fromEnv: Set<string>): void {
    if (!isMap(node)) {
      this.problem(node, `"${field}" must be a mapping of header names to values`);
      return;
    }
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode;
      const name = isScalar(keyNode) ? String(keyNode.value) : '';
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
        this.problem(keyNode, `"${name}" is not a valid header name`);
        continue;
      }
      const raw = this.string(pair.value as YamlNode | null, `${field}.${name}`);
      if (raw === undefined) continue;
      const { text, fromEnv: expanded } = this.expand(pair.value as YamlNode, `${field}.${name}`, raw);
      if (/[\r\n]/.test(text)) {
        this.problem(pair.value as YamlNode, `header "${name}" has a line break in its value`);
        continue;
      }
      // A later source of the same header (any case) replaces the earlier one.
      for (const existing of Object.keys(into))
        if (existing.toLowerCase() === name.toLowerCase()) delete into[existing];
      into[name] = text;
      if (expanded) fromEnv.add(name.toLowerCase());
      else fromEnv.delete(name.toLowerCase());
    }
  }

  /** `defaults` and the policy fields of a check: each given field replaces the inherited value. */
  settings(
    map: YAMLMap,
    inherited: BaseSettings,
    known: readonly string[],
    what: string,
    given?: Map<string, { key: YamlNode; value: YamlNode | null }>,
  ): BaseSettings {
    const fields = given ?? this.fields(map, known, what);
    const result: BaseSettings = {
      headers: { ...inherited.headers },
      fromEnv: new Set(inherited.fromEnv),
      policy: { ...inherited.policy },
      followRedirects: inherited.followRedirects,
      maxRedirects: inherited.maxRedirects,
    };
    const value = (name: string) => fields.get(name)?.value ?? null;
    if (fields.has('headers')) this.headers(value('headers'), 'headers', result.headers, result.fromEnv);
    if (fields.has('timeout'))
      result.policy.timeoutMs =
        this.duration(value('timeout'), 'timeout', 1, 600_000) ?? result.policy.timeoutMs;
    if (fields.has('interval'))
      result.policy.intervalMs =
        this.duration(value('interval'), 'interval', 0, 600_000) ?? result.policy.intervalMs;
    if (fields.has('retries'))
      result.policy.retries = this.integer(value('retries'), 'retries', 0, 1000) ?? result.policy.retries;
    if (fields.has('consecutive-successes'))
      result.policy.consecutiveSuccesses =
        this.integer(value('consecutive-successes'), 'consecutive-successes', 1, 100) ??
        result.policy.consecutiveSuccesses;
    if (fields.has('follow-redirects'))
      result.followRedirects =
        this.boolean(value('follow-redirects'), 'follow-redirects') ?? result.followRedirects;
    if (fields.has('max-redirects'))
      result.maxRedirects =
        this.integer(value('max-redirects'), 'max-redirects', 0, 50) ?? result.maxRedirects;
    return result;
  }

  check(node: YamlNode, index: number, base: BaseSettings): Check | undefined {
    if (!isMap(node)) {
      this.problem(node, `check ${index + 1} must be a mapping with fields such as name, path and expect`);
      return undefined;
    }
    const fields = this.fields(node, CHECK_FIELDS, `check ${index + 1}`, (key) =>
      (EXPECT_FIELDS as readonly string[]).includes(key) && key !== 'headers'
        ? `"${key}" is an expectation: put it under "expect"`
        : undefined,
    );
    const value = (name: string) => fields.get(name)?.value ?? null;
    const givenName = value('name');
    this.context =
      isScalar(givenName) && givenName.value !== null
        ? `check ${JSON.stringify(String(givenName.value))}`
        : `check ${index + 1}`;
    const settings = this.settings(node, base, CHECK_FIELDS, `check ${index + 1}`, fields);

    let method = 'GET';
    if (fields.has('method')) {
      const given = this.string(value('method'), 'method');
      if (given !== undefined) {
        const upper = given.toUpperCase();
        if ((METHODS as readonly string[]).includes(upper)) method = upper;
        else this.problem(value('method'), `"method" is "${given}": expected one of ${METHODS.join(', ')}`);
      }
    }

    let target = '';
    let urlAuthorization: string | undefined;
    if (fields.has('path') && fields.has('url')) {
      this.problem(fields.get('url')?.key, 'a check has "path" or "url", not both');
    } else if (fields.has('path')) {
      const path = this.string(value('path'), 'path');
      if (path !== undefined) {
        target = this.expand(value('path'), 'path', path).text;
        if (!target.startsWith('/')) this.problem(value('path'), `"path" is "${path}": it must start with /`);
      }
    } else if (fields.has('url')) {
      const url = this.string(value('url'), 'url');
      if (url !== undefined) {
        target = this.expand(value('url'), 'url', url).text;
        if (!/^https?:\/\/[^/]/i.test(target) || !URL.canParse(target))
          this.problem(
            value('url'),
            `"url" is "${redactUrlCredentials(url)}": expected an absolute http:// or https:// URL`,
          );
        else ({ url: target, authorization: urlAuthorization } = takeUrlCredentials(target));
      }
    }

    const headers = withUrlAuthorization({ ...settings.headers }, urlAuthorization);
    let body: string | undefined;
    if (fields.has('body')) {
      const bodyNode = value('body');
      if (isMap(bodyNode) || isSeq(bodyNode)) {
        body = JSON.stringify(bodyNode.toJS(this.doc));
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['Content-Type'] = 'application/json';
      } else {
        const text = this.string(bodyNode, 'body');
        if (text !== undefined) body = this.expand(bodyNode, 'body', text).text;
      }
      if (method === 'GET' || method === 'HEAD')
        this.problem(
          fields.get('body')?.key,
          `a ${method} check cannot send a body: set "method" to POST, PUT or PATCH`,
        );
    }

    const expect = fields.has('expect') ? this.expectations(value('expect'), index) : undefined;
    let name = `${method} ${target || '/'}`;
    if (fields.has('name')) name = this.string(value('name'), 'name') ?? name;

    maskHeaderSecrets(headers, settings.fromEnv);
    return {
      name,
      method,
      target,
      headers,
      body,
      expect: expect ?? {
        status: [...DEFAULT_STATUS],
        bodyContains: [],
        bodyMatches: [],
        json: [],
        headers: [],
      },
      policy: settings.policy,
      followRedirects: settings.followRedirects,
      maxRedirects: settings.maxRedirects,
    };
  }

  expectations(node: YamlNode | null, index: number): Expectations {
    const result: Expectations = { status: [], bodyContains: [], bodyMatches: [], json: [], headers: [] };
    if (!isMap(node)) {
      this.problem(node, `"expect" of check ${index + 1} must be a mapping`);
      return { ...result, status: [...DEFAULT_STATUS] };
    }
    const fields = this.fields(node, EXPECT_FIELDS, `"expect" of check ${index + 1}`);
    const value = (name: string) => fields.get(name)?.value ?? null;

    if (fields.has('status')) {
      const statusNode = value('status');
      const items = isSeq(statusNode) ? (statusNode.items as YamlNode[]) : [statusNode];
      for (const item of items) {
        const raw = this.scalar(item, 'status');
        if (raw === undefined) continue;
        const range = parseStatusRange(String(raw));
        if (typeof range === 'string') this.problem(item, range);
        else result.status.push(range);
      }
    }
    if (result.status.length === 0) result.status = [...DEFAULT_STATUS];

    if (fields.has('body-contains'))
      result.bodyContains = this.strings(value('body-contains'), 'body-contains');
    if (fields.has('body-matches')) {
      const patternNode = value('body-matches');
      const items = isSeq(patternNode) ? (patternNode.items as YamlNode[]) : [patternNode];
      for (const item of items) {
        const text = this.string(item, 'body-matches');
        if (text === undefined) continue;
        const pattern = parsePattern(text);
        if (typeof pattern === 'string') this.problem(item, pattern);
        else result.bodyMatches.push(pattern);
      }
    }
    if (fields.has('json')) {
      const jsonNode = value('json');
      if (!isMap(jsonNode)) {
        this.problem(jsonNode, '"json" must map JSON paths to expected values, e.g. $.status: ok');
      } else {
        for (const pair of jsonNode.items) {
          const keyNode = pair.key as YamlNode;
          const path = isScalar(keyNode) ? String(keyNode.value) : '';
          const parsed = parseJsonPath(path);
          if ('error' in parsed) {
            this.problem(keyNode, parsed.error);
            continue;
          }
          const expected: JsonExpectation = {
            path,
            equals: pair.value === null ? null : (pair.value as YamlNode).toJS(this.doc),
          };
          result.json.push(expected);
        }
      }
    }
    if (fields.has('headers')) {
      const headersNode = value('headers');
      if (!isMap(headersNode)) {
        this.problem(
          headersNode,
          '"expect.headers" must map header names to a value, a /pattern/, true or false',
        );
      } else {
        for (const pair of headersNode.items) {
          const keyNode = pair.key as YamlNode;
          const name = isScalar(keyNode) ? String(keyNode.value).toLowerCase() : '';
          const raw = this.scalar(pair.value as YamlNode | null, `expect.headers.${name}`);
          if (raw === undefined) continue;
          const header: HeaderExpectation = { name };
          if (typeof raw === 'boolean') header.present = raw;
          else if (/^\/.*\/[a-z]*$/s.test(String(raw))) {
            const pattern = parsePattern(String(raw));
            if (typeof pattern === 'string') {
              this.problem(pair.value as YamlNode, pattern);
              continue;
            }
            header.matches = pattern;
          } else header.equals = String(raw);
          result.headers.push(header);
        }
      }
    }
    if (fields.has('max-latency'))
      result.maxLatencyMs = this.duration(value('max-latency'), 'max-latency', 1, 600_000);
    return result;
  }
}
