import * as path from 'node:path';
import { ExecError, UserError, WorldError, type SourceLocation } from '@swiss-deploy/kit';

/** Where a chart's files are, to turn helm's `chart/templates/x.yaml` into a file a person can open. */
export interface ChartFiles {
  name: string;
  /** The chart folder on disk. */
  dir: string;
  /** Present when the chart sits in the workspace: annotations then point at the real file. */
  workspace?: string;
}

/** helm's own words after `Error:`, without its advice to rerun with --debug. */
function helmMessage(result: { stderr: string; stdout: string }): string {
  const text = (result.stderr || result.stdout)
    .split('\n')
    .filter((line) => !/^Use --debug flag/.test(line))
    .join('\n')
    .trim();
  return text.replace(/^Error: /, '');
}

// helm 3: `template: chart/templates/x.yaml:12:20: executing …`; helm 4: `chart/templates/x.yaml:12:20`;
// both: `execution error at (chart/templates/x.yaml:12:6): …`, `parse error at (chart/templates/x.yaml:3): …`.
const TEMPLATE_AT = /(?:^|[\s(])((?:[\w.-]+\/)+[\w.-]+\.(?:ya?ml|tpl|txt|json)):(\d+)(?::(\d+))?/m;
const YAML_ON = /YAML parse error on ((?:[\w.-]+\/)+[\w.-]+)/;

/** The template file helm names (`chart/templates/x.yaml`) and its line, when it names one. */
export function templateLocation(
  message: string,
): { template: string; line?: number; column?: number } | undefined {
  const at = TEMPLATE_AT.exec(message);
  if (at) {
    return {
      template: at[1] as string,
      line: Number(at[2]),
      ...(at[3] === undefined ? {} : { column: Number(at[3]) }),
    };
  }
  const yaml = YAML_ON.exec(message);
  return yaml ? { template: yaml[1] as string } : undefined;
}

/** `swiss-app/templates/x.yaml` → the file in the chart folder (subcharts live under `charts/<name>/`). */
export function templateFile(chart: ChartFiles, template: string): string | undefined {
  const [first, ...rest] = template.split('/');
  if (first !== chart.name || rest.length === 0) return undefined;
  const file = path.join(chart.dir, ...rest);
  return chart.workspace ? path.relative(chart.workspace, file) : undefined;
}

export function locationOf(
  chart: ChartFiles,
  template: string,
  line?: number,
  column?: number,
): SourceLocation | undefined {
  const file = templateFile(chart, template);
  if (!file || file.startsWith('..')) return undefined;
  return { file, ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) };
}

const MISSING_DEPENDENCIES =
  /missing in charts\/ directory|is missing these dependencies|run `helm dependency build`/;
const SCHEMA = /values don't meet the specifications of the schema/;
const NOT_FOUND = /not found|404|no such host|failed to fetch|invalid_reference|unauthorized|403|denied/i;
const NETWORK = /connection refused|i\/o timeout|TLS handshake|deadline exceeded|EOF|503|502|500 Internal/i;

/**
 * The findings of a failed `helm lint` (its `[ERROR]` and `[WARNING]` entries, which it prints on
 * stdout), without the `[INFO]` advice that never fails a lint.
 */
export function lintFindings(stdout: string): string {
  const kept: string[] = [];
  let keep = false;
  for (const line of stdout.split('\n')) {
    if (/^\[(ERROR|WARNING)\]/.test(line)) keep = true;
    else if (/^\[\w+\]|^==> |^\d+ chart\(s\) linted/.test(line)) keep = false;
    if (keep && line.trim() !== '') kept.push(line);
  }
  return kept.join('\n');
}

/**
 * What a helm failure means for the person who reads it: a problem in the chart or the values
 * (UserError, with the template file and line when helm names them) or a world that failed (WorldError).
 */
export function explainHelmFailure(
  error: unknown,
  step: 'template' | 'lint' | 'pull' | 'dependency' | 'login',
  chart?: ChartFiles,
): Error {
  if (!(error instanceof ExecError)) return error as Error;
  if (/ timed out after /.test(error.message)) {
    return new WorldError(`helm ${step} did not finish: ${error.message}`, {
      cause: error,
      untouched: 'nothing was rendered',
    });
  }
  const message = (step === 'lint' && lintFindings(error.result.stdout)) || helmMessage(error.result);
  if (step === 'template' || step === 'lint' || step === 'dependency') {
    if (SCHEMA.test(message)) {
      // helm names each refused value after this heading (lint prints them twice; keep the last).
      const heading = 'in the following chart(s):';
      const detail = message.includes(heading)
        ? message.slice(message.lastIndexOf(heading) + heading.length).trim()
        : message;
      return new UserError(`The values break the chart's values.schema.json:\n${detail}`, {
        hint: 'Fix the named values in values-files, set or set-string; the chart refused to render.',
      });
    }
    if (MISSING_DEPENDENCIES.test(message)) {
      return new UserError(`The chart's dependencies are missing: ${message}`, {
        hint: "Set dependency-update: true, or vendor the dependencies into the chart's charts/ folder.",
      });
    }
    if (step === 'dependency' && NETWORK.test(message)) {
      return new WorldError(`helm could not fetch the chart's dependencies: ${message}`, {
        cause: error,
        untouched: 'nothing was rendered',
      });
    }
    const at = templateLocation(message);
    const location = at && chart ? locationOf(chart, at.template, at.line, at.column) : undefined;
    if (at) {
      return new UserError(`The chart does not render: ${message.replace(/^\[ERROR\] templates\/: /, '')}`, {
        hint: `Fix ${at.template}${at.line === undefined ? '' : ` at line ${at.line}`}, or the values it reads.`,
        ...(location ? { location } : {}),
      });
    }
    const what = step === 'lint' ? 'helm lint --strict rejects the chart' : 'The chart does not render';
    return new UserError(`${what}:\n${message}`, {
      hint:
        step === 'lint'
          ? 'Fix what lint names, or set lint: false for a chart you do not own.'
          : 'Fix the chart or the values it is given.',
      ...(location ? { location } : {}),
    });
  }
  if (step === 'login') {
    return /unauthorized|401|denied|incorrect username or password/i.test(message)
      ? new UserError(`The registry refused the login: ${message}`, {
          hint: 'Check registry-username and registry-password.',
        })
      : new WorldError(`helm could not log in to the registry: ${message}`, { cause: error });
  }
  if (NETWORK.test(message) || !NOT_FOUND.test(message)) {
    return new WorldError(`helm could not fetch the chart: ${message}`, {
      cause: error,
      untouched: 'nothing was rendered',
    });
  }
  return new UserError(`helm could not fetch the chart: ${message}`, {
    hint: 'Check chart, chart-name and version, and the registry credentials.',
  });
}
