import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cacheDir } from './versions';

/** The env file test/env/env.sh writes: registry address and credentials, kubeconfig, tool paths. */
export function envFilePath(): string {
  return path.join(process.env.SWISS_DEPLOY_RUN ?? path.join(cacheDir(), 'run'), 'env');
}

export function readEnvFile(): Record<string, string> {
  const file = envFilePath();
  if (!existsSync(file)) return {};
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

/**
 * One value of the running test environment. A missing value fails the test loudly: the environment
 * is part of the suite, never a reason to skip.
 */
export function testEnv(key: string): string {
  const value = readEnvFile()[key];
  if (!value) {
    throw new Error(
      `The test environment has no ${key} in ${envFilePath()}. Run \`npm run env:up\` and read its output.`,
    );
  }
  return value;
}

/**
 * The second cluster (component cluster2: kwok nodes only, its own CA), for what spans clusters. Its admin
 * kubeconfig's context is swiss-deploy-2; the first cluster's is testEnv('KUBECONFIG').
 */
export function secondCluster(): { kubeconfig: string; apiServer: string } {
  return { kubeconfig: testEnv('CLUSTER2_KUBECONFIG'), apiServer: testEnv('CLUSTER2_API_SERVER') };
}
