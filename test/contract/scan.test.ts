import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, type StepResult } from '../support/runner';
import { repoRoot } from '../support/versions';

const actionDir = path.join(repoRoot, 'actions', 'scan');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'scan');

/** A workspace holding the fixtures at the paths a repository would have them. */
function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scan-ws-'));
  cpSync(path.join(fixtures, 'manifests'), path.join(dir, 'deploy'), { recursive: true });
  cpSync(path.join(fixtures, 'trivy'), path.join(dir, 'reports'), { recursive: true });
  cpSync(path.join(fixtures, 'ignore'), path.join(dir, '.github'), { recursive: true });
  return dir;
}

interface SarifFile {
  runs: { results: { ruleId: string; level: string }[] }[];
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The fixture image report holds 2 CRITICAL, 2 HIGH, 2 MEDIUM, 1 LOW and 1 UNKNOWN finding; clean.yaml none. */
const THRESHOLDS = [
  { failOn: 'critical', blocking: 2 },
  { failOn: 'high', blocking: 4 },
  { failOn: 'medium', blocking: 6 },
  { failOn: 'low', blocking: 7 },
  { failOn: 'unknown', blocking: 8 },
  { failOn: 'never', blocking: 0 },
] as const;

describe('the scan action, run as the runner runs it', () => {
  describe.each(THRESHOLDS)('with fail-on: $failOn', ({ failOn, blocking }) => {
    let main: StepResult;
    beforeAll(async () => {
      ({ main } = await runAction({
        actionDir,
        workspace: workspace(),
        inputs: {
          'image-ref': '',
          manifests: 'deploy/clean.yaml',
          'trivy-reports': 'reports/image-report.json',
          'fail-on': failOn,
        },
      }));
    });

    it('has exit code, outputs, summary, report and SARIF that agree with each other', () => {
      const passed = blocking === 0;
      // exit code
      expect(main.exitCode).toBe(passed ? 0 : 1);
      // outputs
      expect(main.outputs).toMatchObject({
        passed: String(passed),
        critical: '2',
        high: '2',
        medium: '2',
        low: '1',
        unknown: '1',
        total: '8',
        blocking: String(blocking),
        ignored: '0',
      });
      // SARIF: every counted finding once, an error exactly for each one that fails the gate
      const sarif = readJson<SarifFile>(main.outputs['sarif-file'] as string);
      const results = sarif.runs[0]?.results ?? [];
      expect(results).toHaveLength(8);
      expect(results.filter((r) => r.level === 'error')).toHaveLength(blocking);
      // the JSON report
      const report = readJson<{ passed: boolean; blocking: number; findings: { blocking: boolean }[] }>(
        main.outputs.report as string,
      );
      expect(report.passed).toBe(passed);
      expect(report.blocking).toBe(blocking);
      expect(report.findings.filter((f) => f.blocking)).toHaveLength(blocking);
      // summary
      expect(main.summary).toContain(passed ? '<h2>Scan passed</h2>' : '<h2>Scan failed</h2>');
      expect(main.summary).toContain(`<tr><td>failing the gate</td><td>${blocking}</td></tr>`);
      expect(main.summary).toContain('<tr><td>CRITICAL</td><td>2</td>');
      // annotations point at files of the repository only, never at paths inside the image
      expect(main.annotations.filter((a) => a.file === '/app/config/.env')).toEqual([]);
      // the failure annotation
      const failure = main.annotations.filter((a) => a.message.startsWith('The scan gate failed'));
      expect(failure).toHaveLength(passed ? 0 : 1);
    });
  });

  it('fails on an expired ignore entry, names it, and still honours the active one', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: {
        'trivy-reports': 'reports/image-report.json',
        'ignore-file': '.github/expired.yml',
        'fail-on': 'critical',
        'ignore-unfixed': 'false',
      },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toMatchObject({ passed: 'false', high: '1', low: '1', ignored: '1', blocking: '3' });
    const failure = main.annotations.find((a) => a.message.startsWith('The scan gate failed'));
    expect(failure?.message).toContain(
      'Ignore entry CVE-2026-10005 (.github/expired.yml, line 6) expired on 2026-01-31: it no longer ignores 1 finding.',
    );
    expect(main.annotations).toContainEqual(
      expect.objectContaining({
        level: 'error',
        file: '.github/expired.yml',
        line: 6,
        title: 'Ignore entry CVE-2026-10005 expired',
      }),
    );
    expect(main.summary).toContain('<h3>Expired ignore entries</h3>');
    expect(main.summary).toContain('<td>CVE-2026-10002</td><td>2099-12-31</td>');
  });

  it('rejects a malformed ignore file with its line, before scanning anything', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: { 'trivy-reports': 'reports/image-report.json', 'ignore-file': '.github/malformed.yml' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    expect(main.annotations).toEqual([
      expect.objectContaining({
        level: 'error',
        file: '.github/malformed.yml',
        line: 7,
        message: expect.stringContaining(
          'Ignore file .github/malformed.yml, line 7: expires is "next spring": expected a date as YYYY-MM-DD',
        ),
      }),
    ]);
  });

  it('annotates manifest findings on their lines and applies policy settings', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: { manifests: 'deploy/risky.yaml', policies: 'SWD014=off\nSWD016=high', 'fail-on': 'high' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations).toContainEqual(
      expect.objectContaining({
        level: 'error',
        file: 'deploy/risky.yaml',
        line: 21,
        title: 'HIGH SWD001: privileged-container',
        message: expect.stringContaining('Fix: Remove securityContext.privileged'),
      }),
    );
    const ids = readJson<SarifFile>(main.outputs['sarif-file'] as string).runs[0]?.results.map(
      (r) => r.ruleId,
    );
    expect(ids).not.toContain('SWD014');
    expect(main.outputs.high).toBe(String(5 + 1)); // SWD016 raised to HIGH
  });

  it('names the input when there is nothing to scan or a path does not exist', async () => {
    const { main } = await runAction({
      actionDir,
      workspace: workspace(),
      inputs: { manifests: 'deploy/missing.yaml' },
    });
    expect(main.exitCode).toBe(1);
    expect(main.annotations[0]?.message).toContain(
      'Input "manifests" is "deploy/missing.yaml": expected an existing file or folder (not found).',
    );
    const empty = await runAction({ actionDir, workspace: workspace(), inputs: {} });
    expect(empty.main.annotations[0]?.message).toContain('Nothing to scan');
  });
});
