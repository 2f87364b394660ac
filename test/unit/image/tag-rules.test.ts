import {
  DEFAULT_TAG_RULES,
  computeTags,
  formatDate,
  parseSemVer,
  parseTagRule,
  parseTagRules,
  sanitizeTag,
} from '../../../packages/image/tag-rules';
import { eventContextFrom } from '../../../packages/image/event-context';
import type { EventContext, LatestPolicy } from '../../../packages/image/types';

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const NOW = new Date('2026-03-14T01:02:03Z');
const REPOSITORY = { full_name: 'swiss/app', default_branch: 'main' };

/** An event as the runner describes it: GITHUB_* variables and the payload file. */
function event(name: string, ref: string, payload: Record<string, unknown> = {}): EventContext {
  return eventContextFrom(
    { GITHUB_EVENT_NAME: name, GITHUB_REF: ref, GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'swiss/app' },
    { repository: REPOSITORY, ...payload },
    NOW,
  );
}

const pushToMain = event('push', 'refs/heads/main');
const pushToFeature = event('push', 'refs/heads/feature/login-form');
const tagV123 = event('push', 'refs/tags/v1.2.3');
const tagRc = event('push', 'refs/tags/v2.0.0-rc.1');
const pullRequest = eventContextFrom(
  {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REF: 'refs/pull/15/merge',
    GITHUB_SHA: SHA,
    GITHUB_REPOSITORY: 'swiss/app',
    GITHUB_BASE_REF: 'main',
  },
  { number: 15, pull_request: { number: 15, base: { ref: 'main' } }, repository: REPOSITORY },
  NOW,
);
// A schedule payload names the cron only; the ref is the default branch.
const schedule = eventContextFrom(
  {
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: SHA,
    GITHUB_REPOSITORY: 'swiss/app',
  },
  { schedule: '0 2 * * *' },
  NOW,
);

function tags(rules: readonly string[], context: EventContext, latest: LatestPolicy = 'auto'): string[] {
  return computeTags(parseTagRules(rules), context, latest).tags;
}

describe('the default tag rules', () => {
  it.each([
    ['a push to a branch', pushToMain, ['main', 'sha-860c190']],
    ['a push to a branch with a slash', pushToFeature, ['feature-login-form', 'sha-860c190']],
    ['the tag v1.2.3', tagV123, ['v1.2.3', '1.2.3', 'sha-860c190', 'latest']],
    ['a prerelease tag', tagRc, ['v2.0.0-rc.1', '2.0.0-rc.1', 'sha-860c190']],
    ['a pull request', pullRequest, ['pr-15', 'sha-860c190']],
    ['a scheduled run', schedule, ['main', 'sha-860c190']],
  ])('tag %s as expected', (_, context, expected) => {
    expect(tags(DEFAULT_TAG_RULES, context)).toEqual(expected);
  });
});

describe('type=semver', () => {
  const semverRules = [
    'type=semver,pattern={{version}}',
    'type=semver,pattern={{major}}.{{minor}}',
    'type=semver,pattern={{major}}',
  ];

  it('gives the version, the minor line and the major line for a release tag, then latest', () => {
    expect(tags(semverRules, tagV123)).toEqual(['1.2.3', '1.2', '1', 'latest']);
  });

  it('moves neither partial tags nor latest for a prerelease', () => {
    const computed = computeTags(parseTagRules(semverRules), tagRc, 'auto');
    expect(computed.tags).toEqual(['2.0.0-rc.1']);
    expect(computed.notes).toEqual([
      'type=semver,pattern={{major}}.{{minor}}: 2.0.0-rc.1 is a prerelease, so no partial version tag',
      'type=semver,pattern={{major}}: 2.0.0-rc.1 is a prerelease, so no partial version tag',
    ]);
  });

  it('gives no major-only tag for a 0.x version', () => {
    expect(tags(semverRules, event('push', 'refs/tags/v0.4.1'))).toEqual(['0.4.1', '0.4', 'latest']);
  });

  it('keeps the tag as written with {{raw}} and turns build metadata into a valid tag', () => {
    expect(tags(['type=semver,pattern={{raw}}'], tagV123)).toEqual(['v1.2.3', 'latest']);
    expect(tags(['type=semver,pattern={{version}}'], event('push', 'refs/tags/1.2.3+build.7'))).toEqual([
      '1.2.3-build.7',
      'latest',
    ]);
  });

  it('yields nothing on branches and for tags that are not versions, and says why', () => {
    expect(tags(semverRules, pushToMain)).toEqual([]);
    const computed = computeTags(
      parseTagRules(['type=semver,pattern={{version}}']),
      event('push', 'refs/tags/release-7'),
    );
    expect(computed.tags).toEqual([]);
    expect(computed.notes).toEqual([
      'type=semver,pattern={{version}}: "release-7" is not a semantic version, so no tag',
    ]);
  });

  it('takes the version from value= when given, on any event', () => {
    expect(tags(['type=semver,pattern={{major}}.{{minor}},value=v3.4.5'], pushToMain)).toEqual([
      '3.4',
      'latest',
    ]);
  });
});

describe('type=ref, type=sha, type=raw, type=schedule', () => {
  it('tags a branch push with the branch only, a tag with the tag only, a pull request with pr-<number>', () => {
    const refRules = ['type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'];
    expect(tags(refRules, pushToMain)).toEqual(['main']);
    expect(tags(refRules, tagV123)).toEqual(['v1.2.3', 'latest']);
    expect(tags(refRules, pullRequest)).toEqual(['pr-15']);
  });

  it('finds the pull request number in the ref when the payload has none', () => {
    const context = eventContextFrom(
      { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/pull/99/merge', GITHUB_SHA: SHA },
      {},
      NOW,
    );
    expect(tags(['type=ref,event=pr'], context)).toEqual(['pr-99']);
  });

  it('writes the short or long commit with its prefix and suffix', () => {
    expect(tags(['type=sha'], pushToMain)).toEqual(['sha-860c190']);
    expect(tags(['type=sha,format=long,prefix='], pushToMain)).toEqual([SHA]);
    expect(tags(['type=sha,prefix={{branch}}-,suffix=-x'], pushToMain)).toEqual(['main-860c190-x']);
  });

  it('takes raw values and bare words as tags, with expressions', () => {
    expect(tags(['stable', "type=raw,value={{branch}}-{{date 'YYYYMMDD'}}"], pushToMain)).toEqual([
      'stable',
      'main-20260314',
    ]);
  });

  it('tags scheduled runs only, nightly unless a pattern says otherwise', () => {
    expect(tags(['type=schedule'], schedule)).toEqual(['nightly']);
    expect(tags(["type=schedule,pattern=nightly-{{date 'YYYYMMDD'}}"], schedule)).toEqual([
      'nightly-20260314',
    ]);
    expect(tags(['type=schedule'], pushToMain)).toEqual([]);
  });

  it('honours enable, including {{is_default_branch}}', () => {
    const rules = ['type=raw,value=edge,enable={{is_default_branch}}', 'type=raw,value=off,enable=false'];
    expect(tags(rules, pushToMain)).toEqual(['edge']);
    expect(tags(rules, pushToFeature)).toEqual([]);
    // A schedule payload does not name the default branch, so nothing counts as it.
    expect(tags(rules, schedule)).toEqual([]);
  });

  it('drops duplicates and keeps rule order', () => {
    expect(tags(['type=raw,value=main', 'type=ref,event=branch', 'type=sha'], pushToMain)).toEqual([
      'main',
      'sha-860c190',
    ]);
  });
});

describe('the latest policy', () => {
  it('auto: latest only for a release, never for branches, pull requests or schedules', () => {
    expect(tags(DEFAULT_TAG_RULES, tagV123, 'auto')).toContain('latest');
    for (const context of [pushToMain, pullRequest, schedule, tagRc]) {
      expect(tags(DEFAULT_TAG_RULES, context, 'auto')).not.toContain('latest');
    }
  });

  it('auto: a tag push whose rules do not name the release does not move latest', () => {
    expect(tags(['type=sha'], tagV123, 'auto')).toEqual(['sha-860c190']);
  });

  it('true: latest on every event, last', () => {
    expect(tags(['type=raw,value=latest', 'type=ref,event=branch'], pushToMain, 'true')).toEqual([
      'main',
      'latest',
    ]);
    expect(tags(['type=ref,event=pr'], pullRequest, 'true')).toEqual(['pr-15', 'latest']);
  });

  it('false: never added, but a raw latest rule still asks for it', () => {
    expect(tags(DEFAULT_TAG_RULES, tagV123, 'false')).not.toContain('latest');
    expect(tags(['type=raw,value=latest'], pushToMain, 'false')).toEqual(['latest']);
  });
});

describe('the version label', () => {
  it('is the semantic version for a release, the tag, or the most specific tag otherwise', () => {
    expect(computeTags(parseTagRules(DEFAULT_TAG_RULES), tagV123).version).toBe('1.2.3');
    expect(computeTags(parseTagRules(['type=sha']), event('push', 'refs/tags/release-7')).version).toBe(
      'release-7',
    );
    expect(computeTags(parseTagRules(DEFAULT_TAG_RULES), pullRequest).version).toBe('pr-15');
    expect(computeTags(parseTagRules([]), pushToMain).version).toBe('860c190');
  });
});

describe('rules that cannot work are refused before anything runs', () => {
  it.each([
    ['type=ref', 'event must be branch, tag or pr'],
    ['type=ref,event=push', 'event must be branch, tag or pr'],
    ['type=semver', 'it needs a pattern'],
    ['type=semver,pattern=v1', 'uses none of {{version}}'],
    ['type=raw,value=', 'it needs a value'],
    ['type=docker', 'type "docker" is not one of sha, ref, semver, raw, schedule'],
    ['type=sha,format=medium', 'format must be short or long'],
    ['type=sha,event=tag', 'type=sha takes no "event"'],
    ['type=raw,value={{commit}}', '{{commit}} is not known here'],
    ['type=raw,value=a,enable=maybe', 'enable must be true, false or an expression'],
    ['type=raw,value=a,value=b', '"value" is given twice'],
    ['prefix=x', 'it has no type='],
  ])('%s', (line, problem) => {
    expect(() => parseTagRule(line)).toThrow(problem);
    expect(() => parseTagRule(line)).toThrow(`Input "tags" has the rule "${line}"`);
  });

  it.each([
    ['bad tag!', 'whose value "bad tag!" holds " ", "!"'],
    ['-x', 'whose tag "-x" is not a valid tag'],
    ['.hidden', 'whose tag ".hidden" is not a valid tag'],
    ['x'.repeat(129), `whose tag "${'x'.repeat(129)}" is not a valid tag`],
    ['type=raw,value=ok,suffix=+build', 'whose suffix "+build" holds "+"'],
    ['type=raw,value={{branch}},prefix=a b-', 'whose prefix "a b-" holds " "'],
    ['type=semver,pattern=v {{version}}', 'whose pattern "v {{version}}" holds " "'],
  ])('refuses the user-given tag %s instead of rewriting it', (line, problem) => {
    expect(() => parseTagRule(line)).toThrow(problem);
    expect(() => parseTagRule(line)).toThrow(`Input "tags" has the rule "${line}"`);
    expect(() => parseTagRule(line)).toThrow('[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}');
  });

  it('accepts a user-given tag of exactly 128 characters', () => {
    expect(parseTagRule('x'.repeat(128))).toMatchObject({ type: 'raw', value: 'x'.repeat(128) });
  });

  it('still sanitises what the branch rules derive: that is their documented job', () => {
    const feature = event('push', 'refs/heads/feature/Login+Form');
    expect(tags(['type=ref,event=branch', 'type=raw,value=b-{{branch}}'], feature)).toEqual([
      'feature-Login-Form',
      'b-feature-Login-Form',
    ]);
  });

  it('keeps commas inside expressions', () => {
    expect(parseTagRule("type=raw,value={{date 'YYYY,MM'}}")).toMatchObject({
      type: 'raw',
      value: "{{date 'YYYY,MM'}}",
    });
  });
});

describe('helpers', () => {
  it('sanitizes tags to what registries accept', () => {
    expect(sanitizeTag('feature/Login+Form')).toBe('feature-Login-Form');
    expect(sanitizeTag('..hidden')).toBe('hidden');
    expect(sanitizeTag('x'.repeat(200))).toHaveLength(128);
  });

  it('parses semantic versions with and without v', () => {
    expect(parseSemVer('v1.2.3')).toMatchObject({
      major: 1,
      minor: 2,
      patch: 3,
      version: '1.2.3',
      raw: 'v1.2.3',
    });
    expect(parseSemVer('1.0.0-beta.2+exp.sha.5114f85')).toMatchObject({
      prerelease: 'beta.2',
      build: 'exp.sha.5114f85',
    });
    expect(parseSemVer('1.2')).toBeUndefined();
    expect(parseSemVer('01.2.3')).toBeUndefined();
  });

  it('formats dates in UTC', () => {
    expect(formatDate(NOW, 'YYYYMMDD-HHmmss')).toBe('20260314-010203');
  });
});
