import { WorldError } from '@swiss-deploy/kit';
import { KNOWN, isNotFound, type Kube, type Service } from '@swiss-deploy/kube';
import type { PlannedService } from './plan';
import { COLORS, LABELS, type Color } from './types';

export interface LiveState {
  /** The color the stable Services send traffic to, or undefined before the first switch. */
  activeColor?: Color;
  /** The stable Services as they are now (undefined where one does not exist yet). */
  services: Map<string, Service | undefined>;
}

/** Reads which color is live from the stable Services' selectors; they must agree. */
export async function readLiveState(
  kube: Kube,
  namespace: string,
  services: readonly PlannedService[],
): Promise<LiveState> {
  const found = new Map<string, Service | undefined>();
  const colors = new Map<string, Color>();
  // One GET per stable Service, all at once; read in the plan's order.
  const read = await Promise.all(
    services.map((planned) =>
      kube
        .request<Service>('GET', `${KNOWN.services(namespace)}/${planned.name}`, { purpose: 'read' })
        .catch((error: unknown): undefined => {
          if (!isNotFound(error)) throw error;
          return undefined;
        }),
    ),
  );
  for (const [index, planned] of services.entries()) {
    const service = read[index];
    found.set(planned.name, service);
    const color = service?.spec?.selector?.[LABELS.color];
    if (color && (COLORS as readonly string[]).includes(color)) colors.set(planned.name, color as Color);
  }
  const distinct = new Set(colors.values());
  if (distinct.size > 1) {
    throw new WorldError(
      `The stable Services of this app disagree on the live color: ${[...colors].map(([name, color]) => `${name} → ${color}`).join(', ')}.`,
      {
        hint: 'Someone changed a selector by hand. Point every stable Service at the same color (kubectl edit), or roll back, then deploy again.',
        untouched: 'nothing was changed',
      },
    );
  }
  return { activeColor: distinct.values().next().value, services: found };
}
