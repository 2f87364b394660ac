import { input } from './inputs';

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
