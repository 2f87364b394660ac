// What the helm integration tests share: the environment's real helm, a private helm home per test
// file, workspaces holding copies of the fixtures, and render plans with the defaults the action uses.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planRender, type RenderPlan } from '@swiss-deploy/helm';
import { Helm } from '../../../packages/helm/helm';
import type { RenderRequest } from '../../../packages/helm/plan';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';

export const BUILTIN_CHART = path.join(repoRoot, 'charts', 'swiss-app');
export const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'helm');
export const DIGEST = `sha256:${'5e'.repeat(32)}`;
export const IMAGE_REF = `127.0.0.1:5001/swiss/example-app@${DIGEST}`;

/** The environment's helm version, without the leading v (what helm-version takes). */
export function envHelmVersion(): string {
  return testEnv('HELM_VERSION').replace(/^v/, '');
}

/** helm keeps caches, repositories and registry logins under these: one private home per test file. */
export function helmHome(): { env: Record<string, string>; remove: () => void } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'swiss-helm-home-'));
  const env = {
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
  };
  return { env, remove: () => rmSync(home, { recursive: true, force: true }) };
}

export function realHelm(env: Record<string, string>): Helm {
  return new Helm(testEnv('HELM'), envHelmVersion(), 'given', env);
}

/** A fresh workspace with the helm fixtures copied in (charts/, values files, motd.txt). */
export function workspaceWithFixtures(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'swiss-render-ws-'));
  cpSync(FIXTURES, dir, { recursive: true });
  mkdirSync(path.join(dir, 'out'));
  return dir;
}

export function plan(workspace: string, overrides: Partial<RenderRequest> = {}): RenderPlan {
  return planRender({
    chart: '',
    chartName: '',
    version: '',
    release: 'shop',
    namespace: 'shop',
    valuesFiles: [],
    set: [],
    setString: [],
    setFile: [],
    imageValuePaths: ['image'],
    kubeVersion: '1.36',
    apiVersions: [],
    dependencyUpdate: false,
    lint: true,
    requireDigests: true,
    helmVersion: envHelmVersion(),
    plainHttp: false,
    outputDir: 'out',
    workspace,
    builtinChart: BUILTIN_CHART,
    ...overrides,
  });
}
