import { SERVICE_REF_PATTERN, input } from '@swiss-deploy/kit';

// Checked with the inputs, so a step without a target fails before the check engine is loaded.
const target = input.oneOf('Give the smoke test something to test');

export const inputs = {
  url: input.string({
    pattern: /^https?:\/\/\S+$/i,
    allowed: 'an absolute http:// or https:// URL',
    oneOf: target,
  }),
  checks: input.string({ multiline: true, oneOf: target }),
  service: input.string({
    oneOf: target,
    pattern: SERVICE_REF_PATTERN,
    allowed: 'namespace/name:port, e.g. shop/web-preview:80',
  }),
  kubeconfig: input.string({ secret: true }),
  'host-header': input.string(),
  headers: input.list({ separator: 'newline', secret: true }),
  timeout: input.duration({ default: '10s', min: '1ms', max: '10m' }),
  interval: input.duration({ default: '2s', max: '10m' }),
  retries: input.integer({ default: '10', min: 0, max: 1000 }),
  'consecutive-successes': input.integer({ default: '1', min: 1, max: 100 }),
  concurrency: input.integer({ default: '4', min: 1, max: 64 }),
  'ca-file': input.string(),
  insecure: input.boolean({ default: 'false' }),
  load: input.yaml({ shape: 'object' }),
};

export const outputs = ['passed', 'failed-checks', 'p50', 'p95', 'requests'] as const;
