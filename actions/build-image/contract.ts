import { input } from '@swiss-deploy/kit';

const SIZE = /^\s*\d+(?:\.\d+)?\s*(?:B|kB|KB|MB|GB|KiB|MiB|GiB)\s*$/i;
const PROVENANCE = /^(?:true|false|(?:[a-z-]+=[^,]+)(?:,[a-z-]+=[^,]+)*)$/;

export const inputs = {
  context: input.string({ default: '.' }),
  file: input.string(),
  target: input.string({ pattern: /^[A-Za-z0-9_.-]+$/, allowed: 'a build stage name' }),
  image: input.string({ required: true }),
  tags: input.list({
    separator: 'newline',
    default:
      'type=ref,event=branch\ntype=ref,event=tag\ntype=ref,event=pr\ntype=semver,pattern={{version}}\ntype=sha',
  }),
  latest: input.enum(['auto', 'true', 'false'], { default: 'auto' }),
  labels: input.list({ separator: 'newline' }),
  'build-args': input.list({ separator: 'newline' }),
  secrets: input.list({ separator: 'newline', secret: true }),
  platforms: input.list(),
  push: input.boolean({ default: 'true' }),
  registry: input.string(),
  username: input.string(),
  password: input.string({ secret: true }),
  'cache-from': input.list({ separator: 'newline' }),
  'cache-to': input.list({ separator: 'newline' }),
  provenance: input.string({
    default: 'false',
    pattern: PROVENANCE,
    allowed: 'false, true, or buildx attestation attributes such as mode=max',
  }),
  sbom: input.boolean({ default: 'false' }),
  'size-budget': input.string({ pattern: SIZE, allowed: 'a size such as 150MB, 120MiB or 800kB' }),
  builder: input.string(),
  sign: input.enum(['none', 'key', 'keyless'], { default: 'none' }),
  'signing-key': input.string({ secret: true }),
  'signing-key-password': input.string({ secret: true }),
  attest: input.boolean({ default: 'true' }),
  'transparency-log': input.boolean({ default: 'true' }),
  'cosign-version': input.string({
    default: '3.1.3',
    pattern: /^v?\d+\.\d+\.\d+$/,
    allowed: 'an exact version such as 3.1.3',
  }),
  'cosign-mirror': input.string({ pattern: /^https?:\/\/\S+$/, allowed: 'an http(s) base URL' }),
  'trivy-version': input.string({ default: '0.70.0' }),
  'trivy-mirror': input.string(),
};

export const outputs = [
  'image',
  'digest',
  'image-ref',
  'tags',
  'metadata',
  'size',
  'signature',
  'sbom',
  'provenance',
] as const;
