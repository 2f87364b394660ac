import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkSizeBudget, formatBytes, loginHost, parseImageName, planImage } from '@swiss-deploy/image';
import { eventContextFrom } from '../../../packages/image/event-context';
import { ociLabels } from '../../../packages/image/labels';
import { parseBuildSecrets, type ImageRequest } from '../../../packages/image/plan';
import { parseSize } from '../../../packages/image/size';
import { repoRoot } from '../../support/versions';

const context = eventContextFrom(
  {
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/tags/v1.2.3',
    GITHUB_SHA: '860c1904a1ce19322e91ac35af1ab07466440c37',
    GITHUB_REPOSITORY: 'swiss/example-app',
    GITHUB_SERVER_URL: 'https://github.example.ch/',
  },
  { repository: { license: { spdx_id: 'Apache-2.0' }, description: 'An example' } },
  new Date('2026-03-14T01:02:03Z'),
);

const request: ImageRequest = {
  image: 'registry.example.ch:5000/team/example-app',
  tags: ['type=semver,pattern={{version}}'],
  latest: 'auto',
  labels: [],
  buildArgs: [],
  secrets: [],
};

describe('planning a build before anything runs', () => {
  it('names the references, version, labels and login from the inputs and the event', () => {
    const plan = planImage(
      { ...request, username: 'ci', password: 'pw-1234', labels: ['team=platform'], buildArgs: ['A=1=2'] },
      context,
    );
    expect(plan.references).toEqual([
      'registry.example.ch:5000/team/example-app:1.2.3',
      'registry.example.ch:5000/team/example-app:latest',
    ]);
    expect(plan.login).toEqual({ registry: 'registry.example.ch:5000', username: 'ci', password: 'pw-1234' });
    expect(plan.buildArgs).toEqual({ A: '1=2' });
    expect(plan.labels).toEqual({
      'org.opencontainers.image.title': 'example-app',
      'org.opencontainers.image.source': 'https://github.example.ch/swiss/example-app',
      'org.opencontainers.image.url': 'https://github.example.ch/swiss/example-app',
      'org.opencontainers.image.revision': '860c1904a1ce19322e91ac35af1ab07466440c37',
      'org.opencontainers.image.created': '2026-03-14T01:02:03.000Z',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.description': 'An example',
      'org.opencontainers.image.licenses': 'Apache-2.0',
      team: 'platform',
    });
  });

  it('lets user labels win over the OCI defaults, and leaves out an unknown license', () => {
    const labels = ociLabels({ ...context, licenseSpdx: 'NOASSERTION' }, '1', [
      'org.opencontainers.image.title=Shop',
    ]);
    expect(labels['org.opencontainers.image.title']).toBe('Shop');
    expect(labels).not.toHaveProperty('org.opencontainers.image.licenses');
  });

  it('refuses half a login, a bad label, a bad secret line and a budget without unit', () => {
    expect(() => planImage({ ...request, username: 'ci' }, context)).toThrow(
      'Inputs "username" and "password" go together; only "username" is set.',
    );
    expect(() => planImage({ ...request, labels: ['no equals'] }, context)).toThrow(
      'Input "labels" has the line "no equals": expected KEY=value.',
    );
    expect(() => planImage({ ...request, sizeBudget: 'big' }, context)).toThrow(
      'Input "size-budget" is "big"',
    );
  });

  it('reads build secrets without ever showing a value', () => {
    expect(parseBuildSecrets(['npm_token=abc=def', 'pip.conf=x'])).toEqual([
      { id: 'npm_token', value: 'abc=def' },
      { id: 'pip.conf', value: 'x' },
    ]);
    try {
      parseBuildSecrets(['hunter2-value-only']);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(String(error)).toContain('Input "secrets" line 1 is not id=value');
      expect(String(error)).not.toContain('hunter2');
    }
    expect(() => parseBuildSecrets(['a=1', 'a=2'])).toThrow('gives the secret "a" twice');
  });
});

describe('image names', () => {
  it.each([
    ['ghcr.io/swiss/app', 'ghcr.io', 'swiss/app'],
    ['127.0.0.1:5001/swiss-deploy-test/example-app', '127.0.0.1:5001', 'swiss-deploy-test/example-app'],
    ['localhost/app', 'localhost', 'app'],
    ['swiss/app', 'docker.io', 'swiss/app'],
    ['nginx', 'docker.io', 'library/nginx'],
  ])('%s is on %s as %s', (image, registry, repoPath) => {
    expect(parseImageName(image)).toEqual({ registry, path: repoPath, repository: image });
  });

  it.each([
    ['ghcr.io/swiss/app:1.0', 'it holds a tag'],
    ['ghcr.io/swiss/app@sha256:abc', 'it holds a digest'],
    ['ghcr.io/Swiss/App', 'has upper-case letters'],
    ['ghcr.io//app', 'empty path component'],
    ['ghcr.io/swiss/-app', 'not a valid repository component'],
  ])('refuses %s: %s', (image, problem) => {
    expect(() => parseImageName(image)).toThrow(problem);
  });

  it('logs in to Docker Hub without a host', () => {
    expect(loginHost('docker.io')).toBeUndefined();
    expect(loginHost('ghcr.io')).toBe('ghcr.io');
  });
});

describe('sizes and the budget', () => {
  it('reads decimal and binary units and refuses bare numbers', () => {
    expect(parseSize('150MB')).toBe(150_000_000);
    expect(parseSize('1.5 GiB')).toBe(1610612736);
    expect(parseSize('800kB')).toBe(800_000);
    expect(parseSize('150')).toBeUndefined();
    expect(formatBytes(48_213_000)).toBe('48.2 MB');
    expect(formatBytes(1_500_000)).toBe('1.50 MB');
  });

  it('passes within the budget and fails over it, saying by how much', () => {
    expect(() => checkSizeBudget(90, 100, formatBytes)).not.toThrow();
    expect(() => checkSizeBudget(150_000_000, 120_000_000, formatBytes)).toThrow(
      'The image is 150.0 MB, 30.0 MB (25.0%) over its size budget of 120.0 MB.',
    );
  });
});

describe('the example app', () => {
  it('is built with the production Node.js template, verbatim', () => {
    const template = readFileSync(path.join(repoRoot, 'docker', 'templates', 'node', 'Dockerfile'), 'utf8');
    const example = readFileSync(path.join(repoRoot, 'examples', 'app', 'Dockerfile'), 'utf8');
    expect(example).toBe(template);
  });

  it('takes its base images as build args, as every Dockerfile in docker/ does', () => {
    for (const file of [
      'docker/base/node/Dockerfile',
      'docker/base/static/Dockerfile',
      'docker/templates/node/Dockerfile',
      'docker/templates/static/Dockerfile',
      'docker/dev/node.Dockerfile',
      'docker/dev/static.Dockerfile',
    ]) {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '');
      expect({ file, froms: froms.filter((from) => !/^\$\{[A-Z_]+\}$/.test(from)) }).toEqual({
        file,
        froms: [],
      });
    }
  });
});

describe('every input is checked before docker or the registry is asked anything', () => {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'image-plan-'));
  mkdirSync(path.join(workspace, 'app'));
  writeFileSync(path.join(workspace, 'app', 'Dockerfile'), 'FROM scratch\n');
  const outside = mkdtempSync(path.join(os.tmpdir(), 'image-outside-'));
  writeFileSync(path.join(outside, 'Dockerfile'), 'FROM scratch\n');
  symlinkSync(outside, path.join(workspace, 'escape'));
  symlinkSync(path.join(outside, 'Dockerfile'), path.join(workspace, 'app', 'Dockerfile.link'));
  const inWorkspace = { ...request, workspace };

  it('resolves context and file to their real paths inside the workspace', () => {
    const plan = planImage({ ...inWorkspace, context: 'app', file: 'app/Dockerfile' }, context);
    expect(plan.context).toBe(path.join(realpathOf(workspace), 'app'));
    expect(plan.file).toBe(path.join(realpathOf(workspace), 'app', 'Dockerfile'));
  });

  it.each([
    [
      { context: '../../../../etc' },
      `Input "context" is "../../../../etc": it must stay inside the workspace ${realpathOf(workspace)}.`,
    ],
    [
      { context: 'escape' },
      `Input "context" is "escape": it must stay inside the workspace ${realpathOf(workspace)} (it resolves to ${realpathOf(outside)}).`,
    ],
    [
      { context: 'app', file: 'app/Dockerfile.link' },
      'Input "file" is "app/Dockerfile.link": it must stay inside the workspace',
    ],
    [
      { context: 'app', file: '/etc/passwd' },
      'Input "file" is "/etc/passwd": it must stay inside the workspace',
    ],
    [{ context: 'nowhere' }, 'Input "context" is "nowhere", which does not exist in the workspace'],
    [{ context: 'app/Dockerfile' }, 'Input "context" is "app/Dockerfile", which is not a folder'],
  ])('keeps context and file in the workspace: %j', (paths, message) => {
    expect(() => planImage({ ...inWorkspace, ...paths }, context)).toThrow(message);
  });

  it('refuses a default Dockerfile that is a symlink out of the workspace', () => {
    const dir = path.join(workspace, 'linked');
    mkdirSync(dir);
    symlinkSync(path.join(outside, 'Dockerfile'), path.join(dir, 'Dockerfile'));
    expect(() => planImage({ ...inWorkspace, context: 'linked' }, context)).toThrow(
      'Input "file" is "linked/Dockerfile": it must stay inside the workspace',
    );
  });

  it('passes a remote context as given: BuildKit fetches it, nothing is read from the runner', () => {
    const remote = 'https://github.com/swiss/example-app.git#main';
    expect(planImage({ ...inWorkspace, context: remote }, context).context).toBe(remote);
  });

  it('refuses an unknown os or arch in platforms, listing the allowed forms', () => {
    expect(() =>
      planImage({ ...inWorkspace, platforms: ['linux/amd64', 'windows/potato'] }, context),
    ).toThrow(
      /^Input "platforms" has "windows\/potato": expected os\/arch\[\/variant\] with os one of linux, windows/,
    );
    for (const bad of ['linux', 'linux/arm/v9', 'linux/amd64/v7', 'plan9/amd64', 'linux/amd64/v2/x'])
      expect(() => planImage({ ...inWorkspace, platforms: [bad] }, context)).toThrow(`"${bad}"`);
    expect(() =>
      planImage(
        { ...inWorkspace, platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm64/v8'] },
        context,
      ),
    ).not.toThrow();
  });

  it.each(['https://ghcr.io', 'ghcr.io/swiss', 'ghcr.io:port', 'ghcr io'])(
    'refuses registry %s: it is host[:port] without scheme or path',
    (registry) => {
      expect(() =>
        planImage({ ...inWorkspace, registry, username: 'u', password: 'p-1234' }, context),
      ).toThrow(
        `Input "registry" is "${registry}": expected a host with an optional port (host[:port]), without a scheme or a path.`,
      );
    },
  );

  it('accepts a registry host with a port, and says how to write a URL given instead', () => {
    expect(planImage({ ...inWorkspace, registry: '127.0.0.1:5001' }, context).name).toBeDefined();
    try {
      planImage({ ...inWorkspace, registry: 'https://ghcr.io/' }, context);
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe('Write registry: ghcr.io');
    }
  });
});

function realpathOf(dir: string): string {
  return realpathSync(dir);
}
