// What a pod needs to land on the test cluster's real node: in the mixed mode that node is labelled and
// tainted so that only pods asking for it run there (the rest land on kwok's fake nodes).
import { readEnvFile } from '../support/env';

export function realNodeScheduling(): Record<string, unknown> {
  const env = readEnvFile();
  const selector = env.KUBE_REAL_NODE_SELECTOR;
  const toleration = /^([^=]+)=([^:]*):(.+)$/.exec(env.KUBE_REAL_TOLERATION ?? '');
  return {
    ...(selector ? { nodeSelector: { [selector.split('=')[0]!]: selector.split('=')[1] ?? '' } } : {}),
    ...(toleration
      ? {
          tolerations: [
            { key: toleration[1], operator: 'Equal', value: toleration[2], effect: toleration[3] },
          ],
        }
      : {}),
  };
}

/** Fails the suite loudly when the environment has no real node to run pods on. */
export function requireRealNode(mode: string): void {
  if (mode !== 'real' && mode !== 'mixed')
    throw new Error(`this e2e needs a real node (KUBE_MODE real or mixed), the environment runs ${mode}`);
}
