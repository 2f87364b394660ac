import { input } from '@swiss-deploy/kit';

// Checked with the inputs, so a step with nothing to scan fails before the scanner's code is loaded.
const subject = input.oneOf('Nothing to scan; set at least one of the inputs');

export const inputs = {
  'image-ref': input.string({ oneOf: subject }),
  'image-scanners': input.list({
    default: 'vuln,secret',
    item: (item) => (['vuln', 'secret'].includes(item) ? undefined : 'is not vuln or secret'),
    itemAllowed: 'vuln or secret',
  }),
  sbom: input.string({ oneOf: subject }),
  manifests: input.list({ separator: 'newline', oneOf: subject }),
  'config-paths': input.list({ separator: 'newline', oneOf: subject }),
  'trivy-reports': input.list({ separator: 'newline', oneOf: subject }),
  'fail-on': input.enum(['critical', 'high', 'medium', 'low', 'unknown', 'never'], { default: 'high' }),
  'ignore-unfixed': input.boolean({ default: 'false' }),
  'ignore-file': input.string(),
  policies: input.list(),
  'sarif-file': input.string({ default: '${{ runner.temp }}/scan.sarif' }),
  'report-file': input.string({ default: '${{ runner.temp }}/scan-report.json' }),
  'trivy-version': input.string({ default: '0.70.0' }),
  'trivy-mirror': input.string(),
  'db-repository': input.list({
    default: 'mirror.gcr.io/aquasec/trivy-db:2,ghcr.io/aquasecurity/trivy-db:2',
  }),
  'db-cache': input.boolean({ default: 'true' }),
};

export const outputs = [
  'passed',
  'critical',
  'high',
  'medium',
  'low',
  'unknown',
  'total',
  'blocking',
  'ignored',
  'sarif-file',
  'report',
] as const;
