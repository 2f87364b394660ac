import { commentMarker, goneComment, previewComment } from '@swiss-deploy/preview';
import type { PreviewFacts } from '../../../packages/preview/comment-body';

const FACTS: PreviewFacts = {
  app: 'shop',
  pr: 12,
  namespace: 'shop-pr-12',
  routes: ['http://pr-12.shop.example.test/'],
  services: ['shop-pr-12/shop:80'],
  result: 'success',
  revision: '2',
  color: 'green',
  imageRef: 'ghcr.io/acme/shop@sha256:' + 'a'.repeat(64),
  commit: 'c0ffee',
  expiresAt: '2026-12-06T12:00:00Z',
  runUrl: 'https://github.com/acme/shop/actions/runs/1',
};

describe('the preview comment', () => {
  it('starts with the hidden marker of its app, so the same comment is found and updated', () => {
    const body = previewComment(FACTS);
    expect(body.split('\n')[0]).toBe('<!-- swiss-deploy-preview:shop -->');
    expect(commentMarker('shop')).toBe('<!-- swiss-deploy-preview:shop -->');
    expect(body).not.toContain(commentMarker('cart'));
  });

  it('shows the route, service, revision, color, image digest, commit, expiry and run', () => {
    const body = previewComment(FACTS);
    expect(body).toContain('### Preview of `shop` for #12 is up');
    for (const line of [
      '| Namespace | `shop-pr-12` |',
      '| Route | `http://pr-12.shop.example.test/` |',
      '| Service | `shop-pr-12/shop:80` |',
      '| Revision | `2` |',
      '| Color | `green` |',
      `| Image | \`ghcr.io/acme/shop@sha256:${'a'.repeat(64)}\` |`,
      '| Commit | `c0ffee` |',
      '| Expires | `2026-12-06T12:00:00Z` (the scheduled cleanup removes it then) |',
      '| Run | https://github.com/acme/shop/actions/runs/1 |',
    ]) {
      expect(body.split('\n')).toContain(line);
    }
  });

  it('says when the deploy failed and what is missing, and keeps values from breaking the table', () => {
    const body = previewComment({
      ...FACTS,
      result: 'failure',
      routes: [],
      services: [],
      revision: undefined,
      imageRef: 'evil`|\nimage',
    });
    expect(body).toContain('failed to deploy; the previous revision (if any) still serves');
    expect(body).toContain('| Route | none (no Ingress or HTTPRoute) |');
    expect(body).toContain('| Revision | – |');
    expect(body).toContain('| Image | `evil \\| image` |');
  });

  it('says the preview is gone, why, and how many Deployments were made inactive', () => {
    const body = goneComment({
      app: 'shop',
      pr: 12,
      namespace: 'shop-pr-12',
      reason: 'closed',
      deactivated: 2,
    });
    expect(body.split('\n')[0]).toBe(commentMarker('shop'));
    expect(body).toContain('### Preview of `shop` for #12 is gone');
    expect(body).toContain(
      'Namespace `shop-pr-12` was deleted because the pull request was closed; 2 GitHub Deployment(s) were marked inactive.',
    );
    expect(
      goneComment({ app: 'shop', pr: 1, namespace: 'shop-pr-1', reason: 'expired', deactivated: 0 }),
    ).toContain('because its time to live had passed');
  });
});
