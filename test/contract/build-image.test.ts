// build-image run as the runner runs it, where no engine is needed: the checks that come before any
// build. The full build → push → outputs contract runs against the real engine in
// test/integration/image/build-image.test.ts.
import * as path from 'node:path';
import { runAction } from '../support/runner';
import { repoRoot } from '../support/versions';

const actionDir = path.join(repoRoot, 'actions', 'build-image');
const noDocker = { PATH: '/nonexistent' };

describe('build-image before any build', () => {
  it('fails with what to install when Docker is missing from the runner', async () => {
    const { main, post } = await runAction({
      actionDir,
      inputs: { image: 'ghcr.io/swiss/example-app' },
      env: noDocker,
    });
    expect(main.exitCode).toBe(1);
    expect(main.outputs).toEqual({});
    expect(main.annotations).toHaveLength(1);
    const message = main.annotations[0]?.message ?? '';
    expect(message).toContain('docker was not found on PATH.');
    expect(message).toContain('install Docker Engine');
    expect(message).toContain('docker-buildx-plugin');
    expect(post?.exitCode).toBe(0);
  });

  it('reports every bad input at once, before looking for Docker', async () => {
    const { main } = await runAction({
      actionDir,
      inputs: { image: 'ghcr.io/swiss/example-app', push: 'yes', 'size-budget': '150', latest: 'sometimes' },
      env: noDocker,
    });
    expect(main.exitCode).toBe(1);
    const message = main.annotations[0]?.message ?? '';
    expect(message).toContain('3 inputs are invalid');
    expect(message).toContain('Input "push" is "yes": expected true or false.');
    expect(message).toContain(
      'Input "size-budget" is "150": expected a size such as 150MB, 120MiB or 800kB.',
    );
    expect(message).toContain('Input "latest" is "sometimes"');
    expect(message).not.toContain('docker');
  });

  it('refuses a tag rule it cannot apply and an image name with a tag, naming the input', async () => {
    const rule = await runAction({
      actionDir,
      inputs: { image: 'ghcr.io/swiss/example-app', tags: 'type=ref,event=push' },
      env: noDocker,
    });
    expect(rule.main.annotations[0]?.message).toContain(
      'Input "tags" has the rule "type=ref,event=push": event must be branch, tag or pr.',
    );
    const image = await runAction({ actionDir, inputs: { image: 'ghcr.io/swiss/app:1.0' }, env: noDocker });
    expect(image.main.annotations[0]?.message).toContain(
      'Input "image" is "ghcr.io/swiss/app:1.0": it holds a tag.',
    );
  });

  it('masks the password and build secrets before it does anything else', async () => {
    const { main } = await runAction({
      actionDir,
      inputs: {
        image: 'ghcr.io/swiss/example-app',
        username: 'ci',
        password: 'registry-pass-4321',
        secrets: 'npm_token=npm-token-9876',
      },
      env: noDocker,
    });
    expect(main.exitCode).toBe(1);
    expect(main.masks).toEqual(
      expect.arrayContaining(['registry-pass-4321', 'npm_token=npm-token-9876', 'npm-token-9876']),
    );
    expect(main.log).not.toContain('registry-pass-4321');
    expect(main.log).not.toContain('npm-token-9876');
  });

  describe('refuses bad inputs by name before any docker call or login', () => {
    // No docker on PATH and an engine address that leads nowhere: reaching either would change the error.
    const nowhere = { ...noDocker, DOCKER_HOST: 'tcp://127.0.0.1:1' };
    const login = { username: 'ci', password: 'registry-pass-contract-77' };

    it.each([
      ['bad tag!', 'Input "tags" has the rule "bad tag!", whose value "bad tag!" holds " ", "!"'],
      ['-x', 'Input "tags" has the rule "-x", whose tag "-x" is not a valid tag'],
      ['t'.repeat(129), `whose tag "${'t'.repeat(129)}" is not a valid tag`],
    ])('the tag %s', async (tags, message) => {
      const { main } = await runAction({
        actionDir,
        inputs: { image: 'ghcr.io/swiss/example-app', tags, ...login },
        env: nowhere,
      });
      expect(main.exitCode).not.toBe(0);
      expect(main.annotations).toHaveLength(1);
      expect(main.annotations[0]?.message).toContain(message);
      expect(main.annotations[0]?.message).toContain('[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}');
      expect(main.log).not.toMatch(/docker was not found|Log in to/);
      expect(main.outputs).toEqual({});
    });

    it.each([
      [
        { platforms: 'linux/amd64,windows/potato' },
        'Input "platforms" has "windows/potato": expected os/arch',
      ],
      [
        { registry: 'https://ghcr.io' },
        'Input "registry" is "https://ghcr.io": expected a host with an optional port',
      ],
      [
        { context: '../../../../etc' },
        'Input "context" is "../../../../etc": it must stay inside the workspace',
      ],
      [{ file: '/etc/passwd' }, 'Input "file" is "/etc/passwd": it must stay inside the workspace'],
    ])('%j', async (bad, message) => {
      const { main } = await runAction({
        actionDir,
        inputs: { image: 'ghcr.io/swiss/example-app', ...login, ...bad },
        env: nowhere,
      });
      expect(main.exitCode).not.toBe(0);
      expect(main.annotations[0]?.message).toContain(message);
      expect(main.log).not.toMatch(/docker was not found|Log in to/);
    });
  });
});
