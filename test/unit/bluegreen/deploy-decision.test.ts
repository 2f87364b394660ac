import { decideDeploy, pausedCanary } from '../../../packages/bluegreen/deploy-decision';
import type { Color, RevisionRecord } from '../../../packages/bluegreen/types';

const digest = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const NEW = digest(7);
const OLD = digest(1);

function revision(
  number: number,
  color: Color,
  outcome: RevisionRecord['outcome'],
  manifestDigest: string,
  extra: Partial<RevisionRecord> = {},
): RevisionRecord {
  return {
    app: 'shop',
    namespace: 'prod',
    revision: number,
    color,
    outcome,
    manifestDigest,
    manifests: [],
    images: [],
    startedAt: '2026-11-21T22:00:00.000Z',
    ...extra,
  };
}

const canary = (step: number, weight: number): Partial<RevisionRecord> => ({
  strategy: 'canary',
  steps: [10, 50, 100],
  step,
  weight,
  previousColor: 'blue',
});

type Expected =
  | { kind: 'deploy' }
  | { kind: 'blocked'; paused: number }
  | { kind: 'unchanged'; revision: number; status: 'unchanged' | 'preview' | 'paused'; color: Color };

const cases: [string, RevisionRecord[], Color | undefined, Expected][] = [
  ['the first deploy of an app deploys', [], undefined, { kind: 'deploy' }],
  [
    'the same manifests already live on the active color are unchanged',
    [revision(3, 'green', 'succeeded', NEW), revision(2, 'blue', 'succeeded', OLD)],
    'green',
    { kind: 'unchanged', revision: 3, status: 'unchanged', color: 'green' },
  ],
  [
    'other manifests than the live ones deploy',
    [revision(3, 'green', 'succeeded', OLD)],
    'green',
    { kind: 'deploy' },
  ],
  [
    'the same manifests recorded as succeeded on the color no longer live deploy again',
    [revision(3, 'green', 'succeeded', NEW)],
    'blue',
    { kind: 'deploy' },
  ],
  [
    'the same manifests succeeded with no live color left (stable Services gone) deploy again',
    [revision(3, 'green', 'succeeded', NEW)],
    undefined,
    { kind: 'deploy' },
  ],
  [
    'a failed revision with the same manifests is not a no-op',
    [revision(4, 'blue', 'failed', NEW), revision(3, 'green', 'succeeded', OLD)],
    'green',
    { kind: 'deploy' },
  ],
  [
    'an aborted revision with the same manifests is not a no-op',
    [revision(4, 'blue', 'aborted', NEW), revision(3, 'green', 'succeeded', OLD)],
    'green',
    { kind: 'deploy' },
  ],
  [
    'a superseded revision with the same manifests is not a no-op',
    [revision(4, 'blue', 'superseded', NEW), revision(3, 'green', 'succeeded', OLD)],
    'green',
    { kind: 'deploy' },
  ],
  [
    'a revision left deploying by a dead run, with the same manifests, deploys again',
    [revision(4, 'blue', 'deploying', NEW), revision(3, 'green', 'succeeded', OLD)],
    'green',
    { kind: 'deploy' },
  ],
  [
    'only the newest revision counts: an older live one with the same manifests deploys again',
    [revision(4, 'blue', 'succeeded', OLD), revision(3, 'green', 'succeeded', NEW)],
    'blue',
    { kind: 'deploy' },
  ],
  [
    'the same manifests waiting in preview are unchanged, live stays on the active color',
    [revision(4, 'blue', 'preview', NEW), revision(3, 'green', 'succeeded', OLD)],
    'green',
    { kind: 'unchanged', revision: 4, status: 'preview', color: 'green' },
  ],
  [
    'a first deploy waiting in preview is unchanged, with its own color as the only one',
    [revision(1, 'blue', 'preview', NEW)],
    undefined,
    { kind: 'unchanged', revision: 1, status: 'preview', color: 'blue' },
  ],
  [
    'other manifests than a waiting preview deploy (and supersede it)',
    [revision(4, 'blue', 'preview', OLD), revision(3, 'green', 'succeeded', OLD)],
    'green',
    { kind: 'deploy' },
  ],
  [
    'the same manifests as a paused canary are unchanged, live counted on its stable color',
    [revision(4, 'green', 'preview', NEW, canary(1, 10)), revision(3, 'blue', 'succeeded', OLD)],
    // a service canary's stable Services select both colors: what the cluster says is not the stable one
    'green',
    { kind: 'unchanged', revision: 4, status: 'paused', color: 'blue' },
  ],
  [
    'other manifests than a paused canary are refused',
    [revision(4, 'green', 'preview', OLD, canary(2, 50)), revision(3, 'blue', 'succeeded', OLD)],
    'blue',
    { kind: 'blocked', paused: 4 },
  ],
  [
    'a paused canary anywhere in the store refuses other manifests',
    [
      revision(5, 'blue', 'failed', digest(5)),
      revision(4, 'green', 'preview', OLD, canary(1, 10)),
      revision(3, 'blue', 'succeeded', OLD),
    ],
    'blue',
    { kind: 'blocked', paused: 4 },
  ],
  [
    'a canary in preview before its first step holds no traffic: other manifests deploy',
    [revision(4, 'green', 'preview', OLD, canary(0, 0)), revision(3, 'blue', 'succeeded', OLD)],
    'blue',
    { kind: 'deploy' },
  ],
  [
    'a canary in preview before its first step, same manifests, is an unchanged preview',
    [revision(4, 'green', 'preview', NEW, canary(0, 0)), revision(3, 'blue', 'succeeded', OLD)],
    'blue',
    { kind: 'unchanged', revision: 4, status: 'preview', color: 'blue' },
  ],
  [
    'a canary that finished (succeeded) with the same manifests on the active color is unchanged',
    [revision(4, 'green', 'succeeded', NEW, canary(3, 100)), revision(3, 'blue', 'succeeded', OLD)],
    'green',
    { kind: 'unchanged', revision: 4, status: 'unchanged', color: 'green' },
  ],
];

describe('whether a deploy has anything to do', () => {
  it.each(cases)('%s', (_title, revisions, active, expected) => {
    const decision = decideDeploy(revisions, NEW, active);
    const seen: Expected =
      decision.kind === 'deploy'
        ? { kind: 'deploy' }
        : decision.kind === 'blocked'
          ? { kind: 'blocked', paused: decision.paused.revision }
          : {
              kind: 'unchanged',
              revision: decision.revision.revision,
              status: decision.status,
              color: decision.color,
            };
    expect(seen).toEqual(expected);
  });
});

describe('a paused canary', () => {
  it.each([
    [
      'a canary in preview after a step with traffic',
      revision(4, 'green', 'preview', NEW, canary(1, 10)),
      true,
    ],
    ['a canary in preview before its first step', revision(4, 'green', 'preview', NEW, canary(0, 0)), false],
    ['a blue-green preview', revision(4, 'green', 'preview', NEW), false],
    ['a canary that went live', revision(4, 'green', 'succeeded', NEW, canary(3, 100)), false],
    ['an aborted canary', revision(4, 'green', 'aborted', NEW, canary(2, 50)), false],
  ])('%s', (_title, record, paused) => {
    expect(pausedCanary(record)).toBe(paused);
  });
});
