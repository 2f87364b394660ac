import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planScan } from '@swiss-deploy/scan';
import type { ScanInputs } from '../../../packages/scan/plan';

function inputs(sbom: string): ScanInputs {
  return {
    'image-scanners': ['vuln'],
    sbom,
    manifests: [],
    'config-paths': [],
    'trivy-reports': [],
    'fail-on': 'high',
    'ignore-unfixed': false,
    policies: [],
    'sarif-file': 'scan.sarif',
    'report-file': 'scan.json',
    'trivy-version': '0.70.0',
    'db-repository': [],
    'db-cache': false,
  };
}

describe('the sbom scan target', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'scan-sbom-'));
  const workspace = path.join(root, 'workspace');
  const temp = path.join(root, 'runner-temp');
  mkdirSync(workspace);
  mkdirSync(temp);
  const sbom = path.join(temp, 'sbom-0123.cdx.json');
  writeFileSync(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));

  it("takes build-image's SBOM from RUNNER_TEMP and scans it with Trivy instead of the image", async () => {
    const plan = await planScan(inputs(sbom), { workspace, temp, now: new Date() });
    expect(plan.sbom).toEqual({ absolute: sbom, shown: sbom });
    expect(plan.imageRef).toBeUndefined();
    expect(plan.needsTrivy).toBe(true);
  });

  it('refuses a file that is not a CycloneDX SBOM, and one outside the workspace and RUNNER_TEMP', async () => {
    const spdx = path.join(workspace, 'sbom.spdx.json');
    writeFileSync(spdx, JSON.stringify({ spdxVersion: 'SPDX-2.3' }));
    await expect(planScan(inputs('sbom.spdx.json'), { workspace, temp, now: new Date() })).rejects.toThrow(
      'Input "sbom" is "sbom.spdx.json": expected a CycloneDX JSON SBOM (build-image\'s sbom output).',
    );
    const outside = path.join(root, 'elsewhere.json');
    writeFileSync(outside, JSON.stringify({ bomFormat: 'CycloneDX' }));
    await expect(planScan(inputs(outside), { workspace, temp, now: new Date() })).rejects.toThrow(
      /Input "sbom"/,
    );
  });
});
