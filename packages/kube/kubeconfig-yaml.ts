import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError, YamlError, parseYamlDocuments, withheldNames } from '@swiss-deploy/kit';

const KUBECONFIG_HINT =
  'Check that the kubeconfig is complete YAML (apiVersion: v1, kind: Config) with a cluster, a user and a context.';

export const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Refuses a kubeconfig that goes over the suite's YAML limits (an alias bomb, runaway nesting) before the
 * client's own parser reads it. Syntax is left to that parser, which decides what a kubeconfig is; the
 * message says only where and which limit, since the text is a secret. Returns the kubeconfig as data when
 * it is one well-formed document (for the plain reader, so it is parsed once), else undefined.
 */
export function checkKubeconfigLimits(text: string, what: string): unknown {
  try {
    const { documents } = parseYamlDocuments(text, {
      source: what,
      version: '1.2',
      uniqueKeys: false,
      secret: true,
    });
    return documents.length === 1 ? documents[0]?.value : undefined;
  } catch (error) {
    if (!(error instanceof YamlError)) throw error;
    if (!error.limit) return undefined;
    const at = error.line === undefined ? '' : ` at line ${error.line}`;
    throw new UserError(`${capitalise(what)} goes over a YAML limit${at}: ${error.reason}.`, {
      hint: KUBECONFIG_HINT,
    });
  }
}

/** The same check for a kubeconfig file; a file that cannot be read is left for the loader to name. */
export function checkKubeconfigFileLimits(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return checkKubeconfigLimits(text, what);
}

/**
 * The parser's message quotes the offending lines (a code frame of a secret), so only its position and
 * its content-free reason are kept.
 */
export function kubeconfigError(what: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  const yamlError = error as { name?: string; reason?: string; mark?: { line?: number; column?: number } };
  if (yamlError?.name === 'YAMLException' && yamlError.mark) {
    const at = `line ${(yamlError.mark.line ?? 0) + 1}, column ${(yamlError.mark.column ?? 0) + 1}`;
    return new UserError(
      `${capitalise(what)} is not valid YAML at ${at}: ${yamlError.reason ?? 'a syntax error'}.`,
      { hint: KUBECONFIG_HINT },
    );
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new UserError(`${capitalise(what)} nests deeper than the YAML parser can follow.`, {
      hint: KUBECONFIG_HINT,
    });
  }
  // Structural errors ("users[0].name is missing") name fields, never values; a missing file names its path.
  const message = String((error as Error)?.message ?? error).split('\n')[0] as string;
  return new UserError(`${capitalise(what)} cannot be read: ${message}`, { hint: KUBECONFIG_HINT });
}

/**
 * A kubeconfig exec plugin (a cloud's credential helper, or any program a kubeconfig names) is started by
 * the Kubernetes client with this process's whole environment: the step's inputs (kubeconfig, tokens) and
 * the runner's ACTIONS_* tokens among them. Each of those is set empty for the plugin, before the
 * kubeconfig's own `env` entries, which it still gets.
 */
export function withholdFromExecPlugins(config: KubeConfig, env: NodeJS.ProcessEnv = process.env): void {
  const blanks = withheldNames(env).map((name) => ({ name, value: '' }));
  if (blanks.length === 0) return;
  for (const user of config.getUsers()) {
    const exec = user.exec as { env?: Array<{ name: string; value: string }> | null } | undefined;
    if (exec) exec.env = [...blanks, ...(exec.env ?? [])];
  }
}
