import { InputError, UserError } from './errors';
import { parseDuration, formatDuration } from './duration';
import { registerSecret } from './secrets';
import { YamlError, parseYaml } from './yaml';

type ParseResult<T> = { ok: true; value: T } | { ok: false; reason?: string };

/** One input of an action.yml: how to read it, what it defaults to, what is allowed. */
export interface InputSpec<T> {
  readonly kind: 'string' | 'boolean' | 'integer' | 'duration' | 'list' | 'enum' | 'yaml';
  readonly required: boolean;
  /** The default exactly as action.yml spells it; parsed by the same rules as user text. */
  readonly default?: string;
  readonly secret: boolean;
  /** What is allowed, worded to finish the sentence "expected …". */
  readonly allowed: string;
  /** Value for an empty, optional input without default. */
  readonly empty: T;
  /** A set of inputs of which at least one must be given (see `input.oneOf`). */
  readonly oneOf?: OneOf;
  parse(raw: string): ParseResult<T>;
}

/**
 * Inputs of which at least one must be given, e.g. a smoke test's url, checks or service. Checked by
 * parseInputs with the other problems, so an action refuses the step before it loads the code that would
 * use them.
 */
export interface OneOf {
  /** Finishes with the inputs' names: `${problem}: "url", "checks" or "service".` */
  readonly problem: string;
}

interface CommonOptions {
  required?: boolean;
  default?: string;
  /** Mask the value in logs and never print it in errors. */
  secret?: boolean;
  oneOf?: OneOf;
}

/** `required` or a `default` makes the value always present; otherwise it may be undefined. */
type Presence<T, O> = O extends { required: true } ? T : O extends { default: string } ? T : T | undefined;

function define<T, O extends CommonOptions>(
  kind: InputSpec<T>['kind'],
  options: O,
  allowed: string,
  parse: (raw: string) => ParseResult<T>,
  empty?: T,
): InputSpec<Presence<T, O>> {
  return {
    kind,
    required: options.required ?? false,
    default: options.default,
    secret: options.secret ?? false,
    allowed,
    empty: empty as Presence<T, O>,
    ...(options.oneOf ? { oneOf: options.oneOf } : {}),
    parse: parse as (raw: string) => ParseResult<Presence<T, O>>,
  };
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const bad = <T>(reason?: string): ParseResult<T> => ({ ok: false, reason });

interface StringOptions extends CommonOptions {
  pattern?: RegExp;
  /** What the pattern means, for the error message ("a DNS-1123 label"). */
  allowed?: string;
  maxLength?: number;
  /**
   * Allow line breaks. A string input is one line unless it says otherwise: names, paths, URLs and
   * versions never hold a line break, and one in a value that is logged or pasted into a file is how
   * workflow commands and YAML get injected. Secret inputs (kubeconfigs, keys) may span lines: they are
   * masked and never printed.
   */
  multiline?: boolean;
}

function string<O extends StringOptions>(options: O = {} as O) {
  const multiline = options.multiline ?? options.secret ?? false;
  const allowed =
    options.allowed ??
    (options.pattern ? `text matching ${options.pattern}` : multiline ? 'any text' : 'one line of text');
  return define<string, O>('string', options, allowed, (raw) => {
    if (!multiline && /[\r\n\u2028\u2029]/.test(raw))
      return bad('it holds a line break; this input takes one line');
    if (options.maxLength !== undefined && raw.length > options.maxLength)
      return bad(`longer than ${options.maxLength} characters`);
    if (options.pattern && !options.pattern.test(raw)) return bad();
    return ok(raw);
  });
}

// The same YAML 1.2 core-schema words the runner's getBooleanInput accepts, nothing looser.
const TRUE_WORDS = new Set(['true', 'True', 'TRUE']);
const FALSE_WORDS = new Set(['false', 'False', 'FALSE']);

function boolean<O extends CommonOptions>(options: O = {} as O) {
  return define<boolean, O>('boolean', options, 'true or false', (raw) => {
    if (TRUE_WORDS.has(raw)) return ok(true);
    if (FALSE_WORDS.has(raw)) return ok(false);
    return bad();
  });
}

interface IntegerOptions extends CommonOptions {
  min?: number;
  max?: number;
}

function integer<O extends IntegerOptions>(options: O = {} as O) {
  const { min, max } = options;
  const allowed =
    min !== undefined && max !== undefined
      ? `a whole number from ${min} to ${max}`
      : min !== undefined
        ? `a whole number ≥ ${min}`
        : max !== undefined
          ? `a whole number ≤ ${max}`
          : 'a whole number';
  return define<number, O>('integer', options, allowed, (raw) => {
    if (!/^-?\d+$/.test(raw)) return bad();
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) return bad('too large');
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) return bad();
    return ok(value);
  });
}

interface DurationOptions extends CommonOptions {
  /** Bounds as durations (`1s`, `6h`). */
  min?: string;
  max?: string;
}

/** Parsed to milliseconds. */
function duration<O extends DurationOptions>(options: O = {} as O) {
  const min = options.min === undefined ? undefined : parseDuration(options.min);
  const max = options.max === undefined ? undefined : parseDuration(options.max);
  let allowed = 'a duration such as 90s, 5m or 1h30m';
  if (min !== undefined && max !== undefined)
    allowed += ` between ${formatDuration(min)} and ${formatDuration(max)}`;
  else if (min !== undefined) allowed += ` of at least ${formatDuration(min)}`;
  else if (max !== undefined) allowed += ` of at most ${formatDuration(max)}`;
  return define<number, O>('duration', options, allowed, (raw) => {
    const ms = parseDuration(raw);
    if (ms === undefined)
      return bad(/^\d+$/.test(raw.trim()) ? `add a unit, e.g. ${raw.trim()}s` : undefined);
    if ((min !== undefined && ms < min) || (max !== undefined && ms > max)) return bad();
    return ok(ms);
  });
}

interface ListOptions extends CommonOptions {
  /**
   * `newline-or-comma` (default) splits on both; `newline` keeps commas inside items, for values such as
   * `--set a={x,y}` or build args that contain commas.
   */
  separator?: 'newline-or-comma' | 'newline';
  /** Each item must satisfy this; return a reason when it does not. */
  item?: (item: string) => string | undefined;
  itemAllowed?: string;
}

/** Always an array: an absent list is empty. Blank lines and lines starting with `#` are skipped. */
function list<O extends ListOptions>(options: O = {} as O) {
  const separator = options.separator ?? 'newline-or-comma';
  const allowed =
    (separator === 'newline' ? 'one item per line' : 'items separated by newlines or commas') +
    (options.itemAllowed ? `, each ${options.itemAllowed}` : '');
  const spec = define<string[], O>(
    'list',
    options,
    allowed,
    (raw) => {
      const items = raw
        .split(/\r?\n/)
        .filter((line) => !line.trim().startsWith('#'))
        .flatMap((line) => (separator === 'newline' ? [line] : line.split(',')))
        .map((item) => item.trim())
        .filter((item) => item !== '');
      if (options.item) {
        for (const item of items) {
          const reason = options.item(item);
          if (reason !== undefined) return bad(`item "${item}" ${reason}`);
        }
      }
      return ok(items);
    },
    [],
  );
  return spec as InputSpec<string[]>;
}

function enumeration<const V extends readonly string[], O extends CommonOptions>(
  values: V,
  options: O = {} as O,
) {
  const allowed = `one of ${values.map((v) => `"${v}"`).join(', ')}`;
  return define<V[number], O>('enum', options, allowed, (raw) => {
    const match = values.find((value) => value.toLowerCase() === raw.toLowerCase());
    return match === undefined ? bad() : ok(match as V[number]);
  });
}

interface YamlOptions extends CommonOptions {
  /** The shape the document must have at its top. */
  shape?: 'object' | 'array' | 'any';
}

/** YAML or JSON (JSON is YAML); errors give the line and column. */
function yaml<O extends YamlOptions>(options: O = {} as O) {
  const shape = options.shape ?? 'any';
  const allowed =
    shape === 'object'
      ? 'a YAML or JSON mapping'
      : shape === 'array'
        ? 'a YAML or JSON list'
        : 'YAML or JSON';
  return define<unknown, O>('yaml', options, allowed, (raw) => {
    let value: unknown;
    try {
      // Inline YAML in a workflow reads as YAML 1.2, like the workflow file around it.
      value = parseYaml(raw, { source: 'the value', version: '1.2', secret: options.secret ?? false });
    } catch (error) {
      if (!(error instanceof YamlError)) throw error;
      const where =
        error.line === undefined
          ? ''
          : ` at line ${error.line}${error.column ? `, column ${error.column}` : ''}`;
      return bad(`${error.reason}${where}`);
    }
    if (shape === 'object' && (value === null || typeof value !== 'object' || Array.isArray(value)))
      return bad('the top level is not a mapping');
    if (shape === 'array' && !Array.isArray(value)) return bad('the top level is not a list');
    return ok(value);
  });
}

function oneOf(problem: string): OneOf {
  return { problem };
}

/** Builders for action inputs; see `parseInputs`. */
export const input = { string, boolean, integer, duration, list, enum: enumeration, yaml, oneOf };

export type InputSpecs = Record<string, InputSpec<unknown>>;
export type InputValues<S extends InputSpecs> = {
  -readonly [K in keyof S]: S[K] extends InputSpec<infer T> ? T : never;
};

/** The runner's environment variable for an input: spaces become `_`, upper-cased, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The password of a `scheme://user:password@host` URL, wherever it sits in a value: a URL input that is
 * refused (a path where none is allowed, a line break) is still quoted, and its password must not be.
 */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#@]*@/gi;

/** How a value appears in an error: quoted, shortened, or hidden when secret; URL passwords as ***. */
function shown(raw: string, secret: boolean): string {
  if (secret) return '"***"';
  const oneLine = raw.replace(/\s+/g, ' ').replace(URL_PASSWORD, '$1:***@');
  return JSON.stringify(oneLine.length > 80 ? `${oneLine.slice(0, 77)}…` : oneLine);
}

export function describeProblem(
  name: string,
  raw: string,
  allowed: string,
  secret = false,
  reason?: string,
): string {
  return `Input "${name}" is ${shown(raw, secret)}: expected ${allowed}${reason ? ` (${reason})` : ''}.`;
}

/**
 * Reads every input once, as the runner passes them, and validates them all before the action does
 * anything. All problems are reported together in one InputError. Secret inputs are masked first.
 */
export function parseInputs<S extends InputSpecs>(
  specs: S,
  env: NodeJS.ProcessEnv = process.env,
): InputValues<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const groups = new Map<OneOf, { names: string[]; given: boolean }>();
  for (const [name, spec] of Object.entries(specs)) {
    const raw = (env[inputEnvName(name)] ?? '').trim();
    if (spec.secret) registerSecret(raw);
    const text = raw === '' ? (spec.default ?? '') : raw;
    if (spec.oneOf) {
      const group = groups.get(spec.oneOf) ?? { names: [], given: false };
      group.names.push(`"${name}"`);
      group.given ||= text !== '';
      groups.set(spec.oneOf, group);
    }
    if (text === '') {
      if (spec.required) problems.push(`Input "${name}" is required: expected ${spec.allowed}.`);
      values[name] = spec.empty;
      continue;
    }
    const result = spec.parse(text);
    if (result.ok) values[name] = result.value;
    else problems.push(describeProblem(name, text, spec.allowed, spec.secret, result.reason));
  }
  for (const [{ problem }, { names, given }] of groups) {
    if (given) continue;
    const last = names.pop();
    problems.push(`${problem}: ${names.length ? `${names.join(', ')} or ${last}` : last}.`);
  }
  if (problems.length > 0) throw new InputError(problems);
  return values as InputValues<S>;
}

/** A problem that involves several inputs or the meaning of a value, found after parsing. */
export function inputConflict(message: string, hint?: string): UserError {
  return new UserError(message, {
    hint: hint ?? 'Fix the inputs in the workflow step; nothing was changed.',
  });
}
