import { analysisAsked, inputConflict, log, trafficChoice, type InputValues } from '@swiss-deploy/kit';
import type { AnalysisPlan } from '@swiss-deploy/analysis';
import type { loadManifests } from '@swiss-deploy/bluegreen';
import type { PolicySpec } from '@swiss-deploy/supplychain';
import type { observeRun } from '@swiss-deploy/telemetry';
import type { inputs } from './contract';

export type Values = InputValues<typeof inputs>;
type TrafficChoice = ReturnType<typeof trafficChoice>;

export interface DeployPlan {
  traffic: TrafficChoice;
  /** The metric analysis, when asked for: it makes the deploy the chain (preview → analysis → switch → bake). */
  analysis: AnalysisPlan | undefined;
  /** The image verification policy, when a signer is given. */
  policy: PolicySpec | undefined;
  observer: ReturnType<typeof observeRun>;
  previousReplicas: number | 'all';
  /** The manifests read and validated, for action deploy. */
  manifests: ReturnType<typeof loadManifests> | undefined;
}

/**
 * Every input and every manifest checked before any request, in the order their messages come: the traffic
 * choice, the manifests input, the analysis, the verify policy, the telemetry inputs, then the manifests'
 * objects against the app and the traffic mode. Each package loads only once the checks before it passed.
 */
export async function planDeploy(
  values: Values,
  where: { workspace: string; runnerTemp: string | undefined },
): Promise<DeployPlan> {
  const traffic = trafficChoice(values);
  if (values.action === 'deploy' && values.manifests.length === 0) {
    throw inputConflict(
      'Input "manifests" is required when action is deploy: expected manifest files or folders, one per line.',
    );
  }
  // Manifests come from the repository or from render-helm, which writes into the workspace or RUNNER_TEMP.
  const confine = { workspace: where.workspace, runnerTemp: where.runnerTemp };
  // The analysis spec and the Prometheus inputs are checked here too, before any request.
  const analysis = analysisAsked(values)
    ? (await import('@swiss-deploy/analysis')).planAnalysis(values, confine)
    : undefined;
  if (analysis && (values.action !== 'deploy' || values.promotion !== 'auto')) {
    throw inputConflict(
      `Input "analysis" runs with action deploy and promotion auto (here: action ${values.action}, promotion ${values.promotion}): it judges the new color before the switch and bakes it after, in one step.`,
      'Use promotion auto with the analysis, or run the analysis in the step that promotes; nothing was changed.',
    );
  }
  const { loadManifests, validateManifests, validateTraffic } = await import('@swiss-deploy/bluegreen');
  const policy = (await import('@swiss-deploy/supplychain')).parseVerifyPolicy(values);
  const { observeRun } = await import('@swiss-deploy/telemetry');
  const observer = observeRun(
    values,
    { action: values.action, app: values.app, namespace: values.namespace, environment: values.environment },
    log,
  );
  const previousReplicas: number | 'all' =
    values['previous-replicas'] === 'all' ? 'all' : Number(values['previous-replicas']);
  const manifests =
    values.action === 'deploy' ? loadManifests(values.manifests, where.workspace, { confine }) : undefined;
  if (manifests) {
    validateManifests(manifests, { app: values.app, namespace: values.namespace });
    validateTraffic(manifests, { app: values.app, namespace: values.namespace, traffic });
  }
  return { traffic, analysis, policy, observer, previousReplicas, manifests };
}
