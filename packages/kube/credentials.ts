import type * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError, errorMessage, maskSecrets, registerSecret } from '@swiss-deploy/kit';

/**
 * Puts the kubeconfig's credentials on a request (certificates, a token, an exec plugin's or auth
 * provider's answer) and registers what a plugin handed back for masking: an exec plugin's token exists
 * only in memory, so the kubeconfig's own masking never saw it.
 */
export async function signRequest(config: KubeConfig, init: https.RequestOptions): Promise<void> {
  try {
    await config.applyToHTTPSOptions(init);
  } catch (error) {
    throw pluginError(config, error);
  }
  const authorization = (init.headers as Record<string, unknown> | undefined)?.Authorization;
  if (typeof authorization === 'string') {
    registerSecret(authorization, { anyLength: true });
    registerSecret(authorization.replace(/^\s*\S+\s+/, ''), { anyLength: true });
  }
  const key = (init as { key?: unknown }).key;
  if (typeof key === 'string' || Buffer.isBuffer(key)) registerSecret(String(key), { anyLength: true });
}

/**
 * A credential plugin that failed or printed something other than an ExecCredential. Its stderr is kept
 * (the cloud CLI's reason: expired login, missing role), masked; a JSON parser's message is not, since it
 * quotes what the plugin printed and that may be a token.
 */
function pluginError(config: KubeConfig, error: unknown): Error {
  const exec = config.getCurrentUser()?.exec as { command?: unknown } | undefined;
  const command = typeof exec?.command === 'string' ? exec.command : undefined;
  if (!command) return error instanceof Error ? error : new Error(errorMessage(error));
  const reason =
    error instanceof SyntaxError
      ? 'it did not print an ExecCredential (JSON) on stdout'
      : maskSecrets(errorMessage(error).trim()).split('\n').slice(0, 5).join(' ') ||
        'it failed without a message';
  return new UserError(`The kubeconfig's credential plugin "${command}" gave no credential: ${reason}.`, {
    hint:
      'Run the cloud login step before this one (aws-actions/configure-aws-credentials, google-github-actions/auth, ' +
      'azure/login) and check that the plugin is on PATH; see docs/deployment.md, "Cloud clusters". Nothing was changed.',
  });
}
