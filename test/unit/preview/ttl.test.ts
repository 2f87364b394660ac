import { expiresAt, previewEnvironment, previewNamespace, selectExpired } from '@swiss-deploy/preview';
import {
  APP_LABEL,
  EXPIRES_ANNOTATION,
  PREVIEW_LABEL,
  PR_LABEL,
  REPOSITORY_ANNOTATION,
  isPreviewOf,
  previewLabels,
} from '../../../packages/preview/names';
import { parseExpiry, type NamespaceFacts } from '../../../packages/preview/ttl';

const NOW = new Date('2026-12-03T12:00:00.400Z');
const REPO = 'swiss/example-app';

function preview(name: string, app: string, pr: string, expires?: string, repository = REPO): NamespaceFacts {
  return {
    name,
    labels: { [PREVIEW_LABEL]: 'true', [APP_LABEL]: app, [PR_LABEL]: pr },
    annotations: {
      [REPOSITORY_ANNOTATION]: repository,
      ...(expires === undefined ? {} : { [EXPIRES_ANNOTATION]: expires }),
    },
  };
}

describe('preview names and marks', () => {
  it('names the namespace <app>-pr-<n> and the GitHub environment preview/<app>-pr-<n>', () => {
    expect(previewNamespace({ app: 'shop', pr: 42 })).toBe('shop-pr-42');
    expect(previewEnvironment({ app: 'shop', pr: 42 })).toBe('preview/shop-pr-42');
  });

  it('recognises a namespace as a preview only with the preview label, its app and its PR', () => {
    const id = { app: 'shop', pr: 7 };
    expect(isPreviewOf(previewLabels(id), id)).toBe(true);
    expect(isPreviewOf(previewLabels(id), { app: 'shop', pr: 8 })).toBe(false);
    expect(isPreviewOf(previewLabels(id), { app: 'cart', pr: 7 })).toBe(false);
    expect(isPreviewOf({ [APP_LABEL]: 'shop', [PR_LABEL]: '7' }, id)).toBe(false);
    expect(isPreviewOf(undefined, id)).toBe(false);
  });
});

describe('the time to live', () => {
  it('writes the expiry as RFC 3339 UTC, whole seconds, ttl after now', () => {
    expect(expiresAt(NOW, 72 * 3600_000)).toBe('2026-12-06T12:00:00Z');
    expect(expiresAt(NOW, 90 * 60_000)).toBe('2026-12-03T13:30:00Z');
  });

  it('reads RFC 3339 times with Z or an offset, and nothing else', () => {
    expect(parseExpiry('2026-12-06T12:00:00Z')?.toISOString()).toBe('2026-12-06T12:00:00.000Z');
    expect(parseExpiry('2026-12-06T13:00:00+01:00')?.toISOString()).toBe('2026-12-06T12:00:00.000Z');
    expect(parseExpiry('2026-12-06')).toBeUndefined();
    expect(parseExpiry('tomorrow')).toBeUndefined();
    expect(parseExpiry('2026-13-45T99:00:00Z')).toBeUndefined();
    expect(parseExpiry(undefined)).toBeUndefined();
  });
});

describe('selectExpired', () => {
  it('removes previews of this repository whose expiry has passed and keeps the others, saying why', () => {
    const selection = selectExpired(
      [
        preview('shop-pr-1', 'shop', '1', '2026-12-03T11:59:59Z'),
        preview('shop-pr-2', 'shop', '2', '2026-12-03T12:00:00Z'),
        preview('shop-pr-3', 'shop', '3', '2026-12-04T00:00:00Z'),
        preview('shop-pr-4', 'shop', '4'),
        preview('shop-pr-5', 'shop', '5', 'next week'),
        preview('shop-pr-6', 'shop', '6', '2026-01-01T00:00:00Z', 'someone/else'),
      ],
      { now: NOW, repository: REPO },
    );
    expect(selection.expired).toEqual([
      { namespace: 'shop-pr-1', app: 'shop', pr: 1, expiresAt: '2026-12-03T11:59:59Z' },
      { namespace: 'shop-pr-2', app: 'shop', pr: 2, expiresAt: '2026-12-03T12:00:00Z' },
    ]);
    expect(selection.kept).toEqual([
      { namespace: 'shop-pr-3', reason: 'expires at 2026-12-04T00:00:00Z' },
      { namespace: 'shop-pr-4', reason: `${EXPIRES_ANNOTATION} is missing, not an RFC 3339 time` },
      { namespace: 'shop-pr-5', reason: `${EXPIRES_ANNOTATION} is "next week", not an RFC 3339 time` },
      { namespace: 'shop-pr-6', reason: 'made by someone/else' },
    ]);
  });

  it('looks only at previews of the app asked for, and never at unlabelled namespaces', () => {
    const old = '2020-01-01T00:00:00Z';
    const unlabelled: NamespaceFacts = {
      name: 'shop-pr-9',
      labels: { [APP_LABEL]: 'shop', [PR_LABEL]: '9' },
      annotations: { [EXPIRES_ANNOTATION]: old, [REPOSITORY_ANNOTATION]: REPO },
    };
    const selection = selectExpired(
      [preview('shop-pr-1', 'shop', '1', old), preview('cart-pr-1', 'cart', '1', old), unlabelled],
      { now: NOW, repository: REPO, app: 'shop' },
    );
    expect(selection.expired.map((e) => e.namespace)).toEqual(['shop-pr-1']);
    expect(selection.kept).toEqual([]);
  });

  it('keeps a preview whose PR label is not a number', () => {
    const selection = selectExpired([preview('shop-pr-x', 'shop', 'x', '2020-01-01T00:00:00Z')], {
      now: NOW,
      repository: REPO,
    });
    expect(selection).toEqual({
      expired: [],
      kept: [{ namespace: 'shop-pr-x', reason: 'its app or pull request label is missing' }],
    });
  });
});
