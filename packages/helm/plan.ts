import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  InputError,
  YamlError,
  describeProblem,
  parseYamlDocuments,
  resolveInWorkspace,
} from '@swiss-deploy/kit';
import { resolveChartSource } from './chart';
import { resolveHelmVersion } from './helm-versions';
import { supportedKubeMinor, supportedKubeVersions } from './kube-schema';
import type { Assignment, ChartSource, ImageValuePath, RenderOptions } from './types';
import { parseAssignment, parseImageRef, parseImageValuePath } from './values';

/** What the workflow asked for, as plain values (the action reads the inputs; this checks their meaning). */
export interface RenderRequest {
  chart: string;
  chartName: string;
  version: string;
  /** The name of the version input in messages. Default "version". */
  versionInput?: string;
  release: string;
  namespace: string;
  valuesFiles: readonly string[];
  set: readonly string[];
  setString: readonly string[];
  setFile: readonly string[];
  imageRef?: string;
  imageValuePaths: readonly string[];
  kubeVersion: string;
  apiVersions: readonly string[];
  dependencyUpdate: boolean;
  lint: boolean;
  requireDigests: boolean;
  helmVersion: string;
  helmMirror?: string;
  registryUsername?: string;
  registryPassword?: string;
  plainHttp: boolean;
  outputDir: string;
  /** Relative paths in the inputs are read from here (GITHUB_WORKSPACE). */
  workspace: string;
  /** The chart the action ships: charts/swiss-app. */
  builtinChart: string;
}

export interface RenderPlan {
  source: ChartSource;
  options: RenderOptions;
  helmVersion: string;
  helmMirror?: string;
  credentials?: { username: string; password: string };
  plainHttp: boolean;
  lint: boolean;
  requireDigests: boolean;
  workspace: string;
  outputDir: string;
  /** `<output-dir>/<release>.yaml`, absolute. */
  manifestsFile: string;
}

/**
 * A values file helm could not read, said before helm runs: syntax errors with their line, and an alias
 * bomb or runaway nesting as the limit it goes over (helm would spend its memory on it first).
 */
function valuesFileProblem(full: string, given: string): string | undefined {
  try {
    // Duplicate keys are helm's to judge; only what cannot be read at all is refused here.
    parseYamlDocuments(readFileSync(full, 'utf8'), { source: given, uniqueKeys: false });
    return undefined;
  } catch (error) {
    if (error instanceof YamlError) return `Input "values-files": ${error.message}`;
    throw error;
  }
}

/**
 * Checks everything the inputs mean before anything runs: files exist, values parse, the chart source
 * is complete, the helm and Kubernetes versions are ones the action can pin and validate. Every problem
 * is reported at once.
 */
export function planRender(request: RenderRequest): RenderPlan {
  const problems: string[] = [];
  const workspace = path.resolve(request.workspace);
  // Every file the chart is rendered from, and the folder written to, stays inside the workspace.
  const contained = (input: string, value: string): string | undefined => {
    try {
      return resolveInWorkspace(input, value, { workspace });
    } catch (error) {
      if (error instanceof InputError) problems.push(...error.problems);
      else throw error;
      return undefined;
    }
  };

  const source = resolveChartSource({
    chart: request.chart,
    chartName: request.chartName,
    version: request.version,
    versionInput: request.versionInput,
    builtin: request.builtinChart,
    workspace,
  });
  if ('problem' in source) problems.push(source.problem);
  else if (source.kind === 'local') contained('chart', request.chart.trim());

  const helm = resolveHelmVersion(request.helmVersion);
  if ('reason' in helm)
    problems.push(
      describeProblem('helm-version', request.helmVersion, 'a pinned helm release', false, helm.reason),
    );

  if (!supportedKubeMinor(request.kubeVersion)) {
    problems.push(
      describeProblem(
        'kube-version',
        request.kubeVersion,
        `a Kubernetes version whose schemas ship with the action: ${supportedKubeVersions().join(', ')}`,
      ),
    );
  }

  const valuesFiles: string[] = [];
  for (const file of request.valuesFiles) {
    const full = contained('values-files', file);
    if (full === undefined) continue;
    if (!existsSync(full) || !statSync(full).isFile())
      problems.push(`Input "values-files" lists "${file}", which is not a file in the workspace.`);
    else {
      const problem = valuesFileProblem(full, file);
      if (problem) problems.push(problem);
      else valuesFiles.push(full);
    }
  }

  const assignments = (input: string, lines: readonly string[]): Assignment[] => {
    const out: Assignment[] = [];
    for (const line of lines) {
      const parsed = parseAssignment(line);
      if ('reason' in parsed) problems.push(`Input "${input}" line "${line}" ${parsed.reason}.`);
      else out.push(parsed);
    }
    return out;
  };
  const set = assignments('set', request.set);
  const setString = assignments('set-string', request.setString);
  const setFile = assignments('set-file', request.setFile).map(({ key, value }) => {
    const checked = contained('set-file', value);
    const full = checked ?? path.resolve(workspace, value);
    if (checked !== undefined && (!existsSync(full) || !statSync(full).isFile()))
      problems.push(`Input "set-file" sets ${key} from "${value}", which is not a file in the workspace.`);
    return { key, value: full };
  });

  let image: RenderOptions['image'];
  if (request.imageRef) {
    const ref = parseImageRef(request.imageRef);
    const paths: ImageValuePath[] = [];
    for (const line of request.imageValuePaths) {
      const parsed = parseImageValuePath(line);
      if ('reason' in parsed) problems.push(`Input "image-value-paths" line "${line}" ${parsed.reason}.`);
      else paths.push(parsed);
    }
    if (!ref) {
      problems.push(
        describeProblem(
          'image-ref',
          request.imageRef,
          'an image pinned by digest, such as registry/app@sha256:<64 hex>',
        ),
      );
    } else if (paths.length === 0) {
      problems.push(
        'Input "image-value-paths" is empty, so image-ref would go nowhere: give at least one value path.',
      );
    } else {
      image = { ref, paths };
    }
  }

  const outputDir = contained('output-dir', request.outputDir) ?? path.resolve(workspace, request.outputDir);

  const hasUser = Boolean(request.registryUsername);
  const hasPassword = Boolean(request.registryPassword);
  if (hasUser !== hasPassword)
    problems.push('Inputs "registry-username" and "registry-password" go together: give both or neither.');
  else if (hasUser && !('kind' in source && source.kind === 'oci'))
    problems.push('Inputs "registry-username" and "registry-password" apply to oci:// charts only.');

  if (problems.length > 0 || 'problem' in source || 'reason' in helm) throw new InputError(problems);

  return {
    source,
    options: {
      release: request.release,
      namespace: request.namespace,
      valuesFiles,
      set,
      setString,
      setFile,
      ...(image ? { image } : {}),
      kubeVersion: request.kubeVersion.trim().replace(/^v/, ''),
      apiVersions: request.apiVersions,
      dependencyUpdate: request.dependencyUpdate,
      cwd: workspace,
    },
    helmVersion: helm.version,
    ...(request.helmMirror ? { helmMirror: request.helmMirror } : {}),
    ...(hasUser
      ? {
          credentials: {
            username: request.registryUsername as string,
            password: request.registryPassword as string,
          },
        }
      : {}),
    plainHttp: request.plainHttp,
    lint: request.lint,
    requireDigests: request.requireDigests,
    workspace,
    outputDir,
    manifestsFile: path.join(outputDir, `${request.release}.yaml`),
  };
}
