import {
  analysisInputs,
  canaryInputs,
  deployTargetInputs,
  input,
  trafficInputs,
  verifyPolicyInputs,
} from '@swiss-deploy/kit';

export const inputs = {
  ...deployTargetInputs,
  ...trafficInputs,
  ...canaryInputs,
  ...analysisInputs,
  ...verifyPolicyInputs,
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
  timeout: input.duration({ default: '10m', min: '10s', max: '6h' }),
  'previous-replicas': input.string({
    default: 'all',
    pattern: /^(all|\d+)$/,
    allowed: '"all" or a whole number',
  }),
  'smoke-checks': input.string({ multiline: true }),
  'smoke-path': input.string({
    default: '/healthz',
    pattern: /^\/[^\s]*$/,
    allowed: 'one absolute path: starting with /, no spaces or line breaks',
  }),
  'smoke-url': input.string({
    pattern: /^https?:\/\/[^\s/?#]+(?::\d+)?\/?$/i,
    allowed: 'the http(s) base URL of the live route, e.g. https://shop.example.com (no path)',
  }),
  'smoke-host-header': input.string({
    pattern: /^[A-Za-z0-9.-]+(:\d+)?$/,
    allowed: 'a host name, optionally with :port',
  }),
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
  'step',
  'weight',
  'duration',
  'rolled-back',
  'manifests',
  'manifest-digest',
] as const;
