import { WorldError, errorMessage } from '@swiss-deploy/kit';
import { KNOWN, applyObject, isNotFound, scaleDeployment, type Deployment } from '@swiss-deploy/kube';
import type { ColorPlan } from './plan';
import { gatewayRoute } from './switch';
import {
  allOn,
  confirmRoute,
  describeWeights,
  prepareBackends,
  writeRoute,
  type HTTPRoute,
  type Weights,
} from './traffic';
import { LABELS, type Color, type LiveRoute, type StepContext } from './types';

/** How a revision reaches live traffic: all at once after its gate, or in weighted steps. */
export type Strategy = 'blue-green' | 'canary';

/** One step of a canary as it went: the weight asked, the share it really got, and what was checked. */
export interface CanaryStep {
  /** 1-based; the last step (100) is the switch itself. */
  step: number;
  weight: number;
  /** The canary's share as the traffic mode can give it (replica ratio with traffic: service). */
  actual: number;
  checks: string;
  passed: boolean;
}

export { parseSteps } from '@swiss-deploy/kit';

export const weightsFor = (stable: Color, canary: Color, weight: number): Weights =>
  ({ [canary]: weight, [stable]: 100 - weight }) as Weights;

/**
 * Replicas the canary color runs for a weight with traffic: service, where the stable Service selects both
 * colors and kube-proxy spreads connections over their pods: the share is canary / (stable + canary)
 * replicas, as close to the weight as whole pods allow (at least one canary pod).
 */
export function canaryReplicas(stableReplicas: number, weight: number): number {
  if (weight >= 100) return stableReplicas;
  return Math.max(1, Math.round((stableReplicas * weight) / (100 - weight)));
}

/** The share of the canary's pods among both colors' (what traffic: service really gives). */
export const podShare = (stable: number, canary: number): number =>
  stable + canary === 0 ? 0 : Math.round((10_000 * canary) / (stable + canary)) / 100;

async function replicasOf(context: StepContext, name: string): Promise<number> {
  try {
    const deployment = await context.kube.request<Deployment>(
      'GET',
      `${KNOWN.deployments(context.namespace)}/${name}`,
      { purpose: 'read' },
    );
    return deployment.spec?.replicas ?? 1;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

/**
 * Gives the canary color `weight` percent of the app's traffic, in one write of what shapes it: the route's
 * weights (traffic: gateway, confirmed by every parent), or the stable Services selecting both colors after
 * the canary is scaled to its replica share (traffic: service). Returns the share really given.
 */
export async function setCanaryWeight(
  context: StepContext,
  plan: ColorPlan,
  stable: Color,
  weight: number,
  deadline: number,
): Promise<number> {
  const gateway = gatewayRoute(context, plan);
  if (gateway) {
    await prepareBackends(context, plan, gateway, deadline);
    const weights = weightsFor(stable, plan.color, weight);
    const write = await writeRoute(context, plan, gateway, weights, 'canary');
    await confirmRoute(
      context,
      gateway,
      write.after.metadata.generation,
      Math.max(deadline, Date.now() + 60_000),
    );
    context.log.info(
      `HTTPRoute ${gateway.namespace}/${gateway.name}: weights ${describeWeights(weights)}, accepted by every parent.`,
    );
    return weight;
  }
  let stableTotal = 0;
  let canaryTotal = 0;
  for (const workload of plan.workloads) {
    const stableReplicas = await replicasOf(context, `${workload.baseName}-${stable}`);
    const replicas = canaryReplicas(stableReplicas, weight);
    context.lock.assertHeld();
    await scaleDeployment(context.kube, plan.namespace, workload.object.metadata.name as string, replicas);
    stableTotal += stableReplicas;
    canaryTotal += replicas;
  }
  for (const service of plan.services) {
    context.lock.assertHeld();
    const both = structuredClone(service.stable);
    both.spec = { ...both.spec, selector: { ...service.baseSelector } };
    await applyObject(context.kube, context.discovery, both, { force: true, purpose: 'canary' });
  }
  const share = podShare(stableTotal, canaryTotal);
  context.log.info(
    `Stable Service${plan.services.length === 1 ? '' : 's'} ${plan.services.map((s) => s.name).join(', ')} select both colors: ${canaryTotal} ${plan.color} pods beside ${stableTotal} ${stable} pods, about ${share} % to the canary (asked ${weight} %).`,
  );
  return share;
}

/**
 * Takes the canary's traffic away in one write: the route all on the stable color, or the stable Services
 * selecting it alone. Says what is left when that write fails.
 */
export async function withdrawCanary(
  context: StepContext,
  plan: ColorPlan,
  stable: Color,
  live?: LiveRoute,
): Promise<void> {
  const gateway = gatewayRoute(context, plan);
  if (gateway) {
    // The stable revision's own route when it has one (its rules, all on its color), else the weights alone.
    const own = gateway.planned
      ? live?.traffic.find(
          (t) =>
            t.object.kind === 'HTTPRoute' &&
            t.object.metadata.name === gateway.name &&
            (t.object.metadata.namespace ?? plan.namespace) === gateway.namespace,
        )
      : undefined;
    context.lock.assertHeld();
    const write = own
      ? {
          after: await applyObject<HTTPRoute>(context.kube, context.discovery, own.object, {
            force: true,
            purpose: 'canary',
          }),
        }
      : await writeRoute(context, plan, gateway, allOn(stable), 'canary');
    await confirmRoute(context, gateway, write.after.metadata.generation, Date.now() + 60_000).catch(
      (error: unknown) =>
        context.log.warning(
          `HTTPRoute ${gateway.name} is all on ${stable}, but its parents did not confirm it yet: ${errorMessage(error)}`,
        ),
    );
    context.log.info(`HTTPRoute ${gateway.namespace}/${gateway.name}: all traffic back on ${stable}.`);
    return;
  }
  for (const service of plan.services) {
    const back = structuredClone(service.stable);
    back.spec = { ...back.spec, selector: { ...service.baseSelector, [LABELS.color]: stable } };
    await applyObject(context.kube, context.discovery, back, { force: true, purpose: 'canary' });
  }
  context.log.info(`Stable Services select ${stable} alone again.`);
}

/** The error of an aborted canary step: what failed and what serves now. */
export function abortedError(step: CanaryStep, stable: Color, revision: number, why: string): WorldError {
  return new WorldError(
    `Canary step ${step.step} (${step.weight} %) of revision ${revision} failed: ${why}`,
    {
      untouched: `live traffic: all back on ${stable}; the canary was scaled to 0 and revision ${revision} is recorded as aborted`,
      hint: 'Fix the cause above and deploy again.',
    },
  );
}
