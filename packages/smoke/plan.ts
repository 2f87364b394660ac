import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  SERVICE_REF_PATTERN,
  UserError,
  errorMessage,
  inputConflict,
  resolveInWorkspace,
} from '@swiss-deploy/kit';
import { maskHeaderSecrets, parseChecks, urlCheck, type CheckDefaults } from './checks-file';
import { parseLoadSpec } from './load-spec';
import type { Check, LoadSpec, RetryPolicy, TlsOptions } from './types';
import { redactUrlCredentials, takeUrlCredentials, withUrlAuthorization } from './url-credentials';

/** The smoke test's settings as the action's inputs give them, already typed by the kit. */
export interface SmokeSettings {
  url?: string;
  /** A checks file path, or the checks as inline YAML. */
  checks?: string;
  /** The input `checks` came from, as messages name it. Default "checks" (the root action: "smoke-checks"). */
  checksInputName?: string;
  /** `namespace/name:port`. */
  service?: string;
  /** kubeconfig text or path for `service`; default KUBECONFIG. */
  kubeconfig?: string;
  hostHeader?: string;
  /** `Name: value` lines added to every request. */
  headers: string[];
  timeoutMs: number;
  intervalMs: number;
  retries: number;
  consecutiveSuccesses: number;
  concurrency: number;
  caFile?: string;
  insecure: boolean;
  /** The `load` mapping, unparsed. */
  load?: unknown;
  /** Relative files (checks, ca-file) are read from here: the workspace. Files must stay inside it… */
  workspace: string;
  /** …or inside RUNNER_TEMP, where an earlier step may have written them. */
  runnerTemp?: string;
}

export type SmokeTarget =
  { kind: 'url'; baseUrl?: string } | { kind: 'service'; service: string; kubeconfig?: string };

/** Everything the run needs, validated before any request is sent. */
export interface SmokePlan {
  target: SmokeTarget;
  checks: Check[];
  hostHeader?: string;
  tls: TlsOptions;
  concurrency: number;
  load?: LoadSpec;
  /** Where the checks came from, for the summary. */
  checksSource: string;
}

export const SERVICE_PATTERN = SERVICE_REF_PATTERN;

/** True when the `checks` input holds YAML rather than the path of a file. */
export function isInlineChecks(text: string): boolean {
  const value = text.trim();
  return /[\n\r]/.test(value) || /^[-[{]/.test(value) || /:\s/.test(value) || value.endsWith(':');
}

/** `Name: value` lines into headers; each bad line is named. */
export function parseHeaderLines(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  lines.forEach((line, index) => {
    const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/.exec(line.trim());
    if (!match) problems.push(`line ${index + 1} is not "Name: value"`);
    else headers[match[1] as string] = (match[2] as string).trim();
  });
  if (problems.length > 0) {
    throw inputConflict(
      `Input "headers": ${problems.join('; ')}.`,
      'Write one header per line, e.g. "Authorization: Bearer …".',
    );
  }
  return headers;
}

function displayPath(file: string, workspace: string): string {
  const relative = path.relative(workspace, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function readFileInput(
  name: string,
  given: string,
  settings: Pick<SmokeSettings, 'workspace' | 'runnerTemp'>,
): { text: string; file: string } {
  // The checks file and the CA are repository content: they must not lead the action to a runner's file.
  const file = resolveInWorkspace(name, given, {
    workspace: settings.workspace,
    ...(settings.runnerTemp ? { runnerTemp: settings.runnerTemp } : {}),
  });
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new UserError(`Input "${name}" names ${given}, which does not exist (looked for ${file}).`, {
      hint: 'Give a path relative to the workspace (check out the repository first), or inline YAML.',
    });
  }
  try {
    return { text: readFileSync(file, 'utf8'), file };
  } catch (error) {
    throw new UserError(`Input "${name}": ${given} could not be read: ${errorMessage(error)}`);
  }
}

/**
 * Turns the inputs into a plan, reading and validating the checks, the CA file and the load settings.
 * Nothing is sent and no cluster is contacted here: a mistake in the inputs costs no request.
 */
export function planSmokeTest(settings: SmokeSettings, env: NodeJS.ProcessEnv = process.env): SmokePlan {
  const { checks: checksInput, service } = settings;
  const shownUrl = settings.url === undefined ? undefined : redactUrlCredentials(settings.url);
  if (!settings.url && !checksInput && !service) {
    throw inputConflict('Give the smoke test something to test: "url", "checks" or "service".');
  }
  if (settings.url && service) {
    throw inputConflict(
      'Inputs "url" and "service" both say where to send the requests; give one.',
      'Use "service" to reach a Service through the API server, "url" for anything reachable from the runner.',
    );
  }
  if (settings.url && !/^https?:\/\/[^/]/i.test(settings.url)) {
    throw inputConflict(`Input "url" is "${shownUrl}": expected an absolute http:// or https:// URL.`);
  }
  if (settings.url && !URL.canParse(settings.url))
    throw inputConflict(`Input "url" is "${shownUrl}", which is not a valid URL.`);
  // From here on the base URL has no userinfo: its credentials travel as a masked Authorization header.
  const { url, authorization: baseAuthorization } = settings.url
    ? takeUrlCredentials(settings.url)
    : { url: undefined, authorization: undefined };
  if (service && !SERVICE_PATTERN.test(service)) {
    throw inputConflict(
      `Input "service" is "${service}": expected namespace/name:port, e.g. shop/web-preview:80 or shop/web-preview:http.`,
    );
  }
  if (
    settings.hostHeader !== undefined &&
    !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(settings.hostHeader)
  ) {
    throw inputConflict(
      `Input "host-header" is "${settings.hostHeader}": expected a host name, optionally with :port.`,
    );
  }

  const policy: RetryPolicy = {
    timeoutMs: settings.timeoutMs,
    intervalMs: settings.intervalMs,
    retries: settings.retries,
    consecutiveSuccesses: settings.consecutiveSuccesses,
  };
  const headers = parseHeaderLines(settings.headers);
  maskHeaderSecrets(headers);
  const defaults: CheckDefaults = { policy, headers, followRedirects: true, maxRedirects: 5 };

  let checks: Check[];
  let checksSource: string;
  if (checksInput) {
    if (isInlineChecks(checksInput)) {
      checks = parseChecks({ text: checksInput, input: settings.checksInputName }, defaults, env);
      checksSource = `the ${settings.checksInputName ?? 'checks'} input`;
    } else {
      const { text, file } = readFileInput(settings.checksInputName ?? 'checks', checksInput, settings);
      const shown = displayPath(file, settings.workspace);
      checks = parseChecks({ text, file: shown }, defaults, env);
      checksSource = shown;
    }
    // The base URL's credentials go with the requests sent to it, not to a check's own absolute URL.
    checks = checks.map((check) =>
      /^https?:\/\//i.test(check.target)
        ? check
        : { ...check, headers: withUrlAuthorization(check.headers, baseAuthorization) },
    );
    if (!url && !service) {
      const relative = checks.filter((c) => !/^https?:\/\//i.test(c.target));
      if (relative.length > 0) {
        throw inputConflict(
          `Check${relative.length > 1 ? 's' : ''} ${relative.map((c) => `"${c.name}"`).join(', ')} ${relative.length > 1 ? 'have' : 'has'} a path but no base to resolve it against.`,
          'Give "url" (or "service") as the base, or write a full "url" in each check.',
        );
      }
    }
  } else {
    checks = [urlCheck(url ?? '', defaults)];
    checks[0]!.headers = withUrlAuthorization(checks[0]!.headers, baseAuthorization);
    if (service) {
      checks = [{ ...checks[0]!, name: `GET / on ${service}`, target: '' }];
    }
    checksSource = url ? 'the url input' : 'the service input';
  }

  let ca: string | undefined;
  if (settings.caFile) {
    ca = readFileInput('ca-file', settings.caFile, settings).text;
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new UserError(
        `Input "ca-file": ${settings.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`,
      );
    }
  }

  const load =
    settings.load === undefined || settings.load === null ? undefined : parseLoadSpec(settings.load);
  return {
    target: service
      ? { kind: 'service', service, kubeconfig: settings.kubeconfig }
      : { kind: 'url', baseUrl: url },
    checks,
    hostHeader: settings.hostHeader,
    tls: { ca, insecure: settings.insecure },
    concurrency: settings.concurrency,
    load,
    checksSource,
  };
}
