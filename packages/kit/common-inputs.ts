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

/**
 * The metric analysis inputs that deploy-blue-green and swiss/deploy@v1 share: the spec, the Prometheus that
 * answers its queries, and the bake window after the switch. Credentials are secrets: masked, never logged.
 */
export const analysisInputs = {
  /** A spec file in the workspace, or the spec as inline YAML. */
  analysis: input.string({ multiline: true }),
  'prometheus-url': input.string({
    pattern: /^https?:\/\/[^\s@/?#]+(\/[^\s?#]*)?$/i,
    allowed:
      'the http(s) address of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090 (no credentials, query or fragment)',
  }),
  'prometheus-token': input.string({ secret: true }),
  'prometheus-username': input.string({ maxLength: 256 }),
  'prometheus-password': input.string({ secret: true }),
  /** A PEM file in the workspace, or the PEM itself. */
  'prometheus-ca': input.string({ multiline: true }),
  bake: input.duration({ default: '0s', max: '6h' }),
};

/**
 * The image verification policy deploy-blue-green, rollback and swiss/deploy@v1 share (read by
 * packages/supplychain). No signer given, no verification; a signer given, every image must pass it.
 */
export const verifyPolicyInputs = {
  'verify-key': input.string({ multiline: true }),
  'verify-identity': input.string(),
  'verify-issuer': input.string({ default: 'https://token.actions.githubusercontent.com' }),
  'verify-attestations': input.list({
    default: 'provenance,sbom',
    item: (item) =>
      ['provenance', 'sbom', 'none'].includes(item) ? undefined : 'is not provenance, sbom or none',
    itemAllowed: 'provenance, sbom or none',
  }),
  'verify-source-repository': input.string({
    pattern: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
    allowed: 'a repository as owner/name',
  }),
  'verify-transparency-log': input.boolean({ default: 'true' }),
  'cosign-version': input.string({
    default: '3.1.3',
    pattern: /^v?\d+\.\d+\.\d+$/,
    allowed: 'an exact version such as 3.1.3',
  }),
  'cosign-mirror': input.string({ pattern: /^https?:\/\/\S+$/, allowed: 'an http(s) base URL' }),
};

/**
 * What the deploy entries tell the world (packages/telemetry and packages/notify read them). The notify
 * inputs are secrets, since a webhook URL is its own credential.
 */
export const telemetryInputs = {
  notify: input.string({ secret: true, multiline: true }),
  'notify-secret': input.string({ secret: true }),
  'otlp-endpoint': input.string({
    pattern: /^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/i,
    allowed: 'the http(s) base URL of an OTLP/HTTP receiver, e.g. http://otel-collector:4318',
  }),
  'pushgateway-url': input.string({
    pattern: /^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/i,
    allowed: 'the http(s) base URL of a Prometheus Pushgateway, e.g. http://pushgateway.monitoring:9091',
  }),
};
