import * as path from 'node:path';
import { parseInputs } from '@swiss-deploy/kit';
import { inputs } from '../../../src/contract';
import { planChain } from '../../../src/plan';
import { repoRoot } from '../../support/versions';

const builtinChart = path.join(repoRoot, 'charts', 'swiss-app');
const imageRef = `registry.example.ch/team/shop@sha256:${'b'.repeat(64)}`;

function values(given: Record<string, string>) {
  const all = { app: 'shop', namespace: 'shop-prod', 'image-ref': imageRef, ...given };
  return parseInputs(
    inputs,
    Object.fromEntries(Object.entries(all).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  );
}

describe('planning swiss/deploy@v1 before any request', () => {
  it('plans the built-in chart with the image by digest, every previous replica kept, no analysis', async () => {
    const plan = await planChain(values({}), builtinChart);
    expect(plan).toMatchObject({ previousReplicas: 'all', analysis: undefined, policy: undefined });
    expect(plan.chart.options).toMatchObject({ release: 'shop', namespace: 'shop-prod' });
    expect(JSON.stringify(plan.chart.options.image)).toContain('sha256:' + 'b'.repeat(64));
  });

  it('refuses a Host header for the live check without the live URL it is for', async () => {
    await expect(planChain(values({ 'smoke-host-header': 'shop.example.ch' }), builtinChart)).rejects.toThrow(
      'Input "smoke-host-header" is "shop.example.ch": it applies to smoke-url, which is empty.',
    );
  });

  it('keeps the number of previous replicas given', async () => {
    const plan = await planChain(values({ 'previous-replicas': '1' }), builtinChart);
    expect(plan.previousReplicas).toBe(1);
  });
});
