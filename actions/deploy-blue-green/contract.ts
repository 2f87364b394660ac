import {
  analysisInputs,
  canaryInputs,
  deployTargetInputs,
  input,
  telemetryInputs,
  trafficInputs,
  verifyPolicyInputs,
} from '@swiss-deploy/kit';

export const inputs = {
  ...deployTargetInputs,
  ...trafficInputs,
  ...canaryInputs,
  ...analysisInputs,
  ...telemetryInputs,
  ...verifyPolicyInputs,
  manifests: input.list({ separator: 'newline' }),
  action: input.enum(['deploy', 'promote', 'abort'], { default: 'deploy' }),
  timeout: input.duration({ default: '10m', min: '1s', max: '6h' }),
  promotion: input.enum(['auto', 'manual'], { default: 'auto' }),
  'previous-replicas': input.string({
    default: 'all',
    pattern: /^(all|\d{1,4})$/,
    allowed: '"all" or a whole number of replicas',
  }),
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
  'step',
  'weight',
  'duration',
] as const;
