// The image-ref of a promotion: a repository and a sha256 digest, nothing else.
import { parseDigestReference } from '@swiss-deploy/image';

const digest = `sha256:${'ab'.repeat(32)}`;

describe('parseDigestReference', () => {
  it('splits registry, path and digest', () => {
    expect(parseDigestReference(`ghcr.io/acme/shop@${digest}`)).toEqual({
      registry: 'ghcr.io',
      path: 'acme/shop',
      repository: 'ghcr.io/acme/shop',
      digest,
      imageRef: `ghcr.io/acme/shop@${digest}`,
    });
    expect(parseDigestReference(`127.0.0.1:5001/team/app@${digest}`).registry).toBe('127.0.0.1:5001');
    expect(parseDigestReference(`nginx@${digest}`).path).toBe('library/nginx');
  });

  it.each([
    ['ghcr.io/acme/shop:1.2.3', /"ghcr.io\/acme\/shop:1.2.3": it names a tag, not a digest/],
    ['ghcr.io/acme/shop', /it has no digest/],
    [`ghcr.io/acme/shop:1.2.3@${digest}`, /it names a tag and a digest/],
    ['ghcr.io/acme/shop@sha256:abc', /"sha256:abc" is not a sha256 digest/],
    [`ghcr.io/acme/shop@sha512:${'ab'.repeat(64)}`, /is not a sha256 digest/],
    [`ghcr.io/Acme/shop@${digest}`, /the repository "ghcr.io\/Acme\/shop" is not valid/],
  ])('refuses %s, naming the input', (value, problem) => {
    expect(() => parseDigestReference(value)).toThrow(problem);
    expect(() => parseDigestReference(value)).toThrow(/^Input "image-ref" is /);
  });
});
