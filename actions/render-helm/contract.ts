import { input } from '@swiss-deploy/kit';

// DNS-1123: what Kubernetes accepts as a namespace, and (at most 53 characters) what helm accepts as a release.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RELEASE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const inputs = {
  chart: input.string(),
  'chart-name': input.string({ pattern: /^[\w.-]+$/, allowed: 'a chart name in the repository' }),
  version: input.string({ pattern: /^\S+$/, allowed: 'a chart version (no spaces)' }),
  release: input.string({
    required: true,
    pattern: RELEASE,
    maxLength: 53,
    allowed: 'a release name: lower-case letters, digits, "-" and ".", at most 53 characters',
  }),
  namespace: input.string({
    default: 'default',
    pattern: DNS_LABEL,
    maxLength: 63,
    allowed: 'a Kubernetes namespace name (DNS-1123 label)',
  }),
  'values-files': input.list(),
  set: input.list({ separator: 'newline' }),
  'set-string': input.list({ separator: 'newline' }),
  'set-file': input.list({ separator: 'newline' }),
  'image-ref': input.string(),
  'image-value-paths': input.list({ separator: 'newline', default: 'image' }),
  'kube-version': input.string({
    default: '1.36',
    pattern: /^v?\d+\.\d+(\.\d+)?$/,
    allowed: 'a Kubernetes version such as 1.36 or 1.36.3',
  }),
  'api-versions': input.list({
    item: (item) => (/^([\w.-]+\/)?[\w.-]+(\/\w+)?$/.test(item) ? undefined : 'is not group/version[/Kind]'),
  }),
  'dependency-update': input.boolean({ default: 'false' }),
  lint: input.boolean({ default: 'true' }),
  'require-digests': input.boolean({ default: 'true' }),
  'helm-version': input.string({ default: '4.1.4' }),
  'helm-mirror': input.string({ pattern: /^https?:\/\/\S+$/, allowed: 'an http(s) URL' }),
  'registry-username': input.string(),
  'registry-password': input.string({ secret: true }),
  'plain-http': input.boolean({ default: 'false' }),
  'output-dir': input.string({ default: '.swiss-deploy/render-helm' }),
};

export const outputs = [
  'manifests',
  'objects',
  'images',
  'manifest-digest',
  'chart',
  'chart-version',
] as const;
