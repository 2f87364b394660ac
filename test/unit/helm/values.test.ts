import {
  helmKubeVersion,
  literalSetValue,
  parseAssignment,
  parseImageRef,
  parseImageValuePath,
  valueArgs,
} from '../../../packages/helm/values';
import type { RenderOptions } from '../../../packages/helm/types';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function options(overrides: Partial<RenderOptions> = {}): RenderOptions {
  return {
    release: 'shop',
    namespace: 'shop',
    valuesFiles: [],
    set: [],
    setString: [],
    setFile: [],
    kubeVersion: '1.36',
    apiVersions: [],
    dependencyUpdate: false,
    cwd: '/workspace',
    ...overrides,
  };
}

describe('set lines', () => {
  it('split key from value at the first "=" and keep the rest of the line, commas included', () => {
    expect(parseAssignment('ingress.annotations.x=a,b=c')).toEqual({
      key: 'ingress.annotations.x',
      value: 'a,b=c',
    });
  });

  it('name what is wrong with a line that is not key=value', () => {
    expect(parseAssignment('replicaCount')).toEqual({ reason: 'has no "=": write key=value' });
    expect(parseAssignment('=3')).toEqual({ reason: 'has no key before "="' });
    expect(parseAssignment('a b=3')).toEqual({ reason: 'has a key with spaces ("a b")' });
  });

  it('escape commas and backslashes so helm takes the value literally, unlike a comma-split list', () => {
    expect(literalSetValue('a,b')).toBe('a\\,b');
    expect(literalSetValue('C:\\dir,x')).toBe('C:\\\\dir\\,x');
    expect(literalSetValue('plain')).toBe('plain');
  });

  it("keep helm's {a,b} list syntax, where the commas are meant", () => {
    expect(literalSetValue('{a,b}')).toBe('{a,b}');
  });
});

describe('image-ref', () => {
  it('accepts a repository pinned by digest and drops a tag before the digest', () => {
    expect(parseImageRef(`127.0.0.1:5001/shop/web@${DIGEST}`)).toEqual({
      ref: `127.0.0.1:5001/shop/web@${DIGEST}`,
      repository: '127.0.0.1:5001/shop/web',
      digest: DIGEST,
    });
    expect(parseImageRef(`ghcr.io/swiss/app:1.2.3@${DIGEST}`)?.ref).toBe(`ghcr.io/swiss/app@${DIGEST}`);
  });

  it('refuses a reference that is only a tag or has a malformed digest', () => {
    expect(parseImageRef('ghcr.io/swiss/app:1.2.3')).toBeUndefined();
    expect(parseImageRef('ghcr.io/swiss/app@sha256:abc')).toBeUndefined();
    expect(parseImageRef(`Ghcr.io/Swiss/App@${DIGEST}`)).toBeUndefined();
  });

  it('goes to a value prefix or to two explicit value paths', () => {
    expect(parseImageValuePath('image')).toEqual({ repository: 'image.repository', digest: 'image.digest' });
    expect(parseImageValuePath('worker.image')).toEqual({
      repository: 'worker.image.repository',
      digest: 'worker.image.digest',
    });
    expect(parseImageValuePath('app.image.name  app.image.sha')).toEqual({
      repository: 'app.image.name',
      digest: 'app.image.sha',
    });
    expect(parseImageValuePath('a b c')).toHaveProperty('reason');
    expect(parseImageValuePath('image=x')).toHaveProperty('reason');
  });
});

describe('helm value flags', () => {
  it('layer values files in order, then set, set-string, set-file, and the injected image last', () => {
    const args = valueArgs(
      options({
        valuesFiles: ['/w/base.yaml', '/w/prod.yaml'],
        set: [{ key: 'replicaCount', value: '3' }],
        setString: [{ key: 'podAnnotations.note', value: 'a,b' }],
        setFile: [{ key: 'config', value: '/w/config.txt' }],
        image: {
          ref: { ref: `r/app@${DIGEST}`, repository: 'r/app', digest: DIGEST },
          paths: [{ repository: 'image.repository', digest: 'image.digest' }],
        },
      }),
    );
    expect(args).toEqual([
      '--values',
      '/w/base.yaml',
      '--values',
      '/w/prod.yaml',
      '--set',
      'replicaCount=3',
      '--set-string',
      'podAnnotations.note=a\\,b',
      '--set-file',
      'config=/w/config.txt',
      '--set-string',
      'image.repository=r/app',
      '--set-string',
      `image.digest=${DIGEST}`,
    ]);
  });

  it('give helm a full semver for the Kubernetes version', () => {
    expect(helmKubeVersion('1.36')).toBe('v1.36.0');
    expect(helmKubeVersion('v1.35.4')).toBe('v1.35.4');
  });
});
