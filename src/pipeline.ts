import * as path from 'node:path';
import { UserError, WorldError, errorMessage, group, log, type InputValues } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import type { DeployOptions, DeployReport, RollbackReport } from '@swiss-deploy/bluegreen';
import type { SmokeReport } from '@swiss-deploy/smoke';
import type { inputs } from './contract';

export type Inputs = InputValues<typeof inputs>;

export { log };

/** What the chain did, for outputs and the summary. */
export interface ChainSteps {
  deploy: DeployReport;
  preview?: SmokeReport;
  live?: SmokeReport;
  rollback?: RollbackReport;
}

/** The live check failed after the switch and traffic went back: the step fails, with what happened. */
export class RolledBackError extends WorldError {
  constructor(
    message: string,
    readonly steps: ChainSteps,
    options: { untouched: string; hint: string },
  ) {
    super(message, options);
    this.name = 'RolledBackError';
  }
}

/** Renders the chart (built-in by default) with the image by digest, validated like render-helm does. */
export async function render(
  values: Inputs,
  builtinChart: string,
): Promise<{ file: string; digest: string }> {
  const helm = await import('@swiss-deploy/helm');
  const plan = helm.planRender({
    chart: values.chart ?? '',
    chartName: '',
    version: values['chart-version'] ?? '',
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
  return group('Render the chart', async () => {
    const binary = await helm.installHelm(plan);
    const chart = await helm.prepareChart(binary, plan);
    const rendered = await helm.renderChart(binary, chart, plan);
    await helm.inspectManifests(rendered, plan);
    return helm.writeManifests(plan, rendered);
  });
}

/** Smoke-tests one Service through the API server's port-forward. */
export async function smoke(
  values: Inputs,
  service: string,
  kubeconfig: string | undefined,
): Promise<SmokeReport> {
  const { planSmokeTest, runSmokeTest } = await import('@swiss-deploy/smoke');
  const checks =
    values['smoke-checks'] ??
    `checks:\n  - name: ${values['smoke-path']}\n    path: ${values['smoke-path']}\n`;
  const plan = planSmokeTest({
    service,
    checks,
    kubeconfig,
    headers: [],
    timeoutMs: values['smoke-timeout'],
    intervalMs: 2000,
    retries: values['smoke-retries'],
    consecutiveSuccesses: 1,
    concurrency: 4,
    insecure: false,
    workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
  });
  return runSmokeTest(plan, { log, phase: group });
}

function smokeFailure(report: SmokeReport): string {
  return `${report.failedChecks.length} of ${report.results.length} checks failed on ${report.target}: ${report.failedChecks.join(', ')}`;
}

/**
 * The chain of swiss/deploy@v1: deploy the idle color as a preview, smoke-test it, promote it,
 * smoke-test the live route, and switch straight back if that fails. Live traffic only ever moves to a
 * color that passed its readiness gate and its preview checks.
 */
export async function deployChain(
  kube: Kube,
  values: Inputs,
  manifestsFile: string,
  kubeconfigFile: string | undefined,
  common: Omit<DeployOptions, 'app' | 'namespace' | 'timeoutMs'>,
): Promise<ChainSteps> {
  const bluegreen = await import('@swiss-deploy/bluegreen');
  const base = { ...common, app: values.app, namespace: values.namespace, timeoutMs: values.timeout };
  const manifests = bluegreen.loadManifests([manifestsFile], process.env.GITHUB_WORKSPACE ?? process.cwd());

  const preview = await bluegreen.runBlueGreen(kube, { ...base, manifests, promotion: 'manual' });
  if (preview.status === 'unchanged') {
    log.info(`Revision ${preview.revision} is already live on ${preview.color}; nothing to deploy.`);
    return { deploy: preview };
  }

  const previewService = preview.previewServices[0];
  let previewReport: SmokeReport | undefined;
  if (previewService) {
    try {
      previewReport = await group(`Smoke-test the preview ${previewService}`, () =>
        smoke(values, previewService, kubeconfigFile),
      );
    } catch (error) {
      // The smoke test could not run at all: the preview is not proven, so it never goes live.
      await bluegreen.runBlueGreen(kube, { ...base, action: 'abort' });
      throw error;
    }
    if (!previewReport.passed) {
      await bluegreen.runBlueGreen(kube, { ...base, action: 'abort' });
      throw new UserError(
        `The preview of revision ${preview.revision} failed its smoke test: ${smokeFailure(previewReport)}.`,
        {
          hint: `Live traffic never moved: it still goes to ${preview.color}. Fix the app and deploy again.`,
        },
      );
    }
  } else {
    log.warning('The manifests have no Service to smoke-test; promoting on the readiness gate alone.');
  }

  const promoted = await bluegreen.runBlueGreen(kube, { ...base, action: 'promote' });
  const stableService = promoted.stableServices[0];
  if (!stableService) return { deploy: promoted, preview: previewReport };

  let liveReport: SmokeReport | undefined;
  let liveFailure: string;
  try {
    liveReport = await group(`Smoke-test the live Service ${stableService}`, () =>
      smoke(values, stableService, kubeconfigFile),
    );
    if (liveReport.passed) return { deploy: promoted, preview: previewReport, live: liveReport };
    liveFailure = smokeFailure(liveReport);
  } catch (error) {
    // A live check that cannot even run is no proof the new color works: treat it as failed.
    liveFailure = `the live smoke test could not run: ${errorMessage(error)}`;
  }

  if (!promoted.previousColor) {
    throw new WorldError(
      `Revision ${promoted.revision} failed its live smoke test after the switch: ${liveFailure}.`,
      {
        untouched: `this was the app's first deploy, so there is no previous color to switch back to: ${promoted.color} stays live`,
        hint: 'Fix the app and deploy again, or scale it down by hand if it must not serve.',
      },
    );
  }
  let rollback: RollbackReport;
  try {
    rollback = await group('Roll back: the live smoke test failed', () =>
      bluegreen.runRollback(kube, {
        app: values.app,
        namespace: values.namespace,
        to: 'previous',
        reason: `automatic: live smoke test of revision ${promoted.revision} failed (${liveFailure})`,
        timeoutMs: values.timeout,
        lockWaitMs: values['lock-timeout'],
        historyLimit: values['history-limit'],
        holder: common.holder,
        run: common.run,
        log,
        phase: group,
      }),
    );
  } catch (error) {
    throw new WorldError(
      `Revision ${promoted.revision} failed its live smoke test (${liveFailure}), and switching back failed too: ${errorMessage(error)}`,
      {
        cause: error,
        untouched: `nothing more was changed; check which color the stable Service ${stableService} selects`,
        hint: 'Run the rollback workflow (to: previous) once the cause is fixed.',
      },
    );
  }

  throw new RolledBackError(
    `Revision ${promoted.revision} failed its live smoke test after the switch: ${liveFailure}.`,
    { deploy: promoted, preview: previewReport, live: liveReport, rollback },
    {
      untouched: `traffic was switched back to ${rollback.color} (revision ${rollback.to.revision}), recorded as revision ${rollback.revision}`,
      hint: 'Compare the preview and live checks: the live route saw something the preview did not.',
    },
  );
}

/** A GitHub Deployment for the run, or nothing when no environment is named. */
export interface DeploymentRecord {
  finish(state: 'success' | 'failure', description: string): Promise<void>;
}

/**
 * Records the run as a GitHub Deployment of `environment` (in_progress now, success or failure at the
 * end, the previous one made inactive). Best effort: the cluster is the truth, so a GitHub API problem is
 * a warning and never fails, or seems to fail, a deploy that already moved traffic.
 */
export async function recordDeployment(
  values: Inputs,
  logUrl: string | undefined,
): Promise<DeploymentRecord> {
  const none: DeploymentRecord = { finish: async () => undefined };
  if (!values.environment || !values['github-token']) return none;
  const { GitHubClient, GitHubDeployment } = await import('@swiss-deploy/github');
  const environmentUrl = values['environment-url'];
  try {
    const client = new GitHubClient({
      token: values['github-token'],
      repository: process.env.GITHUB_REPOSITORY ?? '',
      apiUrl: process.env.GITHUB_API_URL,
    });
    const deployment = await GitHubDeployment.create(client, {
      ref: process.env.GITHUB_SHA ?? process.env.GITHUB_REF ?? 'HEAD',
      environment: values.environment,
      description: `deploy ${values.app} to ${values.namespace}`,
      payload: { app: values.app, namespace: values.namespace, image: values['image-ref'] },
    });
    await deployment.setStatus({ state: 'in_progress', logUrl, environmentUrl });
    log.info(`GitHub Deployment ${deployment.id} to ${values.environment} is in progress.`);
    return {
      finish: async (state, description) => {
        try {
          await deployment.setStatus({
            state,
            description: description.slice(0, 140),
            logUrl,
            environmentUrl,
          });
          if (state === 'success') await deployment.deactivatePrevious();
        } catch (error) {
          log.warning(`Could not mark GitHub Deployment ${deployment.id} ${state}: ${errorMessage(error)}`);
        }
      },
    };
  } catch (error) {
    log.warning(`Could not record a GitHub Deployment to ${values.environment}: ${errorMessage(error)}`);
    return none;
  }
}
