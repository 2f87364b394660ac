import { input } from '@swiss-deploy/kit';

/** A DNS-1123 label: what Kubernetes allows in the names derived from app and namespace. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const inputs = {
  manifests: input.list({ separator: 'newline' }),
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
  action: input.enum(['deploy', 'promote', 'abort'], { default: 'deploy' }),
  timeout: input.duration({ default: '10m', min: '1s', max: '6h' }),
  'unschedulable-grace': input.duration({ default: '2m', max: '6h' }),
  promotion: input.enum(['auto', 'manual'], { default: 'auto' }),
  'previous-replicas': input.string({
    default: 'all',
    pattern: /^(all|\d{1,4})$/,
    allowed: '"all" or a whole number of replicas',
  }),
  'history-limit': input.integer({ default: '10', min: 1, max: 100 }),
  'lock-timeout': input.duration({ default: '0s', max: '6h' }),
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
  'preview-service',
  'stable-service',
  'status',
  'duration',
] as const;
