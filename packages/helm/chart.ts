import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError, parseYaml } from '@swiss-deploy/kit';
import type { Helm } from './helm';
import type { ChartFiles } from './helm-errors';
import type { ChartSource, FetchedChart } from './types';

export interface ChartInputs {
  chart: string;
  chartName: string;
  version: string;
  /** The name of the version input in messages. Default "version" (the root action: "chart-version"). */
  versionInput?: string;
  /** The chart the action ships, used when `chart` is empty. */
  builtin: string;
  workspace: string;
}

/**
 * What the `chart`, `chart-name` and `version` inputs point at, checked without touching the network:
 * empty → the built-in chart; `oci://…`; an `https://` repository with `chart-name` and `version`; or a
 * chart folder (or packaged .tgz) in the workspace. Returns the problem when they do not fit together.
 */
export function resolveChartSource(inputs: ChartInputs): ChartSource | { problem: string } {
  const chart = inputs.chart.trim();
  const version = inputs.version.trim();
  // A version pins a chart fetched from elsewhere; given for a chart that is used as it is, it is a mistake.
  const unversioned = (what: string) => ({
    problem: `Input "${inputs.versionInput ?? 'version'}" is "${version}": a version applies only to an oci:// or repository chart, and ${what} is used as it is.`,
  });
  if (chart === '') {
    if (inputs.chartName) return { problem: 'Input "chart-name" needs a repository URL in "chart".' };
    if (version) return unversioned('the built-in chart');
    return { kind: 'builtin', path: inputs.builtin };
  }
  if (chart.startsWith('oci://')) {
    if (inputs.chartName)
      return { problem: 'Input "chart-name" is for repository URLs; an oci:// reference names its chart.' };
    const pinnedInRef = /:[\w][\w.+-]*$|@sha256:[a-f0-9]{64}$/.test(
      chart.slice('oci://'.length).split('/').slice(1).join('/'),
    );
    if (!version && !pinnedInRef) {
      return {
        problem: `Input "chart" is "${chart}" without a version: set "version" (or a tag in the reference) so the chart cannot change under the workflow.`,
      };
    }
    return { kind: 'oci', ref: chart, ...(version ? { version } : {}) };
  }
  if (/^https?:\/\//.test(chart)) {
    if (!inputs.chartName)
      return { problem: `Input "chart" is the repository "${chart}": set "chart-name" to the chart in it.` };
    if (!version)
      return {
        problem: `Input "version" is required for the repository chart "${inputs.chartName}", so it cannot change under the workflow.`,
      };
    return { kind: 'repo', url: chart, name: inputs.chartName, version };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chart))
    return {
      problem: `Input "chart" is "${chart}": expected a path, an oci:// reference or an http(s):// repository URL.`,
    };
  if (inputs.chartName) return { problem: 'Input "chart-name" needs a repository URL in "chart".' };
  if (version) return unversioned(`the chart "${chart}" in the workspace`);
  const full = path.resolve(inputs.workspace, chart);
  if (!existsSync(full))
    return { problem: `Input "chart" is "${chart}": no such file or folder in the workspace.` };
  if (statSync(full).isDirectory() && !existsSync(path.join(full, 'Chart.yaml')))
    return { problem: `Input "chart" is "${chart}": the folder has no Chart.yaml.` };
  return { kind: 'local', path: full };
}

function chartMeta(
  text: string,
  where: string,
  isFile = false,
): { name: string; version: string; appVersion?: string } {
  // helm reads Chart.yaml in the manifest dialect, YAML 1.1; an alias bomb is a named error, not a hang.
  const parsed = parseYaml(text, { source: where, file: isFile });
  const meta =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  const name = typeof meta?.name === 'string' ? meta.name : undefined;
  if (!name)
    throw new UserError(`${where} has no name.`, { hint: 'A chart needs name and version in Chart.yaml.' });
  return {
    name,
    version: meta?.version === undefined ? '' : String(meta.version),
    ...(meta?.appVersion === undefined ? {} : { appVersion: String(meta.appVersion) }),
  };
}

export interface FetchOptions {
  plainHttp: boolean;
  workspace: string;
  /** Where pulled charts are unpacked. */
  tempDir?: string;
}

/** Brings the chart to disk (pulling OCI and repository charts) and reads its Chart.yaml. */
export async function fetchChart(
  helm: Helm,
  source: ChartSource,
  options: FetchOptions,
): Promise<FetchedChart> {
  let dir: string;
  let label: string;
  switch (source.kind) {
    case 'builtin':
      dir = source.path;
      label = 'built-in swiss-app';
      break;
    case 'local':
      dir = source.path;
      label = path.relative(options.workspace, source.path) || '.';
      break;
    case 'oci':
    case 'repo': {
      const into = await mkdtemp(
        path.join(options.tempDir ?? process.env.RUNNER_TEMP ?? os.tmpdir(), 'chart-'),
      );
      dir = await helm.pull(source, into, options.plainHttp);
      label = source.kind === 'oci' ? source.ref : `${source.name} from ${source.url}`;
      break;
    }
  }
  if (!statSync(dir).isDirectory()) {
    // A packaged chart in the workspace: helm reads it as it is, and tells what its Chart.yaml says.
    return { source, path: dir, ...chartMeta(await helm.showChart(dir), label), label };
  }
  const file = path.join(dir, 'Chart.yaml');
  return { source, path: dir, ...chartMeta(readFileSync(file, 'utf8'), file, true), label };
}

/** How helm names the chart's files in errors and `# Source:` comments, and where they are on disk. */
export function chartFiles(chart: FetchedChart, workspace: string): ChartFiles {
  const inWorkspace =
    chart.source.kind === 'local' &&
    statSync(chart.path).isDirectory() &&
    !path.relative(workspace, chart.path).startsWith('..');
  return { name: chart.name, dir: chart.path, ...(inWorkspace ? { workspace } : {}) };
}
