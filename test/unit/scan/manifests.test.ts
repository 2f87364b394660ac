import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '@swiss-deploy/kit';
import { checkManifestFiles, planScan } from '@swiss-deploy/scan';
import { parseManifests } from '../../../packages/scan/manifests';
import type { ScanInputs } from '../../../packages/scan/plan';
import { aliasBomb } from '../../support/yaml-bombs';

function captureStdout(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return { text: () => chunks.join(''), restore: () => spy.mockRestore() };
}

function scanInputs(manifests: string[]): ScanInputs {
  return {
    'image-scanners': ['vuln'],
    manifests,
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

describe('scanned manifests', () => {
  it('refuses an alias bomb as the alias limit, naming the file and the line of its document', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\n${aliasBomb()}`;
    let error: unknown;
    try {
      parseManifests(text, 'render/shop.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /^render\/shop\.yaml is not valid YAML at line 5: it expands more than 100 aliases, the limit/,
    );
    expect((error as UserError).location).toEqual({ file: 'render/shop.yaml', line: 5 });
  });

  it('warns, as an annotation on the file, when a manifest file holds no object', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'scan-manifests-'));
    mkdirSync(path.join(workspace, 'render'));
    writeFileSync(path.join(workspace, 'render', 'empty.yaml'), '# nothing rendered\n---\n');
    writeFileSync(
      path.join(workspace, 'render', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a, namespace: shop }\n',
    );
    const plan = await planScan(scanInputs(['render']), { workspace, temp: workspace, now: new Date() });
    const stdout = captureStdout();
    try {
      await checkManifestFiles(plan);
    } finally {
      stdout.restore();
    }
    const warnings = stdout
      .text()
      .split('\n')
      .filter((line) => line.startsWith('::warning'));
    expect(warnings).toEqual([
      `::warning file=${path.join('render', 'empty.yaml')}::${path.join('render', 'empty.yaml')} holds no Kubernetes object: nothing in it was checked.`,
    ]);
  });
});
