import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BuildProgress } from '../../../packages/image/build-progress';
import { buildFailureError, locateBuildFailure } from '../../../packages/image/build-error';
import { buildxArguments, expandCache, type BuildRequest } from '../../../packages/image/build';
import { UserError, WorldError } from '@swiss-deploy/kit';
import { repoRoot } from '../../support/versions';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'image');

/** Real `docker buildx build --progress=rawjson` stderr, recorded from buildx 0.13 on the test engine. */
function replay(file: string): { progress: BuildProgress; log: string[] } {
  const log: string[] = [];
  const progress = new BuildProgress((line) => log.push(line));
  for (const line of readFileSync(path.join(fixtures, file), 'utf8').split('\n')) progress.feed(line);
  return { progress, log };
}

describe('reading the BuildKit progress stream', () => {
  it('counts the Dockerfile steps after FROM and which of them came from the cache', () => {
    const { progress } = replay('progress-cached-build.rawjson');
    expect(progress.steps().map((step) => [step.name, step.cached])).toEqual([
      ['[2/4] RUN echo hello', true],
      ['[3/4] COPY a.txt /a.txt', false],
      ['[4/4] RUN echo ok', false],
    ]);
    expect(progress.stats(1234)).toEqual({ steps: 3, cached: 1, durationMs: 1234 });
  });

  it('logs one line per step state change and the output of RUN steps', () => {
    const { log } = replay('progress-failed-run.rawjson');
    expect(log.slice(0, 2)).toEqual(['#1 [internal] load build definition from Dockerfile', '#1 DONE 0.0s']);
    expect(log.filter((line) => line.startsWith('#7 '))).toEqual([
      '#7 [2/4] RUN echo hello',
      '#7 hello',
      expect.stringMatching(/^#7 DONE \d+\.\ds$/),
    ]);
    expect(log.slice(-2)).toEqual([
      '#9 [4/4] RUN exit 3',
      '#9 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
    ]);
  });

  it('keeps the failing step and the plain lines buildx prints around the JSON', () => {
    const { progress } = replay('progress-failed-run.rawjson');
    expect(progress.steps().find((step) => step.error)?.name).toBe('[4/4] RUN exit 3');
    expect(progress.plainLines()).toEqual([
      'Dockerfile:5',
      '--------------------',
      '   3 |     RUN echo hello',
      '   4 |     COPY a.txt /a.txt',
      '   5 | >>> RUN exit 3',
      '   6 |     ',
      '--------------------',
      'ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
    ]);
  });
});

describe('pointing a failed build at its Dockerfile line', () => {
  const workspace = '/work/repo';

  it('maps buildx\'s "Dockerfile:N" to the workspace-relative file and line, with the excerpt', () => {
    const { progress } = replay('progress-failed-run.rawjson');
    const failure = locateBuildFailure(progress.plainLines(), '/work/repo/app/Dockerfile', workspace);
    expect(failure.location).toEqual({ file: 'app/Dockerfile', line: 5 });
    expect(failure.message).toBe(
      'failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
    );
    const error = buildFailureError(failure, '[4/4] RUN exit 3');
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).location).toEqual({ file: 'app/Dockerfile', line: 5 });
    expect(error.message).toContain('The image build failed at app/Dockerfile:5 in step [4/4] RUN exit 3');
    expect(error.message).toContain('   5 | >>> RUN exit 3');
  });

  it('takes the line of a parse error from the message', () => {
    const failure = locateBuildFailure(
      [
        'Dockerfile.prod:4',
        '--------------------',
        '--------------------',
        'ERROR: failed to solve: dockerfile parse error on line 4: unknown instruction: FOOBAR',
      ],
      '/work/repo/deploy/Dockerfile.prod',
      workspace,
    );
    expect(failure.location).toEqual({ file: 'deploy/Dockerfile.prod', line: 4 });
  });

  it('blames the world, not the Dockerfile, when the registry or engine fails', () => {
    const failure = locateBuildFailure(
      ['ERROR: failed to solve: failed to push 127.0.0.1:5001/x:1: connection reset by peer'],
      '/work/repo/Dockerfile',
      workspace,
    );
    expect(failure.location).toBeUndefined();
    expect(buildFailureError(failure)).toBeInstanceOf(WorldError);
    expect(buildFailureError(failure).hint).toContain('re-run the job');
  });

  it.each([
    ['ERROR: invalid tag "x:bad tag": invalid reference format', 'buildx refused the build'],
    ['ERROR: failed to parse platform windows/potato', 'buildx refused the build'],
    [
      'ERROR: failed to push r.local/x:1: unauthorized: authentication required',
      'The registry refused the push',
    ],
  ])("calls %j the user's to fix, not a reason to re-run", (line, message) => {
    const error = buildFailureError(locateBuildFailure([line], '/work/repo/Dockerfile', workspace));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain(message);
    expect(error.hint).not.toContain('re-run');
  });

  it('does not tell anyone to re-run a failure it cannot tell is passing', () => {
    const error = buildFailureError(
      locateBuildFailure(['ERROR: something buildx says'], '/work/repo/Dockerfile', workspace),
    );
    expect(error).toBeInstanceOf(WorldError);
    expect(error.hint).not.toContain('re-run');
  });
});

describe('the buildx command line', () => {
  const request: BuildRequest = {
    context: 'examples/app',
    repository: 'ghcr.io/swiss/app',
    tags: ['ghcr.io/swiss/app:1.2.3', 'ghcr.io/swiss/app:latest'],
    labels: { 'org.opencontainers.image.revision': 'abc' },
    buildArgs: { APP_VERSION: '1.2.3' },
    secrets: [{ id: 'npm_token', value: 'npm_s3cr3t_value' }],
    platforms: ['linux/amd64', 'linux/arm64'],
    push: true,
    cacheFrom: ['registry'],
    cacheTo: ['gha'],
    provenance: 'false',
    sbom: false,
    tempDir: '/tmp',
    workspace: '/work/repo',
  };

  it('passes tags, labels, args, platforms, cache and attestations, and hands secrets over by env only', () => {
    const args = buildxArguments(request, '/tmp/meta.json');
    expect(args).toEqual([
      'buildx',
      'build',
      '--progress=rawjson',
      '--metadata-file',
      '/tmp/meta.json',
      '--file',
      '/work/repo/examples/app/Dockerfile',
      '--platform',
      'linux/amd64,linux/arm64',
      '--build-arg',
      'APP_VERSION=1.2.3',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--secret',
      'id=npm_token,env=SWISS_DEPLOY_BUILD_SECRET_0',
      '--cache-from',
      'type=registry,ref=ghcr.io/swiss/app:buildcache',
      '--cache-to',
      'type=gha,mode=max',
      '--provenance=false',
      '--sbom=false',
      '--tag',
      'ghcr.io/swiss/app:1.2.3',
      '--tag',
      'ghcr.io/swiss/app:latest',
      '--push',
      'examples/app',
    ]);
    expect(args.join(' ')).not.toContain('npm_s3cr3t_value');
  });

  it('pushes by digest when no rule yields a tag, and loads instead of pushing when asked', () => {
    expect(buildxArguments({ ...request, tags: [] }, '/m')).toContain(
      'type=image,name=ghcr.io/swiss/app,push-by-digest=true,name-canonical=true,push=true',
    );
    const local = buildxArguments(
      { ...request, push: false, file: 'docker/Dockerfile.prod', target: 'runtime' },
      '/m',
    );
    expect(local).toContain('--load');
    expect(local).not.toContain('--push');
    expect(local.slice(local.indexOf('--file'), local.indexOf('--file') + 4)).toEqual([
      '--file',
      '/work/repo/docker/Dockerfile.prod',
      '--target',
      'runtime',
    ]);
  });

  it('expands the cache shorthands and passes buildx syntax through', () => {
    expect(expandCache(['registry', 'gha', 'type=local,src=/c'], 'r.example/a', 'to')).toEqual([
      'type=registry,ref=r.example/a:buildcache,mode=max',
      'type=gha,mode=max',
      'type=local,src=/c',
    ]);
  });
});

describe('a code-only change to the example app, as BuildKit reports it', () => {
  it('comes from the cache except for the copy of the code, and logs every step with its outcome', () => {
    const { progress, log } = replay('progress-example-code-change.rawjson');
    expect(progress.steps().map((step) => [step.name.slice(0, 40), step.cached])).toEqual([
      ['[deps 2/4] WORKDIR /app', true],
      ['[deps 3/4] COPY package*.json ./', true],
      ['[deps 4/4] RUN if [ -f package-lock.json', true],
      ['[runtime 3/4] COPY --from=deps --chown=1', true],
      ['[runtime 4/4] COPY --chown=10001:10001 .', false],
    ]);
    for (const step of progress.steps()) {
      const announced = log.find((line) => line.endsWith(` ${step.name}`));
      const number = announced?.split(' ')[0];
      const outcome = log.filter((line) => line.startsWith(`${number} `) && !line.endsWith(step.name));
      expect(outcome).toEqual([step.cached ? `${number} CACHED` : expect.stringMatching(/ DONE \d+\.\ds$/)]);
    }
  });
});
