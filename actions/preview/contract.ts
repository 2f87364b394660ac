import { deployTargetInputs, input } from '@swiss-deploy/kit';

export const inputs = {
  operation: input.enum(['prepare', 'comment', 'teardown', 'cleanup'], { required: true }),
  app: deployTargetInputs.app,
  'pr-number': input.integer({ min: 1, max: 999_999_999 }),
  ttl: input.duration({ default: '72h', min: '10m', max: '720h' }),
  kubeconfig: deployTargetInputs.kubeconfig,
  context: deployTargetInputs.context,
  'github-token': input.string({ secret: true, default: '${{ github.token }}' }),
  'deploy-result': input.enum(['success', 'failure', 'cancelled', 'skipped'], { default: 'success' }),
  revision: input.string({ pattern: /^\d{1,9}$/, allowed: 'a revision number (1, 2, …)' }),
  color: input.enum(['blue', 'green']),
  'image-ref': input.string({ maxLength: 512 }),
  registry: input.string({
    pattern: /^[a-z0-9.-]+(:\d{1,5})?$/i,
    allowed: 'a registry host, optionally with a port (ghcr.io, 127.0.0.1:5001)',
  }),
  'registry-username': input.string({ maxLength: 256 }),
  'registry-password': input.string({ secret: true }),
  'pull-secret-name': input.string({
    default: 'registry',
    pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    maxLength: 253,
    allowed: 'a Secret name (lower-case letters, digits, - and .)',
  }),
  timeout: input.duration({ default: '5m', min: '10s', max: '1h' }),
};

export const outputs = [
  'namespace',
  'environment',
  'expires-at',
  'comment-id',
  'removed',
  'deactivated',
] as const;
