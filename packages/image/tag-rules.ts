import { UserError } from '@swiss-deploy/kit';
import { branchOf, isPullRequest, tagOf } from './event-context';
import type { ComputedTags, EventContext, LatestPolicy, RuleCommon, TagRule } from './types';
import { checkGivenTag } from './validate';

/** The rules used when the `tags` input is left empty, as action.yml spells them. */
export const DEFAULT_TAG_RULES = [
  'type=ref,event=branch',
  'type=ref,event=tag',
  'type=ref,event=pr',
  'type=semver,pattern={{version}}',
  'type=sha',
];

const RULE_ATTRIBUTES: Record<TagRule['type'], readonly string[]> = {
  sha: ['format'],
  ref: ['event'],
  semver: ['pattern', 'value'],
  raw: ['value'],
  schedule: ['pattern'],
};
const COMMON_ATTRIBUTES = ['type', 'enable', 'prefix', 'suffix'];

/** Names usable as `{{name}}` in values, patterns, prefixes, suffixes and `enable`. */
const CONTEXT_EXPRESSIONS = ['branch', 'tag', 'sha', 'base_ref', 'is_default_branch'];
const SEMVER_EXPRESSIONS = ['version', 'major', 'minor', 'patch', 'raw'];

const EXPRESSION = /\{\{\s*([a-z_]+)(?:\s+'([^']*)')?\s*\}\}/g;

/** Splits `a=1,b={{date 'x,y'}}` on the commas that are not inside `{{ }}`. */
function splitAttributes(line: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const pair = line.slice(i, i + 2);
    if (pair === '{{') depth++;
    if (pair === '}}') depth = Math.max(0, depth - 1);
    const char = line[i] as string;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function ruleError(line: string, problem: string): UserError {
  return new UserError(`Input "tags" has the rule "${line}": ${problem}.`, {
    hint:
      'Write one rule per line: type=sha, type=ref,event=branch|tag|pr, type=semver,pattern={{version}}, ' +
      'type=raw,value=<tag>, type=schedule[,pattern=nightly]; each may add enable=, prefix=, suffix=.',
  });
}

function checkExpressions(line: string, value: string, extra: readonly string[] = []): void {
  for (const match of value.matchAll(EXPRESSION)) {
    const name = match[1] as string;
    if (name === 'date') {
      if (match[2] === undefined) throw ruleError(line, `{{date}} needs a format, e.g. {{date 'YYYYMMDD'}}`);
      continue;
    }
    if (!CONTEXT_EXPRESSIONS.includes(name) && !extra.includes(name)) {
      const known = [...CONTEXT_EXPRESSIONS, ...extra, "date 'FORMAT'"].map((n) => `{{${n}}}`).join(', ');
      throw ruleError(line, `{{${name}}} is not known here (known: ${known})`);
    }
  }
}

/**
 * The text the user wrote around `{{ }}` expressions goes into the tag as it is, so it must be tag
 * characters: `bad tag!` is refused, not rewritten. What an expression yields is sanitised later.
 */
function checkLiteralText(line: string, attribute: string, value: string): void {
  const literal = value.replace(EXPRESSION, '');
  const bad = [...new Set(literal.replace(/[A-Za-z0-9_.-]/g, ''))];
  if (bad.length === 0) return;
  throw new UserError(
    `Input "tags" has the rule "${line}", whose ${attribute} "${value}" holds ${bad.map((c) => JSON.stringify(c)).join(', ')}: ` +
      'a tag may hold only letters, digits, "_", "." and "-" ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}).',
    {
      hint: 'Write the tag as it should be pushed; only what {{branch}}, {{tag}} and the other expressions yield is rewritten.',
    },
  );
}

/** True when a rule's tag is written out in full by the user, with no expression in it. */
function isLiteralRule(rule: TagRule): boolean {
  const parts = [rule.common.prefix ?? '', rule.common.suffix ?? '', rule.type === 'raw' ? rule.value : ''];
  return rule.type === 'raw' && parts.every((part) => !new RegExp(EXPRESSION.source).test(part));
}

/** Parses one line of the `tags` input. A line without `type=` is a raw tag, as in `latest` or `stable`. */
export function parseTagRule(line: string): TagRule {
  const shown = line.trim();
  return parseRule(shown.includes('=') ? shown : `type=raw,value=${shown}`, shown);
}

/** `text` is the rule as attributes; messages quote it as the user wrote it (`source`). */
function parseRule(text: string, source: string): TagRule {
  const attributes = new Map<string, string>();
  for (const part of splitAttributes(text)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw ruleError(source, `"${part}" is not key=value`);
    const key = part.slice(0, eq).trim().toLowerCase();
    if (attributes.has(key)) throw ruleError(source, `"${key}" is given twice`);
    attributes.set(key, part.slice(eq + 1).trim());
  }
  const type = attributes.get('type');
  if (type === undefined) throw ruleError(source, 'it has no type=');
  if (!(type in RULE_ATTRIBUTES)) {
    throw ruleError(source, `type "${type}" is not one of ${Object.keys(RULE_ATTRIBUTES).join(', ')}`);
  }
  const allowedKeys = [...COMMON_ATTRIBUTES, ...(RULE_ATTRIBUTES[type as TagRule['type']] ?? [])];
  for (const key of attributes.keys()) {
    if (!allowedKeys.includes(key))
      throw ruleError(source, `type=${type} takes no "${key}" (it takes ${allowedKeys.join(', ')})`);
  }
  const enable = attributes.get('enable') ?? 'true';
  checkExpressions(source, enable);
  if (!/^(true|false)$/.test(enable) && !/^\{\{[^}]+\}\}$/.test(enable)) {
    throw ruleError(source, `enable must be true, false or an expression such as {{is_default_branch}}`);
  }
  const common: RuleCommon = {
    source: text,
    enable,
    prefix: attributes.get('prefix'),
    suffix: attributes.get('suffix'),
  };
  for (const affix of [common.prefix, common.suffix]) if (affix) checkExpressions(source, affix);
  if (common.prefix) checkLiteralText(source, 'prefix', common.prefix);
  if (common.suffix) checkLiteralText(source, 'suffix', common.suffix);

  switch (type) {
    case 'sha': {
      const format = attributes.get('format') ?? 'short';
      if (format !== 'short' && format !== 'long') throw ruleError(source, 'format must be short or long');
      return { type, format, common: { ...common, prefix: common.prefix ?? 'sha-' } };
    }
    case 'ref': {
      const event = attributes.get('event');
      if (event !== 'branch' && event !== 'tag' && event !== 'pr')
        throw ruleError(source, 'event must be branch, tag or pr');
      return { type, event, common: { ...common, prefix: common.prefix ?? (event === 'pr' ? 'pr-' : '') } };
    }
    case 'semver': {
      const pattern = attributes.get('pattern');
      if (!pattern)
        throw ruleError(source, 'it needs a pattern, e.g. pattern={{version}} or {{major}}.{{minor}}');
      checkExpressions(source, pattern, SEMVER_EXPRESSIONS);
      checkLiteralText(source, 'pattern', pattern);
      if (!SEMVER_EXPRESSIONS.some((name) => pattern.includes(`{{${name}}}`)))
        throw ruleError(
          source,
          'the pattern uses none of {{version}}, {{major}}, {{minor}}, {{patch}}, {{raw}}',
        );
      const value = attributes.get('value');
      if (value) checkExpressions(source, value);
      return { type, pattern, value, common };
    }
    case 'raw': {
      const value = attributes.get('value');
      if (!value) throw ruleError(source, 'it needs a value, e.g. value=stable');
      checkExpressions(source, value);
      checkLiteralText(source, 'value', value);
      const rule: TagRule = { type, value, common };
      // A tag the user wrote out in full is pushed as written or refused; a derived one is made valid.
      if (isLiteralRule(rule)) checkGivenTag(source, `${common.prefix ?? ''}${value}${common.suffix ?? ''}`);
      return rule;
    }
    default: {
      const pattern = attributes.get('pattern') ?? 'nightly';
      checkExpressions(source, pattern);
      checkLiteralText(source, 'pattern', pattern);
      return { type: 'schedule', pattern, common };
    }
  }
}

export function parseTagRules(lines: readonly string[]): TagRule[] {
  return lines.map(parseTagRule);
}

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
  build?: string;
  /** As written, e.g. `v1.2.3`. */
  raw: string;
  /** Without the leading `v`: `1.2.3-rc.1`. */
  version: string;
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseSemVer(text: string): SemVer | undefined {
  const match = SEMVER.exec(text.trim());
  if (!match) return undefined;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4],
    build: match[5],
    raw: text.trim(),
    version: text.trim().replace(/^v/, ''),
  };
}

/** `YYYY`, `MM`, `DD`, `HH`, `mm`, `ss` in UTC; other characters are kept. */
export function formatDate(date: Date, format: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const tokens: Record<string, string> = {
    YYYY: String(date.getUTCFullYear()),
    MM: pad(date.getUTCMonth() + 1),
    DD: pad(date.getUTCDate()),
    HH: pad(date.getUTCHours()),
    mm: pad(date.getUTCMinutes()),
    ss: pad(date.getUTCSeconds()),
  };
  return format.replace(/YYYY|MM|DD|HH|mm|ss/g, (token) => tokens[token] as string);
}

function isDefaultBranch(context: EventContext): boolean {
  const branch = branchOf(context.ref);
  return branch !== undefined && branch === context.defaultBranch;
}

function expand(template: string, context: EventContext, semver?: SemVer): string {
  return template.replace(EXPRESSION, (_, name: string, argument: string | undefined) => {
    switch (name) {
      case 'branch':
        return branchOf(context.ref) ?? '';
      case 'tag':
        return tagOf(context.ref) ?? '';
      case 'sha':
        return context.sha.slice(0, 7);
      case 'base_ref':
        return context.baseRef ?? '';
      case 'is_default_branch':
        return String(isDefaultBranch(context));
      case 'date':
        return formatDate(context.now, argument ?? 'YYYYMMDD');
      case 'version':
        return semver?.version ?? '';
      case 'major':
        return semver ? String(semver.major) : '';
      case 'minor':
        return semver ? String(semver.minor) : '';
      case 'patch':
        return semver ? String(semver.patch) : '';
      case 'raw':
        return semver?.raw ?? '';
      default:
        return '';
    }
  });
}

/**
 * Makes text a valid Docker tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. Other characters (the `/` of
 * `feature/login`, the `+` of build metadata) become `-`.
 */
export function sanitizeTag(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

/** What one rule yields for this run: a tag, or nothing and why. */
interface RuleResult {
  tag?: string;
  note?: string;
  /** The rule marks a release, so `latest` may follow it (the `auto` policy). */
  release?: boolean;
  semver?: SemVer;
}

function applyRule(rule: TagRule, context: EventContext): RuleResult {
  const enable = expand(rule.common.enable, context);
  if (enable !== 'true') return { note: `${rule.common.source}: disabled (enable=${enable})` };
  const affix = (value: string, semver?: SemVer) =>
    `${expand(rule.common.prefix ?? '', context, semver)}${value}${expand(rule.common.suffix ?? '', context, semver)}`;

  switch (rule.type) {
    case 'sha':
      return { tag: affix(rule.format === 'long' ? context.sha : context.sha.slice(0, 7)) };
    case 'ref': {
      if (rule.event === 'branch') {
        const branch = branchOf(context.ref);
        return branch ? { tag: affix(branch) } : {};
      }
      if (rule.event === 'tag') {
        const tag = tagOf(context.ref);
        if (!tag) return {};
        return { tag: affix(tag), release: !parseSemVer(tag)?.prerelease };
      }
      if (!isPullRequest(context)) return {};
      if (context.prNumber === undefined)
        return { note: `${rule.common.source}: this pull request event carries no number` };
      return { tag: affix(String(context.prNumber)) };
    }
    case 'semver': {
      const value = rule.value ? expand(rule.value, context) : tagOf(context.ref);
      if (!value) return {};
      const semver = parseSemVer(value);
      if (!semver) return { note: `${rule.common.source}: "${value}" is not a semantic version, so no tag` };
      // A prerelease only gets the tags that name it in full: 1.2.3-rc.1 must not move "1" or "1.2".
      const full = rule.pattern.includes('{{version}}') || rule.pattern.includes('{{raw}}');
      if (semver.prerelease && !full)
        return {
          note: `${rule.common.source}: ${semver.version} is a prerelease, so no partial version tag`,
        };
      // {{major}} alone for 0.x would call every unstable release "0".
      const majorOnly = !full && !rule.pattern.includes('{{minor}}') && !rule.pattern.includes('{{patch}}');
      if (majorOnly && semver.major === 0)
        return { note: `${rule.common.source}: major version 0 gets no major-only tag` };
      return {
        tag: affix(expand(rule.pattern, context, semver), semver),
        release: !semver.prerelease,
        semver,
      };
    }
    case 'raw':
      return { tag: affix(expand(rule.value, context)) };
    case 'schedule':
      if (context.eventName !== 'schedule') return {};
      return { tag: affix(expand(rule.pattern, context)) };
  }
}

/**
 * The tags for this run: each rule that applies to the event yields one; `latest` follows the policy:
 * `auto` adds it only for a release (a tag push that is not a prerelease, through a ref-tag or semver
 * rule), `true` always, `false` never (a `type=raw,value=latest` rule still asks for it explicitly).
 */
export function computeTags(
  rules: readonly TagRule[],
  context: EventContext,
  latest: LatestPolicy = 'auto',
): ComputedTags & { notes: string[] } {
  const tags: string[] = [];
  const notes: string[] = [];
  let release = false;
  let semverVersion: string | undefined;
  for (const rule of rules) {
    const result = applyRule(rule, context);
    if (result.note) notes.push(result.note);
    if (result.tag === undefined) continue;
    const tag = sanitizeTag(result.tag);
    if (tag === '') {
      notes.push(`${rule.common.source}: yields an empty tag here`);
      continue;
    }
    if (result.release) release = true;
    if (result.semver && semverVersion === undefined) semverVersion = result.semver.version;
    if (!tags.includes(tag)) tags.push(tag);
  }
  const wantsLatest = latest === 'true' || (latest === 'auto' && release);
  if (wantsLatest) {
    const at = tags.indexOf('latest');
    if (at >= 0) tags.splice(at, 1);
    tags.push('latest');
  }
  const tagName = tagOf(context.ref);
  const version =
    semverVersion ??
    (tagName ? sanitizeTag(tagName) : undefined) ??
    tags.find((tag) => tag !== 'latest') ??
    context.sha.slice(0, 7);
  return { tags, version, notes };
}
