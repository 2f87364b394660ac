import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { gate } from '@swiss-deploy/scan';
import { DEFAULT_POLICY, checkManifests } from '../../../packages/scan/policy';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';

const chart = path.join(repoRoot, 'charts', 'swiss-app');

/** The built-in chart rendered by the pinned helm, with its defaults and with an image by digest. */
function render(...set: string[]): string {
  if (!existsSync(path.join(chart, 'Chart.yaml')))
    throw new Error(`the built-in chart ${chart} does not exist (render-helm issue)`);
  return execFileSync(
    testEnv('HELM'),
    ['template', 'shop', chart, '--namespace', 'shop', ...set.flatMap((s) => ['--set', s])],
    {
      encoding: 'utf8',
    },
  );
}

describe('the built-in chart against the native policy', () => {
  it('renders with its defaults to zero HIGH or CRITICAL findings', () => {
    const findings = checkManifests([{ file: 'rendered.yaml', text: render() }], DEFAULT_POLICY);
    const result = gate(findings, { threshold: 'HIGH', ignoreUnfixed: false, ignores: [], now: new Date() });
    expect(result.reported.filter((f) => f.blocking).map((f) => `${f.ruleId} ${f.message}`)).toEqual([]);
    expect(result.counts.CRITICAL + result.counts.HIGH).toBe(0);
    expect(result.passed).toBe(true);
  });

  it('has no finding at all once render-helm injects the image by digest', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const text = render('image.repository=registry.example/shop/web', `image.digest=${digest}`);
    expect(text).toContain(`registry.example/shop/web@${digest}`);
    const findings = checkManifests([{ file: 'rendered.yaml', text }], DEFAULT_POLICY);
    expect(findings.map((f) => `${f.severity} ${f.ruleId} ${f.message}`)).toEqual([]);
  });
});
