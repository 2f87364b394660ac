import { WorldError, formatDuration } from '@swiss-deploy/kit';
import type { Kube } from './client';
import { KNOWN } from './discovery';
import type { EndpointSlice } from './types';
import { watchUntil } from './watch';

export interface EndpointsOptions {
  namespace: string;
  service: string;
  /** The pods that must serve: every endpoint must be one of them. */
  expectedPods: ReadonlySet<string>;
  /** How many ready endpoints make the switch done (0 for a Deployment scaled to zero). */
  minReady: number;
  deadline: number;
}

export interface EndpointsState {
  ready: number;
  foreign: string[];
}

/** Counts the ready endpoints of the expected pods and names endpoints of any other pod. */
export function endpointsState(
  slices: Iterable<EndpointSlice>,
  expected: ReadonlySet<string>,
): EndpointsState {
  let ready = 0;
  const foreign: string[] = [];
  for (const slice of slices) {
    for (const endpoint of slice.endpoints ?? []) {
      const pod = endpoint.targetRef?.name ?? endpoint.addresses.join(',');
      if (!expected.has(pod)) foreign.push(pod);
      else if (endpoint.conditions?.ready !== false) ready++;
    }
  }
  return { ready, foreign };
}

/**
 * Waits until a Service's EndpointSlices hold only the expected pods (and enough of them ready): the
 * proof that a selector switch reached the data plane, not just the API object.
 */
export async function waitForEndpoints(kube: Kube, options: EndpointsOptions): Promise<EndpointsState> {
  const started = Date.now();
  let last: EndpointsState = { ready: 0, foreign: [] };
  const result = await watchUntil(
    kube,
    {
      path: KNOWN.endpointSlices(options.namespace),
      labelSelector: `kubernetes.io/service-name=${options.service}`,
    },
    {
      deadline: options.deadline,
      onTimeout: () =>
        new WorldError(
          `The endpoints of Service ${options.service} did not settle within ${formatDuration(Date.now() - started)}: ` +
            `${last.ready}/${options.minReady} ready endpoints of the new pods` +
            (last.foreign.length ? `, still serving ${last.foreign.slice(0, 5).join(', ')}` : ''),
        ),
      decide: (objects) => {
        last = endpointsState(objects.values() as Iterable<EndpointSlice>, options.expectedPods);
        return last.foreign.length === 0 && last.ready >= options.minReady ? last : undefined;
      },
    },
  );
  return result ?? last;
}
