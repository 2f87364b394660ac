// From the analysis inputs to what a deploy runs: the spec read and validated, the Prometheus address with
// its credentials (registered as secrets), the bake window. Everything is checked here, before any side
// effect; a problem names the input, the value (never a secret's) and what is allowed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  InputError,
  UserError,
  inputConflict,
  registerSecret,
  resolveInWorkspace,
  type ContainmentOptions,
} from '@swiss-deploy/kit';
import type { PrometheusConfig } from './prometheus';
import { parseAnalysisSpec, type AnalysisSpec } from './spec';

export interface AnalysisInputValues {
  analysis?: string;
  'prometheus-url'?: string;
  'prometheus-token'?: string;
  'prometheus-username'?: string;
  'prometheus-password'?: string;
  'prometheus-ca'?: string;
  bake: number;
}

export interface AnalysisPlan {
  spec: AnalysisSpec;
  prometheus: PrometheusConfig;
  /** The bake window after the switch; 0 runs no bake. */
  bakeMs: number;
}

/** The deadline of one query: long enough for a heavy one, short enough that a silent server is noticed. */
export const QUERY_TIMEOUT_MS = 10_000;

/** True when an input holds YAML (or PEM) rather than the path of a file. */
function isInline(text: string): boolean {
  const value = text.trim();
  return /[\n\r]/.test(value) || /^[-[{]/.test(value) || /:\s/.test(value) || value.endsWith(':');
}

function readWorkspaceFile(
  name: string,
  given: string,
  confine: ContainmentOptions,
): { text: string; shown: string } {
  // a spec or CA file is repository content: it must not lead the action to a runner's file
  const file = resolveInWorkspace(name, given, confine);
  if (!existsSync(file) || !statSync(file).isFile())
    throw new UserError(`Input "${name}" names ${given}, which does not exist (looked for ${file}).`, {
      hint: 'Give a path relative to the workspace (check out the repository first), or the content inline.',
    });
  return { text: readFileSync(file, 'utf8'), shown: given };
}

/**
 * The analysis plan, or undefined when no analysis is asked for. A Prometheus address or a bake window
 * without a spec, or a spec without an address, is an input conflict.
 */
export function planAnalysis(
  values: AnalysisInputValues,
  confine: ContainmentOptions,
): AnalysisPlan | undefined {
  const url = values['prometheus-url'];
  const given = values.analysis?.trim();
  if (!given) {
    const stray: string[] = (
      [
        'prometheus-url',
        'prometheus-token',
        'prometheus-username',
        'prometheus-password',
        'prometheus-ca',
      ] as const
    ).filter((name) => values[name]);
    if (values.bake > 0) stray.push('bake');
    if (stray.length > 0)
      throw inputConflict(
        `${stray.map((n) => `Input "${n}"`).join(', ')} ${stray.length === 1 ? 'is' : 'are'} set without "analysis": they configure the metric analysis, which runs only with a spec.`,
        'Give the analysis spec (a file in the workspace or inline YAML), or drop these inputs; nothing was changed.',
      );
    return undefined;
  }
  const problems: string[] = [];
  if (!url)
    problems.push(
      'Input "prometheus-url" is required with "analysis": the Prometheus that answers its queries.',
    );
  if (values['prometheus-token'] && values['prometheus-username'])
    problems.push(
      'Inputs "prometheus-token" and "prometheus-username" are both set: use a bearer token or basic auth, not both.',
    );
  if (values['prometheus-password'] && !values['prometheus-username'])
    problems.push('Input "prometheus-password" is set without "prometheus-username".');
  const ca = values['prometheus-ca']?.trim();
  if (ca && url && !/^https:/i.test(url))
    problems.push(
      `Input "prometheus-ca" is set but "prometheus-url" is ${url}, not https://: a CA only applies to TLS.`,
    );
  if (problems.length > 0) throw new InputError(problems);

  registerSecret(values['prometheus-token']);
  registerSecret(values['prometheus-password']);

  const spec = isInline(given)
    ? parseAnalysisSpec(given, { input: 'analysis' })
    : (() => {
        const { text, shown } = readWorkspaceFile('analysis', given, confine);
        return parseAnalysisSpec(text, { file: shown });
      })();

  let caText: string | undefined;
  if (ca) {
    caText = ca.startsWith('-----BEGIN') ? ca : readWorkspaceFile('prometheus-ca', ca, confine).text;
    if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(caText))
      throw new InputError([
        `Input "prometheus-ca" is not a PEM certificate: expected one or more "-----BEGIN CERTIFICATE-----" blocks, inline or in a workspace file.`,
      ]);
  }

  return {
    spec,
    bakeMs: values.bake,
    prometheus: {
      url: url as string,
      timeoutMs: QUERY_TIMEOUT_MS,
      ...(values['prometheus-token'] ? { token: values['prometheus-token'] } : {}),
      ...(values['prometheus-username']
        ? { username: values['prometheus-username'], password: values['prometheus-password'] ?? '' }
        : {}),
      ...(caText ? { ca: caText } : {}),
    },
  };
}
