import { log, trafficChoice, type InputValues } from '@swiss-deploy/kit';
import type { parseRollbackTarget } from '@swiss-deploy/bluegreen';
import type { PolicySpec } from '@swiss-deploy/supplychain';
import type { observeRun } from '@swiss-deploy/telemetry';
import type { inputs } from './contract';

export type Values = InputValues<typeof inputs>;
type TrafficChoice = ReturnType<typeof trafficChoice>;
type RollbackTarget = NonNullable<ReturnType<typeof parseRollbackTarget>>;

export interface RollbackStepPlan {
  traffic: TrafficChoice;
  /** The image verification policy a redeploy's images must pass, when a signer is given. */
  policy: PolicySpec | undefined;
  to: RollbackTarget;
  dryRun: boolean;
  observer: ReturnType<typeof observeRun>;
}

/**
 * Every input checked before any request: the traffic choice, the verify policy, then the telemetry inputs;
 * the strategy and the other packages load once the traffic inputs are good.
 */
export async function planRollbackStep(values: Values): Promise<RollbackStepPlan> {
  const traffic = trafficChoice(values);
  const { parseRollbackTarget } = await import('@swiss-deploy/bluegreen');
  const policy = (await import('@swiss-deploy/supplychain')).parseVerifyPolicy(values);
  const { observeRun } = await import('@swiss-deploy/telemetry');
  // The input's pattern already allows only "previous" or a revision number.
  const to = parseRollbackTarget(values.to) as RollbackTarget;
  const dryRun = values['dry-run'];
  const observer = observeRun(
    values,
    { action: 'rollback', app: values.app, namespace: values.namespace, environment: values.environment },
    log,
    // A dry run changes nothing, so it tells no one.
    { enabled: !dryRun },
  );
  return { traffic, policy, to, dryRun, observer };
}
