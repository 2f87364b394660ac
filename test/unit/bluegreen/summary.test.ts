import { deploySummary } from '@swiss-deploy/bluegreen';
import type { DeployReport } from '../../../packages/bluegreen/types';

const report: DeployReport = {
  app: 'shop',
  namespace: 'prod',
  status: 'succeeded',
  color: 'green',
  previousColor: 'blue',
  revision: 4,
  previewServices: ['prod/shop-preview:80'],
  stableServices: ['prod/shop:80'],
  images: [
    {
      workload: 'shop-green',
      container: 'web',
      image: `registry.example/shop@sha256:${'a'.repeat(64)}`,
      digest: `sha256:${'a'.repeat(64)}`,
    },
  ],
  replicas: [{ workload: 'shop-green', ready: 3, desired: 3 }],
  gateMs: 12_300,
  switchMs: 850,
  durationMs: 65_000,
  requests: { '*': 31 },
  runUrl: 'https://github.com/swiss/example-app/actions/runs/7001',
};

describe('the job summary of a deploy', () => {
  const html = deploySummary(report, { environmentUrl: 'https://shop.example.com' }).toString();

  it.each([
    ['app', 'shop'],
    ['namespace', 'prod'],
    ['color', 'green (was blue)'],
    ['revision', '4'],
    ['replicas ready', 'shop-green 3/3'],
    ['gate time', '12.3s'],
    ['switch time', '850ms'],
    ['total time', '1m 05s'],
  ])('has a row %s = %s', (label, value) => {
    expect(html).toContain(`<tr><td>${label}</td><td>${value}</td></tr>`);
  });

  it('names images by digest and links the run and the environment', () => {
    expect(html).toContain(`<code>web: registry.example/shop@sha256:${'a'.repeat(64)}</code>`);
    expect(html).toContain(
      '<a href="https://github.com/swiss/example-app/actions/runs/7001">workflow run</a>',
    );
    expect(html).toContain('<a href="https://shop.example.com">https://shop.example.com</a>');
  });
});
