// kubectl for the environment tests: the pinned binary, the environment's kubeconfig, manifests on stdin,
// and a poll that reports the last state it saw when what it waits for never comes.
import { randomBytes } from 'node:crypto';
import { testEnv } from '../../support/env';
import { run, runOk, type RunResult } from './run';

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export function kubectl(args: string[], input?: string): Promise<RunResult> {
  return runOk(testEnv('KUBECTL'), args, {
    input,
    env: { KUBECONFIG: testEnv('KUBECONFIG') },
    timeoutMs: 240_000,
  });
}

export async function getJson<T = KubeObject>(args: string[]): Promise<T> {
  return JSON.parse((await kubectl(['get', ...args, '--output', 'json'])).stdout) as T;
}

export async function applyJson(objects: object[]): Promise<void> {
  await kubectl(
    ['apply', '--filename', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
}

/** A namespace of its own for one test file; deleted (without waiting) by the returned function. */
export async function createNamespace(
  prefix: string,
): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  // Read now: the cleanup must still find the cluster's address if the env file changed meanwhile.
  const binary = testEnv('KUBECTL');
  const kubeconfig = testEnv('KUBECONFIG');
  await kubectl(['create', 'namespace', name]);
  return {
    name,
    remove: async () => {
      await run(binary, ['delete', 'namespace', name, '--wait=false'], { env: { KUBECONFIG: kubeconfig } });
    },
  };
}

/** The cluster's nodes, split into kwok's fake ones and real kubelets. */
export async function nodesByKind(): Promise<{ kwok: KubeObject[]; real: KubeObject[]; mode: string }> {
  const nodes = (await getJson<{ items: KubeObject[] }>(['nodes'])).items;
  const isKwok = (n: KubeObject): boolean => n.metadata.annotations?.[KWOK_NODE_ANNOTATION] === 'fake';
  let mode = 'unknown';
  try {
    mode = testEnv('KUBE_MODE');
  } catch {
    // reported by the caller with the node list
  }
  return { kwok: nodes.filter(isKwok), real: nodes.filter((n) => !isKwok(n)), mode };
}

/**
 * Waits for a Deployment's Available condition; when it does not come, the error shows the namespace's pods
 * and events (the pull error, the crash, the failing probe), not only "timed out".
 */
export async function waitAvailable(namespace: string, name: string, timeoutSeconds: number): Promise<void> {
  const env = { KUBECONFIG: testEnv('KUBECONFIG') };
  const waited = await run(
    testEnv('KUBECTL'),
    [
      'wait',
      `deployment/${name}`,
      '--namespace',
      namespace,
      '--for=condition=Available',
      `--timeout=${timeoutSeconds}s`,
    ],
    { env, timeoutMs: (timeoutSeconds + 30) * 1000 },
  );
  if (waited.code === 0) return;
  const pods = await run(testEnv('KUBECTL'), ['get', 'pods', '--namespace', namespace, '--output', 'wide'], {
    env,
  });
  const describe = await run(testEnv('KUBECTL'), ['describe', 'pods', '--namespace', namespace], { env });
  throw new Error(
    `deployment/${name} in ${namespace} did not become Available within ${timeoutSeconds}s: ${waited.stderr.trim()}\n` +
      `${pods.stdout}${pods.stderr}\n${describe.stdout.split('\n').slice(-60).join('\n')}`,
  );
}

/** Polls `get` until `done` holds for what it returns; fails with the last value after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  get: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await get();
    if (done(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not reached within ${timeoutMs / 1000}s; last seen:\n${JSON.stringify(last, null, 2)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
