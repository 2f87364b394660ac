import { input } from '@swiss-deploy/kit';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const inputs = {
  app: input.string({ required: true, pattern: DNS_LABEL, allowed: 'a DNS label (a-z, 0-9, -; at most 63)' }),
  namespace: input.string({
    required: true,
    pattern: DNS_LABEL,
    allowed: 'a DNS label (a-z, 0-9, -; at most 63)',
  }),
  'image-ref': input.string({
    required: true,
    pattern: /^[^\s@]+@sha256:[0-9a-f]{64}$/,
    allowed: 'an image by digest, repo@sha256:<64 hex> (the image-ref output of build-image)',
  }),
  chart: input.string(),
  'chart-version': input.string(),
  'values-files': input.list({ separator: 'newline' }),
  set: input.list({ separator: 'newline' }),
  'set-string': input.list({ separator: 'newline' }),
  'kube-version': input.string({ default: '1.36' }),
  kubeconfig: input.string({ secret: true }),
  context: input.string(),
  timeout: input.duration({ default: '10m', min: '10s', max: '6h' }),
  'previous-replicas': input.string({
    default: 'all',
    pattern: /^(all|\d+)$/,
    allowed: '"all" or a whole number',
  }),
  'history-limit': input.integer({ default: '10', min: 1, max: 100 }),
  'lock-timeout': input.duration({ default: '0s', max: '1h' }),
  'smoke-checks': input.string({ multiline: true }),
  'smoke-path': input.string({ default: '/healthz', pattern: /^\//, allowed: 'a path starting with /' }),
  'smoke-timeout': input.duration({ default: '10s', min: '100ms', max: '10m' }),
  'smoke-retries': input.integer({ default: '10', min: 0, max: 1000 }),
  'github-token': input.string({ secret: true, default: '${{ github.token }}' }),
  environment: input.string(),
  'environment-url': input.string({ pattern: /^https?:\/\/\S+$/, allowed: 'an http(s) URL' }),
};

export const outputs = [
  'color',
  'previous-color',
  'revision',
  'preview-service',
  'stable-service',
  'status',
  'duration',
  'rolled-back',
  'manifests',
  'manifest-digest',
] as const;
