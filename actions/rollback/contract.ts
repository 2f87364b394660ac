import {
  deployTargetInputs,
  input,
  telemetryInputs,
  trafficInputs,
  verifyPolicyInputs,
} from '@swiss-deploy/kit';

export const inputs = {
  ...deployTargetInputs,
  ...trafficInputs,
  ...telemetryInputs,
  ...verifyPolicyInputs,
  to: input.string({
    default: 'previous',
    pattern: /^(previous|[1-9]\d{0,8})$/i,
    allowed: '"previous" or a revision number (1, 2, …)',
  }),
  reason: input.string({ required: true, maxLength: 500, pattern: /\S/, allowed: 'a few words on why' }),
  'dry-run': input.boolean({ default: 'false' }),
  timeout: input.duration({ default: '10m', min: '1s', max: '6h' }),
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
