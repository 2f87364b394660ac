import { readEventContext } from '@swiss-deploy/image';
import { parseInputs } from '@swiss-deploy/kit';
import { inputs } from '../../../actions/build-image/contract';
import { describeSigner, planBuildImage } from '../../../actions/build-image/plan';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function values(given: Record<string, string>) {
  const env = Object.fromEntries(
    Object.entries(given).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
  return parseInputs(inputs, env);
}

// The runner's event as build-image reads it: a tag push, no payload file.
const push = readEventContext({
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REF: 'refs/tags/v1.2.3',
  GITHUB_SHA: '860c1904a1ce19322e91ac35af1ab07466440c37',
  GITHUB_REPOSITORY: 'swiss/example-app',
});

function env(eventContext = () => push) {
  return { workspace: process.cwd(), tempDir: '/tmp/runner', eventContext };
}

describe('planning build-image before docker or a registry is asked anything', () => {
  it('promotes a digest of the same repository without reading the event or planning a build', async () => {
    const plan = await planBuildImage(
      values({
        image: 'registry.example.ch/team/app',
        'image-ref': `registry.example.ch/team/app@${DIGEST}`,
      }),
      env(() => {
        throw new Error('the event is not read for a promotion');
      }),
    );
    expect(plan).toMatchObject({
      kind: 'promote',
      reference: { repository: 'registry.example.ch/team/app', digest: DIGEST },
      credentials: {},
    });
  });

  it('refuses to promote a digest of another repository, naming both', async () => {
    await expect(
      planBuildImage(
        values({
          image: 'registry.example.ch/team/app',
          'image-ref': `registry.example.ch/team/other@${DIGEST}`,
        }),
        env(),
      ),
    ).rejects.toThrow(
      `Input "image-ref" is "registry.example.ch/team/other@${DIGEST}": it is not in the repository of input "image" (registry.example.ch/team/app).`,
    );
  });

  it('checks a promoted digest with the login only when it is for the registry the digest lives in', async () => {
    const login = { username: 'ci', password: 'build-image-plan-test-password' };
    const same = await planBuildImage(
      values({
        image: 'registry.example.ch/team/app',
        'image-ref': `registry.example.ch/team/app@${DIGEST}`,
        registry: 'registry.example.ch',
        ...login,
      }),
      env(),
    );
    const other = await planBuildImage(
      values({
        image: 'registry.example.ch/team/app',
        'image-ref': `registry.example.ch/team/app@${DIGEST}`,
        registry: 'ghcr.io',
        ...login,
      }),
      env(),
    );
    expect(same).toMatchObject({ kind: 'promote', credentials: login });
    expect(other).toMatchObject({ kind: 'promote', credentials: {} });
  });

  it('checks the signing inputs first, for a promotion too', async () => {
    await expect(
      planBuildImage(
        values({
          image: 'registry.example.ch/team/app',
          'image-ref': `registry.example.ch/team/app@${DIGEST}`,
          sign: 'key',
        }),
        env(),
      ),
    ).rejects.toThrow('Input "signing-key" is required when sign is key');
  });

  it('plans a build from the inputs and the event, in the given workspace and temp folder', async () => {
    const plan = await planBuildImage(
      values({ image: 'registry.example.ch/team/app', tags: 'type=semver,pattern={{version}}' }),
      env(),
    );
    expect(plan.kind).toBe('build');
    if (plan.kind !== 'build') return;
    expect(plan.signing).toEqual({ kind: 'none' });
    expect(plan.tempDir).toBe('/tmp/runner');
    expect(plan.image.references).toEqual([
      'registry.example.ch/team/app:1.2.3',
      'registry.example.ch/team/app:latest',
    ]);
  });
});

describe('naming the signer', () => {
  it('names a KMS key by its reference, a keyless signature by the workflow, a key as key', () => {
    const workflow = {
      GITHUB_SERVER_URL: 'https://github.example.ch',
      GITHUB_WORKFLOW_REF: 'swiss/app/.github/workflows/ci.yml@refs/heads/main',
    };
    expect(describeSigner({ kind: 'kms', keyRef: 'awskms:///alias/ci' }, workflow)).toBe(
      'kms:awskms:///alias/ci',
    );
    expect(describeSigner({ kind: 'keyless' }, workflow)).toBe(
      'keyless:https://github.example.ch/swiss/app/.github/workflows/ci.yml@refs/heads/main',
    );
    expect(describeSigner({ kind: 'keyless' }, {})).toBe('keyless:https://github.com/');
    expect(describeSigner({ kind: 'key', pem: 'x' }, workflow)).toBe('key');
  });
});
