import * as path from 'node:path';
import { group, log, safe, type InputValues } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import type { ChainCheck, ChainSteps as Steps, DeployOptions } from '@swiss-deploy/bluegreen';
import type { RenderPlan } from '@swiss-deploy/helm';
import type { SmokeReport } from '@swiss-deploy/smoke';
import type { AnalysisPlan, AnalysisReport } from '@swiss-deploy/analysis';
import type { inputs } from './contract';

export type Inputs = InputValues<typeof inputs>;

export type ChainSteps = Steps<SmokeReport>;

/** The render of the chart (built-in by default) with the image by digest, checked before anything runs. */
export async function planChart(values: Inputs, builtinChart: string): Promise<RenderPlan> {
  const helm = await import('@swiss-deploy/helm');
  return helm.planRender({
    chart: values.chart ?? '',
    chartName: '',
    version: values['chart-version'] ?? '',
    versionInput: 'chart-version',
    release: values.app,
    namespace: values.namespace,
    valuesFiles: values['values-files'],
    set: values.set,
    setString: values['set-string'],
    setFile: [],
    imageRef: values['image-ref'],
    imageValuePaths: ['image'],
    kubeVersion: values['kube-version'],
    apiVersions: [],
    dependencyUpdate: false,
    lint: false,
    requireDigests: true,
    helmVersion: helm.DEFAULT_HELM_VERSION,
    helmMirror: '',
    plainHttp: false,
    outputDir: path.join('.swiss-deploy', 'deploy'),
    workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
    builtinChart,
  });
}

/** Renders the planned chart, validated like render-helm does; `phase` is the log group (and trace span). */
export async function render(
  plan: RenderPlan,
  phase: typeof group = group,
): Promise<{ file: string; digest: string }> {
  const helm = await import('@swiss-deploy/helm');
  return phase('Render the chart', async () => {
    const binary = await helm.installHelm(plan);
    const chart = await helm.prepareChart(binary, plan);
    const rendered = await helm.renderChart(binary, chart, plan);
    await helm.inspectManifests(rendered, plan);
    return helm.writeManifests(plan, rendered);
  });
}

/** What a smoke test runs against: a Service through the API server, or the live route's URL. */
export type SmokeTarget = { service: string } | { url: string };

/**
 * The smoke plan for one target. The checks are built as data, never pasted into YAML text; the main step
 * plans once per target kind with a placeholder Service before any side effect, so a bad check fails first.
 */
export async function smokePlan(values: Inputs, target: SmokeTarget, kubeconfig: string | undefined) {
  const { planSmokeTest } = await import('@swiss-deploy/smoke');
  const path = values['smoke-path'];
  return planSmokeTest({
    ...('service' in target
      ? { service: target.service, kubeconfig }
      : { url: target.url, hostHeader: values['smoke-host-header'] }),
    checks: values['smoke-checks'] ?? JSON.stringify({ checks: [{ name: path, path }] }),
    checksInputName: 'smoke-checks',
    headers: [],
    timeoutMs: values['smoke-timeout'],
    intervalMs: 2000,
    retries: values['smoke-retries'],
    consecutiveSuccesses: 1,
    concurrency: 4,
    insecure: false,
    workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
    runnerTemp: process.env.RUNNER_TEMP || undefined,
  });
}

function describeTarget(target: 'preview' | 'live', values: Inputs, service: string): string {
  if (target === 'preview') return `preview ${service}`;
  const url = values['smoke-url'];
  if (!url) return `live Service ${service}`;
  const host = values['smoke-host-header'];
  return `live route ${safe(url)}${host ? ` (Host: ${safe(host)})` : ''}`;
}

/** The live check's target: the route users reach when `smoke-url` is set, else the stable Service. */
export function liveTarget(values: Inputs, stableService: string): SmokeTarget {
  return values['smoke-url'] ? { url: values['smoke-url'] } : { service: stableService };
}

/**
 * The chain of swiss/deploy@v1, held under one lease by packages/bluegreen: preview → smoke → promote →
 * live smoke → switch back if that fails. This wires the smoke test in as the chain's check.
 */
export async function deployChain(
  kube: Kube,
  values: Inputs,
  manifestsFile: string,
  kubeconfigFile: string | undefined,
  common: Omit<DeployOptions, 'app' | 'namespace' | 'timeoutMs'>,
  analysis?: { plan: AnalysisPlan; reports: AnalysisReport[] },
): Promise<ChainSteps> {
  const bluegreen = await import('@swiss-deploy/bluegreen');
  const { runSmokeTest } = await import('@swiss-deploy/smoke');
  const manifests = bluegreen.loadManifests([manifestsFile], process.env.GITHUB_WORKSPACE ?? process.cwd());
  const smoke: ChainCheck<SmokeReport> = {
    run: (target, service) =>
      (common.phase ?? group)(`Smoke-test the ${describeTarget(target, values, service)}`, async () =>
        runSmokeTest(
          await smokePlan(
            values,
            target === 'preview' ? { service } : liveTarget(values, service),
            kubeconfigFile,
          ),
          {
            log,
            phase: group,
            openForward: (forwarded, onEvent) => kube.portForward(forwarded, { onEvent }),
          },
        ),
      ),
    passed: (report) => report.passed,
    describe: (report) =>
      `${report.failedChecks.length} of ${report.results.length} checks failed on ${report.target}: ${report.failedChecks.join(', ')}`,
  };
  const options = {
    ...common,
    app: values.app,
    namespace: values.namespace,
    timeoutMs: values.timeout,
    manifests,
  };
  if (!analysis) return bluegreen.runDeployChain<SmokeReport>(kube, { ...options, check: smoke });
  // The smoke test first, then the metrics: on the preview before the switch, on live as the bake window.
  const check = bluegreen.thenCheck(
    smoke,
    bluegreen.analysisCheck(kube, analysis.plan, {
      app: values.app,
      namespace: values.namespace,
      log,
      phase: group,
      onReport: (report) => analysis.reports.push(report),
    }),
  );
  const smokeSteps = (steps: Steps<{ first: SmokeReport }>): ChainSteps => ({
    deploy: steps.deploy,
    ...(steps.preview ? { preview: steps.preview.first } : {}),
    ...(steps.live ? { live: steps.live.first } : {}),
    ...(steps.rollback ? { rollback: steps.rollback } : {}),
  });
  try {
    return smokeSteps(await bluegreen.runDeployChain(kube, { ...options, check }));
  } catch (error) {
    if (!(error instanceof bluegreen.RolledBackError)) throw error;
    const rolledBack = error as InstanceType<typeof bluegreen.RolledBackError<{ first: SmokeReport }>>;
    throw new bluegreen.RolledBackError<SmokeReport>(rolledBack.message, smokeSteps(rolledBack.steps), {
      untouched: rolledBack.untouched ?? '',
      hint: rolledBack.hint ?? '',
    });
  }
}
