import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gate, type Finding } from '@swiss-deploy/scan';
import { parseIgnoreFile } from '../../../packages/scan/ignore-file';
import { readTrivyReport, trivyFindings, TrivyReportError } from '../../../packages/scan/trivy-report';

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'scan');
const imageReport = readFileSync(path.join(fixtures, 'trivy', 'image-report.json'), 'utf8');
const findings = trivyFindings(readTrivyReport(imageReport, 'image-report.json'));
const NOW = new Date('2026-11-21T12:00:00Z');

describe('Trivy JSON reports (SchemaVersion 2)', () => {
  it('turns vulnerabilities and secrets into findings with package, fix and location', () => {
    expect(findings.map((f) => [f.kind, f.ruleId, f.severity])).toEqual([
      ['vulnerability', 'CVE-2026-10001', 'CRITICAL'],
      ['vulnerability', 'CVE-2026-10002', 'HIGH'],
      ['vulnerability', 'CVE-2026-10003', 'HIGH'],
      ['vulnerability', 'CVE-2026-10004', 'MEDIUM'],
      ['vulnerability', 'CVE-2026-10005', 'LOW'],
      ['vulnerability', 'GHSA-xxxx-2026-0006', 'MEDIUM'],
      ['vulnerability', 'CVE-2026-10007', 'UNKNOWN'],
      ['secret', 'aws-access-key-id', 'CRITICAL'],
    ]);
    const openssl = findings[0] as Finding;
    expect(openssl.pkg).toEqual({
      name: 'openssl',
      installed: '3.0.15-1~deb12u1',
      fixedIn: '3.0.16-1~deb12u1',
      fixed: true,
    });
    expect(openssl.fix).toBe('Upgrade openssl to 3.0.16-1~deb12u1 (rebuild the image on an updated base).');
    expect(openssl.helpUri).toBe('https://avd.aquasec.com/nvd/cve-2026-10001');
    expect(findings[2]?.pkg?.fixed).toBe(false);
    expect(findings[5]?.location.file).toBe('app/node_modules/express/package.json');
    const secret = findings[7] as Finding;
    expect(secret.location).toEqual({ file: '/app/config/.env', line: 3, endLine: 3 });
    expect(secret.message).not.toContain('AWS_ACCESS_KEY_ID=');
    // paths inside the image are not files of the repository: no annotation may point at them
    expect(secret.artifact).toMatch(/^registry\.example\/shop\/web@sha256:/);
    expect(openssl.artifact).toBe(secret.artifact);
  });

  it('reads misconfigurations that failed, with their AVD id as an alias, and skips passed checks', () => {
    const report = readTrivyReport(
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: 'deploy',
        ArtifactType: 'filesystem',
        Results: [
          {
            Target: 'Dockerfile',
            Class: 'config',
            Type: 'dockerfile',
            Misconfigurations: [
              {
                ID: 'DS-0002',
                AVDID: 'AVD-DS-0002',
                Title: 'Image user should not be root',
                Message: 'Specify at least 1 USER command in Dockerfile with non-root user as argument',
                Resolution: 'Add USER instruction to the Dockerfile',
                Severity: 'HIGH',
                Status: 'FAIL',
                CauseMetadata: { StartLine: 1, EndLine: 4 },
              },
              { ID: 'DS-0001', Severity: 'MEDIUM', Status: 'PASS' },
            ],
          },
        ],
      }),
      'config.json',
    );
    expect(trivyFindings(report, { baseDir: 'deploy' })).toEqual([
      expect.objectContaining({
        ruleId: 'DS-0002',
        aliases: ['AVD-DS-0002'],
        kind: 'misconfiguration',
        severity: 'HIGH',
        fix: 'Add USER instruction to the Dockerfile',
        location: { file: 'deploy/Dockerfile', line: 1, endLine: 4 },
      }),
    ]);
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['the old list format', '[]', /the top level is not an object/],
    [
      'another schema version',
      '{"SchemaVersion": 1}',
      /SchemaVersion 1; expected a Trivy JSON report with SchemaVersion 2/,
    ],
  ])('rejects %s', (_what, text, message) => {
    expect(() => readTrivyReport(text, 'r.json')).toThrow(TrivyReportError);
    expect(() => readTrivyReport(text, 'r.json')).toThrow(message);
  });
});

describe('the gate', () => {
  const options = { threshold: 'HIGH' as const, ignoreUnfixed: false, ignores: [], now: NOW };

  it('counts every finding, and fails on those at or above the threshold', () => {
    const result = gate(findings, options);
    expect(result.counts).toEqual({ CRITICAL: 2, HIGH: 2, MEDIUM: 2, LOW: 1, UNKNOWN: 1 });
    expect(result.reported.filter((f) => f.blocking).map((f) => f.ruleId)).toEqual([
      'aws-access-key-id',
      'CVE-2026-10001',
      'CVE-2026-10002',
      'CVE-2026-10003',
    ]);
    expect(result.blockingCount).toBe(4);
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual(['4 findings at HIGH or above (fail-on: high).']);
  });

  it('leaves out vulnerabilities without a fix when ignore-unfixed is set, and says so', () => {
    const result = gate(findings, { ...options, ignoreUnfixed: true });
    expect(result.ignored.map((i) => [i.finding.ruleId, i.by])).toEqual([
      ['CVE-2026-10003', 'unfixed'],
      ['CVE-2026-10004', 'unfixed'],
      ['CVE-2026-10005', 'unfixed'],
      ['CVE-2026-10007', 'unfixed'],
    ]);
    expect(result.counts).toEqual({ CRITICAL: 2, HIGH: 1, MEDIUM: 1, LOW: 0, UNKNOWN: 0 });
  });

  it('ignores what an active entry names, keeps its reason, and lists entries that matched nothing', () => {
    const ignores = parseIgnoreFile(
      `ignore:
  - id: CVE-2026-10001
    reason: openssl update rolls out with the next base image
    expires: 2026-11-30
  - id: CVE-1999-0001
    reason: stale
    expires: 2027-01-01
`,
      'scan-ignore.yml',
    );
    const result = gate(findings, { ...options, ignores });
    expect(result.ignored).toEqual([{ finding: findings[0], by: ignores[0] }]);
    expect(result.counts.CRITICAL).toBe(1);
    expect(result.unused).toEqual([ignores[1]]);
  });

  it('fails on an expired entry, naming it, and counts what it covered again', () => {
    const ignores = parseIgnoreFile(
      `ignore:
  - id: CVE-2026-10005
    reason: shadow's su is not in the runtime path
    expires: 2026-11-20
`,
      '.github/scan-ignore.yml',
    );
    const result = gate(findings, { ...options, threshold: 'CRITICAL', ignores });
    expect(result.ignored).toEqual([]);
    expect(result.counts.LOW).toBe(1);
    expect(result.expired).toEqual([{ entry: ignores[0], matched: 1 }]);
    expect(result.failures).toContain(
      'Ignore entry CVE-2026-10005 (.github/scan-ignore.yml, line 2) expired on 2026-11-20: it no longer ignores 1 finding. Renew it with a new date and reason, or remove it.',
    );
    expect(result.blockingCount).toBe(3);
    expect(result.passed).toBe(false);
  });

  it('never fails with fail-on never, and still reports everything', () => {
    const ignores = parseIgnoreFile('ignore:\n  - id: X\n    reason: r\n    expires: 2020-01-01\n', 'i.yml');
    const result = gate(findings, { ...options, threshold: 'NEVER', ignores });
    expect(result.passed).toBe(true);
    expect(result.blockingCount).toBe(0);
    expect(result.reported).toHaveLength(8);
    expect(result.expired).toHaveLength(1);
  });

  it('counts the same finding from two scans once', () => {
    expect(gate([...findings, ...findings], options).reported).toHaveLength(8);
  });
});
