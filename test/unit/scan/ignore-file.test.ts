import { UserError } from '@swiss-deploy/kit';
import { type Finding } from '@swiss-deploy/scan';
import { entryMatches, globToRegExp, isExpired, parseIgnoreFile } from '../../../packages/scan/ignore-file';
import { aliasBomb } from '../../support/yaml-bombs';

const VALID = `# accepted risks of the shop
ignore:
  - id: CVE-2026-10003
    reason: libxml2 only parses our own config; no upstream fix yet.
    expires: 2026-12-31
  - id: SWD014
    reason: the mesh enforces traffic policy instead
    expires: 2027-03-01
    paths: ["deploy/**", Service/shop/web]
`;

function problem(text: string): UserError {
  try {
    parseIgnoreFile(text, '.github/scan-ignore.yml');
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('parseIgnoreFile accepted a malformed file');
}

const finding = (overrides: Partial<Finding> = {}): Finding => ({
  ruleId: 'SWD014',
  kind: 'policy',
  severity: 'LOW',
  title: 'service-without-network-policy',
  message: 'Service/shop/web selects pods that no NetworkPolicy in the manifests selects.',
  location: { file: 'deploy/out/manifests.yaml', line: 12 },
  tool: 'swiss-deploy',
  object: 'Service/shop/web',
  ...overrides,
});

describe('the ignore file', () => {
  it('reads entries with id, reason, expiry date, optional paths and their line', () => {
    expect(parseIgnoreFile(VALID, '.github/scan-ignore.yml')).toEqual([
      {
        id: 'CVE-2026-10003',
        reason: 'libxml2 only parses our own config; no upstream fix yet.',
        expires: '2026-12-31',
        paths: [],
        file: '.github/scan-ignore.yml',
        line: 3,
      },
      {
        id: 'SWD014',
        reason: 'the mesh enforces traffic policy instead',
        expires: '2027-03-01',
        paths: ['deploy/**', 'Service/shop/web'],
        file: '.github/scan-ignore.yml',
        line: 6,
      },
    ]);
  });

  it('accepts an empty file and an empty list', () => {
    expect(parseIgnoreFile('', 'x.yml')).toEqual([]);
    expect(parseIgnoreFile('ignore: []\n', 'x.yml')).toEqual([]);
  });

  it.each([
    [
      'an entry without a reason',
      'ignore:\n  - id: CVE-1\n    expires: 2026-01-01\n',
      2,
      'the entry has no reason',
    ],
    [
      'an entry without an expiry date',
      'ignore:\n  - id: CVE-1\n    reason: r\n',
      2,
      'the entry has no expires',
    ],
    [
      'an empty reason',
      'ignore:\n  - id: CVE-1\n    reason: ""\n    expires: 2026-01-01\n',
      3,
      'the entry has no reason',
    ],
    [
      'a date that does not exist',
      'ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2026-02-30\n',
      4,
      'expires is "2026-02-30": expected a date as YYYY-MM-DD',
    ],
    [
      'a date in another format',
      'ignore:\n  - id: CVE-1\n    reason: r\n    expires: 31.12.2026\n',
      4,
      'expected a date as YYYY-MM-DD',
    ],
    [
      'an unknown key (a typo)',
      'ignore:\n  - id: CVE-1\n    reason: r\n    expire: 2026-01-01\n',
      4,
      'unknown key "expire"',
    ],
    ['an unknown top-level key', 'ignores:\n  - id: CVE-1\n', 1, 'unknown key "ignores"'],
    ['a list at the top', '- id: CVE-1\n', 1, 'the top level must be a mapping'],
    ['an entry that is text', 'ignore:\n  - CVE-1\n', 2, 'an entry must be a mapping'],
    [
      'paths that are not a list of globs',
      'ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2026-01-01\n    paths: {a: 1}\n',
      5,
      'paths must be a list of globs',
    ],
    [
      'the same entry twice',
      'ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2026-01-01\n  - id: CVE-1\n    reason: s\n    expires: 2026-01-02\n',
      5,
      'a second entry for CVE-1; the first is on line 2',
    ],
    [
      'broken YAML',
      'ignore:\n  - id: CVE-1\n    reason: r: s\n',
      3,
      'not valid YAML: Nested mappings are not allowed',
    ],
  ])('rejects %s with a clear error and its line', (_what, text, line, message) => {
    const error = problem(text);
    expect(error.message).toContain(`Ignore file .github/scan-ignore.yml, line ${line}: `);
    expect(error.message).toContain(message);
    expect(error.location).toEqual({ file: '.github/scan-ignore.yml', line });
    expect(error.hint).toContain('id, a reason and an expiry date');
  });

  it('ignores through the expiry day and stops the day after (UTC)', () => {
    const [entry] = parseIgnoreFile(VALID, 'x.yml');
    expect(isExpired(entry!, new Date('2026-12-31T23:59:59Z'))).toBe(false);
    expect(isExpired(entry!, new Date('2027-01-01T00:00:00Z'))).toBe(true);
  });

  it('matches by id or alias, case-insensitively, and within its paths only', () => {
    const [, mesh] = parseIgnoreFile(VALID, 'x.yml');
    expect(entryMatches(mesh!, finding())).toBe(true);
    expect(entryMatches(mesh!, finding({ ruleId: 'swd014' }))).toBe(true);
    expect(entryMatches(mesh!, finding({ ruleId: 'SWD001' }))).toBe(false);
    expect(
      entryMatches(mesh!, finding({ location: { file: 'other/app.yaml' }, object: 'Service/shop/api' })),
    ).toBe(false);
    // the object name is a subject too
    expect(entryMatches(mesh!, finding({ location: { file: 'other/app.yaml' } }))).toBe(true);
    const avd = { ...mesh!, id: 'AVD-KSV-0014', paths: [] };
    expect(entryMatches(avd, finding({ ruleId: 'KSV014', aliases: ['AVD-KSV-0014'] }))).toBe(true);
  });

  it('turns globs into anchored patterns: * stays in a segment, ** crosses them', () => {
    expect(globToRegExp('deploy/*.yaml').test('deploy/app.yaml')).toBe(true);
    expect(globToRegExp('deploy/*.yaml').test('deploy/sub/app.yaml')).toBe(false);
    expect(globToRegExp('deploy/**/app.yaml').test('deploy/a/b/app.yaml')).toBe(true);
    expect(globToRegExp('usr/lib/**').test('usr/lib/x86_64/libssl.so')).toBe(true);
    expect(globToRegExp('file?.txt').test('file1.txt')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });

  it('refuses an alias bomb as the alias limit, naming the file and line', () => {
    expect(problem(aliasBomb()).message).toMatch(
      /^Ignore file \.github\/scan-ignore\.yml, line 1: not valid YAML: it expands more than 100 aliases/,
    );
  });
});
