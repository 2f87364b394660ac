import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gate } from '@swiss-deploy/scan';
import { EXPIRED_IGNORE_RULE, sarifLevel, toSarif } from '../../../packages/scan/sarif';
import { checkManifests, policySettings } from '../../../packages/scan/policy';
import { parseIgnoreFile } from '../../../packages/scan/ignore-file';
import { readTrivyReport, trivyFindings } from '../../../packages/scan/trivy-report';
import { sarifValidator } from './sarif-schema';

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'scan');
const findings = [
  ...trivyFindings(
    readTrivyReport(readFileSync(path.join(fixtures, 'trivy', 'image-report.json'), 'utf8'), 'r'),
  ),
  ...checkManifests(
    [
      {
        file: 'deploy/risky.yaml',
        text: readFileSync(path.join(fixtures, 'manifests', 'risky.yaml'), 'utf8'),
      },
    ],
    policySettings([]),
  ),
];
const ignores = parseIgnoreFile(
  'ignore:\n  - id: SWD016\n    reason: r\n    expires: 2026-01-01\n',
  '.github/scan-ignore.yml',
);
const result = gate(findings, {
  threshold: 'HIGH',
  ignoreUnfixed: false,
  ignores,
  now: new Date('2026-11-21T00:00:00Z'),
});
const sarif = toSarif(result, { toolVersion: 'trivy-0.70.0' });
const validate = sarifValidator();

describe('SARIF output', () => {
  it('is valid SARIF 2.1.0', () => {
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
  });

  it('holds exactly the gated findings, errors exactly where the gate fails', () => {
    const [run] = sarif.runs;
    const findingResults = run!.results.filter((r) => r.ruleId !== EXPIRED_IGNORE_RULE);
    expect(findingResults).toHaveLength(result.reported.length);
    expect(findingResults.filter((r) => r.level === 'error')).toHaveLength(
      result.reported.filter((f) => f.blocking).length,
    );
    const errors = run!.results.filter((r) => r.level === 'error').length;
    expect(errors).toBe(result.blockingCount);
  });

  it('points manifest findings at their file and line, and image findings at the image', () => {
    const privileged = sarif.runs[0]!.results.find((r) => r.ruleId === 'SWD001');
    expect(privileged?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'deploy/risky.yaml' },
      region: { startLine: 21 },
    });
    const cve = sarif.runs[0]!.results.find((r) => r.ruleId === 'CVE-2026-10001');
    expect(cve?.locations[0]?.physicalLocation.artifactLocation.uri).toBe(
      'registry.example/shop/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef%20(debian%2012.8)',
    );
    expect(cve?.locations[0]?.physicalLocation.region).toBeUndefined();
  });

  it('describes each rule once, with its fix as help and a security-severity for code scanning', () => {
    const rules = sarif.runs[0]!.tool.driver.rules;
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    const rule = rules.find((r) => r.id === 'SWD001');
    expect(rule?.help.text).toBe('Remove securityContext.privileged, or set it to false.');
    expect(rule?.properties['security-severity']).toBe('8.0');
    for (const res of sarif.runs[0]!.results) expect(rules[res.ruleIndex]?.id).toBe(res.ruleId);
  });

  it('reports an expired ignore entry as an error at its line in the ignore file', () => {
    const expired = sarif.runs[0]!.results.filter((r) => r.ruleId === EXPIRED_IGNORE_RULE);
    expect(expired).toEqual([
      expect.objectContaining({
        level: 'error',
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: '.github/scan-ignore.yml' },
              region: { startLine: 2 },
            },
          },
        ],
      }),
    ]);
    expect(expired[0]?.message.text).toContain('Ignore entry SWD016 expired on 2026-01-01');
  });

  it('maps severities to levels: error when blocking, warning down to MEDIUM, note below', () => {
    expect(sarifLevel('LOW', true)).toBe('error');
    expect(sarifLevel('CRITICAL', false)).toBe('warning');
    expect(sarifLevel('MEDIUM', false)).toBe('warning');
    expect(sarifLevel('LOW', false)).toBe('note');
    expect(sarifLevel('UNKNOWN', false)).toBe('note');
  });
});
