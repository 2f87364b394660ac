// The analysis spec: which PromQL queries decide whether a color is healthy, how often they are measured,
// and how many bad or undecided measurements a metric may have. Read from a file in the workspace or from
// inline YAML, validated as a whole before anything runs; every problem names the metric and the field.
import { UserError, parseDuration, parseYaml, formatDuration } from '@swiss-deploy/kit';
import { ConditionSyntaxError, parseCondition, type Condition } from './condition';

export type Phase = 'preview' | 'bake';
export const PHASES: readonly Phase[] = ['preview', 'bake'];
export type NoDataVerdict = 'inconclusive' | 'failure' | 'success';
const NO_DATA: readonly NoDataVerdict[] = ['inconclusive', 'failure', 'success'];

export interface MetricSpec {
  name: string;
  /** PromQL with `${color}`, `${namespace}`, `${app}`, `${revision}` placeholders. */
  query: string;
  successCondition?: { text: string; condition: Condition };
  failureCondition?: { text: string; condition: Condition };
  /** Time between two measurements. */
  intervalMs: number;
  /** Measurements before the switch; during the bake, measurements continue every interval to its end. */
  count: number;
  /** Failed measurements tolerated; one more fails the metric. */
  failureLimit: number;
  /** Inconclusive measurements tolerated; one more makes the metric inconclusive. */
  inconclusiveLimit: number;
  /** What a measurement is when the query returns no series. */
  noData: NoDataVerdict;
  /** The phases this metric runs in. */
  phases: Phase[];
}

export interface AnalysisSpec {
  metrics: MetricSpec[];
  /** Where the spec came from, as messages and the summary name it. */
  source: string;
}

export const PLACEHOLDERS = ['color', 'namespace', 'app', 'revision'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export const MAX_METRICS = 20;
export const MAX_QUERY_LENGTH = 4000;
export const MAX_COUNT = 100;
const MIN_INTERVAL_MS = 1000;
const MAX_INTERVAL_MS = 10 * 60_000;
const MAX_LIMIT = 100;
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const METRIC_FIELDS = [
  'name',
  'query',
  'successCondition',
  'failureCondition',
  'interval',
  'count',
  'failureLimit',
  'inconclusiveLimit',
  'noData',
  'phases',
] as const;
const DEFAULTS = { intervalMs: 10_000, count: 3, failureLimit: 0, inconclusiveLimit: 0 };

/** One spec problem; all of them are reported at once, like the inputs. */
export class AnalysisSpecError extends UserError {
  constructor(
    source: string,
    readonly problems: readonly string[],
  ) {
    super(
      problems.length === 1
        ? `${source}: ${problems[0]}`
        : `${source} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { hint: 'Fix the analysis spec (see docs/monitoring.md#the-analysis-spec); nothing was changed.' },
    );
    this.name = 'AnalysisSpecError';
  }
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `${name}` placeholders of a query that are not among PLACEHOLDERS. */
function unknownPlaceholders(query: string): string[] {
  return [...query.matchAll(/\$\{([^}]*)\}/g)]
    .map((m) => m[1] as string)
    .filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

/**
 * Reads a spec from YAML text:
 *
 * ```yaml
 * metrics:
 *   - name: error-ratio
 *     query: sum(rate(http_requests_total{namespace="${namespace}",color="${color}",code=~"5.."}[1m]))
 *            / sum(rate(http_requests_total{namespace="${namespace}",color="${color}"}[1m]))
 *     successCondition: result < 0.01
 *     interval: 10s
 *     count: 3
 * ```
 */
export function parseAnalysisSpec(text: string, source: { file?: string; input?: string }): AnalysisSpec {
  const shown = source.file ?? `Input "${source.input ?? 'analysis'}"`;
  const data = parseYaml(text, { source: shown, file: source.file !== undefined, version: '1.2' });
  const problems: string[] = [];
  if (!isMap(data)) throw new AnalysisSpecError(shown, ['it must be a map with a "metrics" list']);
  for (const key of Object.keys(data))
    if (key !== 'metrics') problems.push(`unknown field "${key}" (a spec has "metrics")`);
  const list = data.metrics;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push('"metrics" must be a non-empty list of metrics');
    throw new AnalysisSpecError(shown, problems);
  }
  if (list.length > MAX_METRICS)
    problems.push(`"metrics" has ${list.length} entries, at most ${MAX_METRICS} are allowed`);
  const metrics: MetricSpec[] = [];
  const names = new Set<string>();
  list.slice(0, MAX_METRICS).forEach((entry, index) => {
    const metric = parseMetric(entry, index, problems);
    if (!metric) return;
    if (names.has(metric.name)) problems.push(`metrics[${index}]: the name "${metric.name}" is used twice`);
    names.add(metric.name);
    metrics.push(metric);
  });
  if (problems.length > 0) throw new AnalysisSpecError(shown, problems);
  return { metrics, source: shown };
}

function parseMetric(entry: unknown, index: number, problems: string[]): MetricSpec | undefined {
  if (!isMap(entry)) {
    problems.push(`metrics[${index}] must be a map (name, query, successCondition…)`);
    return undefined;
  }
  const rawName = entry.name;
  const where = typeof rawName === 'string' && rawName ? `metric "${rawName}"` : `metrics[${index}]`;
  const before = problems.length;
  const problem = (text: string) => problems.push(`${where}: ${text}`);

  for (const key of Object.keys(entry))
    if (!(METRIC_FIELDS as readonly string[]).includes(key))
      problem(`unknown field "${key}" (allowed: ${METRIC_FIELDS.join(', ')})`);

  if (typeof rawName !== 'string' || !NAME.test(rawName))
    problem(
      `"name" is ${JSON.stringify(rawName)}: give a lowercase name of letters, digits and "-" (at most 63)`,
    );

  const query = entry.query;
  if (typeof query !== 'string' || query.trim() === '') problem('"query" must be a PromQL query (text)');
  else {
    if (query.length > MAX_QUERY_LENGTH) problem(`"query" is longer than ${MAX_QUERY_LENGTH} characters`);
    for (const name of unknownPlaceholders(query))
      problem(
        `"query" uses the placeholder \${${name}}; known ones: ${PLACEHOLDERS.map((p) => `\${${p}}`).join(', ')}`,
      );
  }

  const condition = (field: 'successCondition' | 'failureCondition') => {
    const value = entry[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problem(`"${field}" must be a condition over result, e.g. "result < 0.01"`);
      return undefined;
    }
    try {
      return { text: value.trim(), condition: parseCondition(value) };
    } catch (error) {
      if (error instanceof ConditionSyntaxError) {
        problem(`"${field}" (${JSON.stringify(value)}) is not a valid condition: ${error.message}`);
        return undefined;
      }
      throw error;
    }
  };
  const successCondition = condition('successCondition');
  const failureCondition = condition('failureCondition');
  if (entry.successCondition === undefined && entry.failureCondition === undefined)
    problem('give a "successCondition", a "failureCondition" or both');

  let intervalMs = DEFAULTS.intervalMs;
  if (entry.interval !== undefined) {
    const parsed = typeof entry.interval === 'string' ? parseDuration(entry.interval) : undefined;
    if (parsed === undefined || parsed < MIN_INTERVAL_MS || parsed > MAX_INTERVAL_MS)
      problem(
        `"interval" is ${JSON.stringify(entry.interval)}: give a duration from ${formatDuration(MIN_INTERVAL_MS)} to 10m (e.g. 10s)`,
      );
    else intervalMs = parsed;
  }

  const integer = (
    field: 'count' | 'failureLimit' | 'inconclusiveLimit',
    min: number,
    max: number,
    fallback: number,
  ) => {
    const value = entry[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problem(`"${field}" is ${JSON.stringify(value)}: give a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const count = integer('count', 1, MAX_COUNT, DEFAULTS.count);
  const failureLimit = integer('failureLimit', 0, MAX_LIMIT, DEFAULTS.failureLimit);
  const inconclusiveLimit = integer('inconclusiveLimit', 0, MAX_LIMIT, DEFAULTS.inconclusiveLimit);

  let noData: NoDataVerdict = 'inconclusive';
  if (entry.noData !== undefined) {
    if (typeof entry.noData === 'string' && (NO_DATA as readonly string[]).includes(entry.noData))
      noData = entry.noData as NoDataVerdict;
    else problem(`"noData" is ${JSON.stringify(entry.noData)}: give one of ${NO_DATA.join(', ')}`);
  }

  let phases: Phase[] = [...PHASES];
  if (entry.phases !== undefined) {
    const value = entry.phases;
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((p) => typeof p === 'string' && (PHASES as readonly string[]).includes(p))
    )
      problem(`"phases" is ${JSON.stringify(value)}: give a list of ${PHASES.join(' and/or ')}`);
    else phases = [...new Set(value as Phase[])];
  }

  if (problems.length > before) return undefined;
  return {
    name: rawName as string,
    query: (query as string).trim(),
    ...(successCondition ? { successCondition } : {}),
    ...(failureCondition ? { failureCondition } : {}),
    intervalMs,
    count,
    failureLimit,
    inconclusiveLimit,
    noData,
    phases,
  };
}

/** A value as a PromQL double-quoted string's content: backslash, quote and line breaks escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(
    /[\\"\n\r\t]/g,
    (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] as string,
  );
}

/**
 * The query with its placeholders filled in, each value escaped for the PromQL string it sits in
 * (`color="${color}"`): a value can end its string only by being the value, never by adding a matcher.
 */
export function renderQuery(query: string, values: Record<Placeholder, string>): string {
  return query.replace(/\$\{(color|namespace|app|revision)\}/g, (_, name: Placeholder) =>
    escapeLabelValue(values[name]),
  );
}
