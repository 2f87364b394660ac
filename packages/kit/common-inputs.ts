import { UserError } from './errors';
import { input, type InputSpec } from './inputs';

/** A DNS-1123 label: what Kubernetes allows in the names derived from app and namespace. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `namespace/name:port` (port by number or name): how a Service is named in inputs and outputs. */
export const SERVICE_REF_PATTERN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?:([0-9]{1,5}|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

/**
 * The inputs that deploy-blue-green, rollback and swiss/deploy@v1 share, with one set of bounds, so an app
 * one entry deploys is an app the others can roll back. `app` stops at 40 characters so that every name
 * derived from it (`<app>-<workload>-<color>`, `swiss-deploy-<app>-r<n>`, its label values) stays valid.
 */
export const deployTargetInputs = {
  app: input.string({
    required: true,
    pattern: DNS_LABEL,
    maxLength: 40,
    allowed: 'a DNS-1123 label (lower-case letters, digits, -) of at most 40 characters',
  }),
  namespace: input.string({
    required: true,
    pattern: DNS_LABEL,
    maxLength: 63,
    allowed: 'a DNS-1123 label, the name of an existing namespace',
  }),
  kubeconfig: input.string({ secret: true }),
  context: input.string(),
  'history-limit': input.integer({ default: '10', min: 1, max: 100 }),
  'lock-timeout': input.duration({ default: '0s', max: '6h' }),
  /** How long an Unschedulable pod may wait without an autoscaler scale-up (never beyond `timeout`). */
  'unschedulable-grace': input.duration({ default: '2m', max: '6h' }),
};

/** An HTTPRoute as `namespace/name`, or `name` in the deploy's namespace. */
const ROUTE_REF = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * How live traffic reaches a color, shared by deploy-blue-green, rollback and swiss/deploy@v1 so that a
 * rollback moves what the deploy moved (docs/traffic.md).
 */
export const trafficInputs = {
  traffic: input.enum(['service', 'gateway'], { default: 'service' }),
  route: input.string({
    pattern: ROUTE_REF,
    maxLength: 317,
    allowed: 'an HTTPRoute as namespace/name, or name in the deploy namespace',
  }),
};

export interface TrafficChoice {
  mode: 'service' | 'gateway';
  route?: { namespace?: string; name: string };
}

/** The traffic inputs as options; `route` without `traffic: gateway` is refused, naming both. */
export function trafficChoice(values: { traffic: 'service' | 'gateway'; route?: string }): TrafficChoice {
  if (values.route && values.traffic !== 'gateway') {
    throw new UserError(
      `Input "route" is ${JSON.stringify(values.route)}, but input "traffic" is "${values.traffic}": a route is only moved with traffic: gateway.`,
      { hint: 'Set traffic: gateway, or leave route empty. Nothing was changed.' },
    );
  }
  if (!values.route) return { mode: values.traffic };
  const [first, second] = values.route.split('/');
  return {
    mode: values.traffic,
    route: second === undefined ? { name: first! } : { namespace: first, name: second },
  };
}

/**
 * Canary steps from their input text, e.g. `10,25,50,100`: whole percentages from 1 to 100, strictly
 * increasing, ending at 100 (the switch); or the reason they are not.
 */
export function parseSteps(text: string): { steps: number[] } | { reason: string } {
  const steps: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!/^\d{1,3}$/.test(part)) return { reason: `${JSON.stringify(part)} is not a whole percentage` };
    const value = Number(part);
    if (value < 1 || value > 100) return { reason: `${value} is outside 1..100` };
    const last = steps[steps.length - 1];
    if (last !== undefined && value <= last) return { reason: `${value} does not come after ${last}` };
    steps.push(value);
  }
  if (steps.length > 20) return { reason: 'at most 20 steps' };
  if (steps[steps.length - 1] !== 100) return { reason: 'the last step must be 100' };
  return { steps };
}

const stepsInput: InputSpec<number[]> = {
  kind: 'list',
  required: false,
  default: '10,25,50,100',
  secret: false,
  allowed:
    'whole percentages from 1 to 100, increasing, separated by commas, ending at 100 (e.g. 10,25,50,100)',
  empty: [],
  parse(raw) {
    const parsed = parseSteps(raw);
    return 'steps' in parsed ? { ok: true, value: parsed.steps } : { ok: false, reason: parsed.reason };
  },
};

/** The canary strategy's inputs (docs/traffic.md): the weights and how long each one holds. */
export const canaryInputs = {
  strategy: input.enum(['blue-green', 'canary'], { default: 'blue-green' }),
  steps: stepsInput,
  'step-pause': input.duration({ default: '0s', max: '6h' }),
};
