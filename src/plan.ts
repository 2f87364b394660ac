import { UserError, analysisAsked, log, safe, trafficChoice } from '@swiss-deploy/kit';
import type { AnalysisPlan } from '@swiss-deploy/analysis';
import type { RenderPlan } from '@swiss-deploy/helm';
import type { PolicySpec } from '@swiss-deploy/supplychain';
import type { observeRun } from '@swiss-deploy/telemetry';
import { planChart, smokePlan, type Inputs } from './pipeline';

type TrafficChoice = ReturnType<typeof trafficChoice>;

export interface ChainPlan {
  traffic: TrafficChoice;
  /** The image verification policy every rendered image must pass, when a signer is given. */
  policy: PolicySpec | undefined;
  previousReplicas: number | 'all';
  chart: RenderPlan;
  /** The metric analysis, when asked for: after the smoke test on the preview, and as the bake window. */
  analysis: AnalysisPlan | undefined;
  observer: ReturnType<typeof observeRun>;
}

/**
 * Everything that can be wrong with the inputs fails here, before any request: the traffic choice, the verify
 * policy, the chart inputs, the smoke checks (planned against a placeholder Service), the analysis, and the
 * telemetry inputs. Each package loads only once the checks before it passed.
 */
export async function planChain(values: Inputs, builtinChart: string): Promise<ChainPlan> {
  const traffic = trafficChoice(values);
  const policy = (await import('@swiss-deploy/supplychain')).parseVerifyPolicy(values);
  const previousReplicas: number | 'all' =
    values['previous-replicas'] === 'all' ? 'all' : Number(values['previous-replicas']);
  const chart = await planChart(values, builtinChart);
  await smokePlan(values, { service: `${values.namespace}/${values.app}:80` }, undefined);
  if (values['smoke-url']) await smokePlan(values, { url: values['smoke-url'] }, undefined);
  else if (values['smoke-host-header'])
    throw new UserError(
      `Input "smoke-host-header" is "${safe(values['smoke-host-header'])}": it applies to smoke-url, which is empty.`,
      { hint: 'Set smoke-url to the live route the Host header is for, or leave smoke-host-header empty.' },
    );
  const analysis = analysisAsked(values)
    ? (await import('@swiss-deploy/analysis')).planAnalysis(values, {
        workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
        runnerTemp: process.env.RUNNER_TEMP || undefined,
      })
    : undefined;
  const { observeRun } = await import('@swiss-deploy/telemetry');
  const observer = observeRun(
    values,
    {
      action: 'chain',
      app: values.app,
      namespace: values.namespace,
      environment: values.environment,
      images: [values['image-ref']],
    },
    log,
  );
  return { traffic, policy, previousReplicas, chart, analysis, observer };
}
