// Runs an analysis: each metric's query, measured every interval, each measurement judged by the metric's
// conditions, each metric judged by its limits, the run judged by its metrics. Metrics run side by side.
//
// How a measurement is judged (the order matters):
//   the query fails                    → error (counts as inconclusive)
//   no series and noData says so       → that verdict (default inconclusive)
//   failureCondition is true           → failure
//   successCondition is false          → failure (when there is no failureCondition, or it is false too)
//   a condition reads a missing value  → inconclusive
//   otherwise                          → success
// A metric fails once its failures exceed failureLimit, is inconclusive once its inconclusive measurements
// exceed inconclusiveLimit, and succeeds otherwise. The run fails when any metric fails, is inconclusive when
// any metric is (and none failed), and succeeds when all do. Only success lets traffic move or stay.
import { safe, type Logger } from '@swiss-deploy/kit';
import { MissingValue, evaluateCondition } from './condition';
import { QueryError, queryPrometheus, type PrometheusConfig, type QueryAnswer } from './prometheus';
import { renderQuery, type AnalysisSpec, type MetricSpec, type Phase, type Placeholder } from './spec';

export type MeasurementVerdict = 'success' | 'failure' | 'inconclusive' | 'error';
export type Verdict = 'successful' | 'failed' | 'inconclusive';

export interface Measurement {
  /** ISO time the query was answered. */
  at: string;
  values: number[];
  verdict: MeasurementVerdict;
  /** Why, in a few words: "result < 0.01 is false", "no data", the query error. */
  reason: string;
}

export interface MetricReport {
  name: string;
  /** The query as sent, placeholders filled in. */
  query: string;
  measurements: Measurement[];
  verdict: Verdict;
  reason: string;
}

export interface AnalysisReport {
  phase: Phase;
  verdict: Verdict;
  metrics: MetricReport[];
  startedAt: string;
  finishedAt: string;
}

export interface AnalysisTarget {
  color: string;
  namespace: string;
  app: string;
  revision: number | string;
}

export interface RunAnalysisOptions {
  phase: Phase;
  target: AnalysisTarget;
  prometheus: PrometheusConfig;
  /**
   * The bake window: metrics are measured every interval until it closes, and the run stops at the first
   * metric that fails. Without it (the preview phase), each metric takes `count` measurements.
   */
  windowMs?: number;
  logger?: Logger;
  /** Stops the run (the step's deadline); what was measured so far is reported. */
  signal?: AbortSignal;
  /** For tests: the clock and the wait between measurements. */
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  query?: (config: PrometheusConfig, query: string, signal?: AbortSignal) => Promise<QueryAnswer>;
}

function formatValues(values: readonly number[]): string {
  if (values.length === 0) return 'no data';
  const shown = values.slice(0, 5).map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(4)));
  return `[${shown.join(', ')}${values.length > 5 ? `, … ${values.length - 5} more` : ''}]`;
}

/** Judges one answer of a metric's query. */
export function judgeMeasurement(
  metric: MetricSpec,
  values: readonly number[],
): { verdict: MeasurementVerdict; reason: string } {
  if (values.length === 0 && metric.noData !== 'inconclusive')
    return { verdict: metric.noData, reason: `no data (noData: ${metric.noData})` };
  try {
    if (metric.failureCondition && evaluateCondition(metric.failureCondition.condition, values))
      return { verdict: 'failure', reason: `failureCondition ${metric.failureCondition.text} is true` };
    if (metric.successCondition && !evaluateCondition(metric.successCondition.condition, values))
      return { verdict: 'failure', reason: `successCondition ${metric.successCondition.text} is false` };
  } catch (error) {
    if (error instanceof MissingValue) return { verdict: 'inconclusive', reason: error.reason };
    throw error;
  }
  return {
    verdict: 'success',
    reason: metric.successCondition
      ? `${metric.successCondition.text} holds`
      : `${metric.failureCondition?.text} is false`,
  };
}

/** Judges a metric by its measurements so far; `final` once no more will come. */
export function judgeMetric(
  metric: MetricSpec,
  measurements: readonly Measurement[],
  final: boolean,
): { verdict: Verdict; reason: string } | undefined {
  const failures = measurements.filter((m) => m.verdict === 'failure').length;
  const inconclusive = measurements.filter(
    (m) => m.verdict === 'inconclusive' || m.verdict === 'error',
  ).length;
  if (failures > metric.failureLimit)
    return {
      verdict: 'failed',
      reason: `${failures} failed measurement${failures === 1 ? '' : 's'}, failureLimit ${metric.failureLimit}`,
    };
  if (inconclusive > metric.inconclusiveLimit)
    return {
      verdict: 'inconclusive',
      reason: `${inconclusive} inconclusive measurement${inconclusive === 1 ? '' : 's'}, inconclusiveLimit ${metric.inconclusiveLimit}`,
    };
  if (!final) return undefined;
  return {
    verdict: 'successful',
    reason: `${measurements.length - failures - inconclusive} of ${measurements.length} measurements passed`,
  };
}

export function overallVerdict(metrics: readonly { verdict: Verdict }[]): Verdict {
  if (metrics.some((m) => m.verdict === 'failed')) return 'failed';
  if (metrics.some((m) => m.verdict === 'inconclusive')) return 'inconclusive';
  return 'successful';
}

const defaultWait = (ms: number, signal?: AbortSignal): Promise<void> =>
  signal?.aborted
    ? Promise.resolve()
    : new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });

/** Runs the spec's metrics of one phase against one color. Never throws for a bad measurement. */
export async function runAnalysis(spec: AnalysisSpec, options: RunAnalysisOptions): Promise<AnalysisReport> {
  const now = options.now ?? Date.now;
  const wait = options.wait ?? defaultWait;
  const query = options.query ?? queryPrometheus;
  const startedAt = new Date(now()).toISOString();
  const placeholders: Record<Placeholder, string> = {
    color: options.target.color,
    namespace: options.target.namespace,
    app: options.target.app,
    revision: String(options.target.revision),
  };
  const metrics = spec.metrics.filter((m) => m.phases.includes(options.phase));
  const windowEnd = options.windowMs === undefined ? undefined : now() + options.windowMs;
  // a failing metric in the bake window ends the others' waits: the switch back must not wait for them
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const runMetric = async (metric: MetricSpec): Promise<MetricReport> => {
    const rendered = renderQuery(metric.query, placeholders);
    const measurements: Measurement[] = [];
    let judged: { verdict: Verdict; reason: string } | undefined;
    for (let i = 0; ; i++) {
      if (stop.signal.aborted) break;
      let measurement: Measurement;
      try {
        const answer = await query(options.prometheus, rendered, stop.signal);
        const { verdict, reason } = judgeMeasurement(metric, answer.values);
        measurement = { at: new Date(now()).toISOString(), values: answer.values, verdict, reason };
      } catch (error) {
        if (!(error instanceof QueryError)) throw error;
        if (stop.signal.aborted) break;
        measurement = {
          at: new Date(now()).toISOString(),
          values: [],
          verdict: 'error',
          reason: error.message,
        };
      }
      measurements.push(measurement);
      options.logger?.info(
        `${metric.name} #${i + 1}: ${formatValues(measurement.values)} → ${measurement.verdict} (${safe(measurement.reason)})`,
      );
      const more = windowEnd === undefined ? i + 1 < metric.count : now() + metric.intervalMs <= windowEnd;
      judged = judgeMetric(metric, measurements, !more);
      if (judged) break;
      await wait(metric.intervalMs, stop.signal);
    }
    if (!judged) {
      judged =
        measurements.length === 0
          ? { verdict: 'inconclusive', reason: 'stopped before any measurement' }
          : (judgeMetric(metric, measurements, true) as { verdict: Verdict; reason: string });
      if (
        stop.signal.aborted &&
        judged.verdict === 'successful' &&
        windowEnd === undefined &&
        measurements.length < metric.count
      )
        judged = {
          verdict: 'inconclusive',
          reason: `stopped after ${measurements.length} of ${metric.count} measurements`,
        };
    }
    if (judged.verdict === 'failed' && windowEnd !== undefined) stop.abort();
    return {
      name: metric.name,
      query: rendered,
      measurements,
      verdict: judged.verdict,
      reason: judged.reason,
    };
  };

  try {
    const reports = await Promise.all(metrics.map(runMetric));
    return {
      phase: options.phase,
      verdict: overallVerdict(reports),
      metrics: reports,
      startedAt,
      finishedAt: new Date(now()).toISOString(),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** One line for logs and errors: "failed: error-ratio failed (2 failed measurements, failureLimit 0)". */
export function describeReport(report: AnalysisReport): string {
  const notable = report.metrics.filter((m) => m.verdict !== 'successful');
  const shown = (notable.length > 0 ? notable : report.metrics).map(
    (m) => `${m.name} ${m.verdict} (${m.reason})`,
  );
  return `${report.verdict}: ${shown.join('; ') || 'no metric runs in this phase'}`;
}
