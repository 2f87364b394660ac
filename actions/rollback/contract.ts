import { input } from '@swiss-deploy/kit';

/** A DNS-1123 label: what Kubernetes allows in the names derived from app and namespace. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const inputs = {
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
  to: input.string({
    default: 'previous',
    pattern: /^(previous|[1-9]\d{0,8})$/i,
    allowed: '"previous" or a revision number (1, 2, …)',
  }),
  reason: input.string({ required: true, maxLength: 500, pattern: /\S/, allowed: 'a few words on why' }),
  'dry-run': input.boolean({ default: 'false' }),
  timeout: input.duration({ default: '10m', min: '1s', max: '6h' }),
  'unschedulable-grace': input.duration({ default: '2m', max: '6h' }),
  'lock-timeout': input.duration({ default: '0s', max: '6h' }),
  'history-limit': input.integer({ default: '10', min: 1, max: 100 }),
  kubeconfig: input.string({ secret: true }),
  context: input.string(),
  'github-token': input.string({ secret: true, default: '${{ github.token }}' }),
  environment: input.string(),
  'environment-url': input.string({
    pattern: /^https?:\/\/\S+$/i,
    allowed: 'an absolute http:// or https:// URL',
  }),
};

export const outputs = [
  'color',
  'previous-color',
  'revision',
  'target-revision',
  'mode',
  'duration',
] as const;
