import { UserError, WorldError, errorMessage } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import { deployHeld, validateDeploy } from './deploy';
import { CanaryAbortedError, RolledBackError } from './errors';
import { rollbackHeld } from './rollback';
import { withSession, type DeploySession } from './session';
import type { ChainCheck, ChainOptions, ChainSteps, DeployReport, DeploySpec, RollbackReport } from './types';

/**
 * The chain of swiss/deploy@v1 under ONE lease, from the first apply to the last step (docs/architecture.md §4.1):
 * deploy the idle color as a preview, check it, promote it, check the live route, and switch straight back
 * if that fails. No other deploy of the app can slip in between, so the pods the preview check judged are
 * the pods that go live. Live traffic only ever moves to a color that passed its gate and its preview check.
 */
export async function runDeployChain<R>(kube: Kube, options: ChainOptions<R>): Promise<ChainSteps<R>> {
  const spec = chainSpec(options);
  validateDeploy(spec);
  return withSession(kube, options, (session) => chain(session, spec, options.check));
}

/** What each step of the chain deploys: the chain's options without the lock's and the check's. */
function chainSpec<R>(options: ChainOptions<R>): DeploySpec {
  return {
    app: options.app,
    namespace: options.namespace,
    manifests: options.manifests,
    timeoutMs: options.timeoutMs,
    previousReplicas: options.previousReplicas,
    historyLimit: options.historyLimit,
    unschedulableGraceMs: options.unschedulableGraceMs,
    traffic: options.traffic,
    strategy: options.strategy,
    steps: options.steps,
    stepPauseMs: options.stepPauseMs,
    run: options.run,
  };
}

async function chain<R>(
  session: DeploySession,
  spec: DeploySpec,
  check: ChainCheck<R>,
): Promise<ChainSteps<R>> {
  const preview = await deployHeld(session, { ...spec, promotion: 'manual' });
  if (preview.status === 'unchanged') {
    session.log.info(`Revision ${preview.revision} is already live on ${preview.color}; nothing to deploy.`);
    return { deploy: preview };
  }
  const previewReport = await checkPreview(session, spec, check, preview);

  const promoted = await promoteSteps(session, spec, check, preview);
  promoted.gateMs ??= preview.gateMs;
  const stableService = promoted.stableServices[0];
  if (!stableService) return { deploy: promoted, preview: previewReport };

  let liveReport: R | undefined;
  let liveFailure: string;
  try {
    liveReport = await check.run('live', stableService, promoted);
    if (check.passed(liveReport)) return { deploy: promoted, preview: previewReport, live: liveReport };
    liveFailure = check.describe(liveReport);
  } catch (error) {
    // A live check that cannot even run is no proof the new color works: treat it as failed.
    liveFailure = `the live ${checkKind(check, 'live')} could not run: ${errorMessage(error)}`;
  }
  return await switchBack(session, spec, check, promoted, previewReport, liveReport, liveFailure);
}

function checkKind<R>(check: ChainCheck<R>, target: 'preview' | 'live', report?: R): string {
  return check.kind?.(target, report) ?? 'smoke test';
}

/**
 * Promotes the checked preview. A canary goes one step per promote, still under the chain's lease, and the
 * check runs against the canary's preview Service after each step that gave it traffic; a failing step
 * aborts (all traffic back on the stable color in one write, the canary scaled to 0) and fails the chain.
 */
async function promoteSteps<R>(
  session: DeploySession,
  spec: DeploySpec,
  check: ChainCheck<R>,
  preview: DeployReport,
): Promise<DeployReport> {
  if (spec.strategy !== 'canary' || preview.strategy !== 'canary')
    return deployHeld(session, { ...spec, action: 'promote' });
  const rows: NonNullable<DeployReport['canary']> = [];
  const service = preview.previewServices[0];
  for (;;) {
    const report = await deployHeld(session, { ...spec, action: 'promote', promotion: 'manual' });
    const row = report.canary?.[report.canary.length - 1];
    if (report.status !== 'paused') {
      if (row) rows.push(row);
      report.canary = rows;
      return report;
    }
    if (!row || !service) {
      if (row) rows.push(row);
      continue;
    }
    let failure: string | undefined;
    try {
      const checked = await check.run('preview', service, report);
      if (!check.passed(checked)) failure = check.describe(checked);
    } catch (error) {
      failure = `the smoke test could not run: ${errorMessage(error)}`;
    }
    rows.push({ ...row, checks: failure ?? `smoke test of ${service} passed`, passed: !failure });
    if (failure) {
      const aborted = await deployHeld(session, { ...spec, action: 'abort' });
      throw new CanaryAbortedError(
        `Canary step ${row.step} (${row.weight} %) of revision ${report.revision} failed its smoke test: ${failure}.`,
        { ...aborted, canary: rows },
        {
          untouched: `live traffic: all back on ${aborted.color}; the canary was scaled to 0 and revision ${report.revision} is recorded as aborted`,
          hint: 'Fix the app and deploy again.',
        },
      );
    }
  }
}

/** Checks the preview; anything but a pass aborts it, and live traffic never moved. */
async function checkPreview<R>(
  session: DeploySession,
  spec: DeploySpec,
  check: ChainCheck<R>,
  preview: DeployReport,
): Promise<R | undefined> {
  const service = preview.previewServices[0];
  if (!service) {
    session.log.warning(
      'The manifests have no Service to smoke-test; promoting on the readiness gate alone.',
    );
    return undefined;
  }
  let report: R;
  try {
    report = await check.run('preview', service, preview);
  } catch (error) {
    // The check could not run at all: the preview is not proven, so it never goes live.
    await deployHeld(session, { ...spec, action: 'abort' });
    throw error;
  }
  if (!check.passed(report)) {
    await deployHeld(session, { ...spec, action: 'abort' });
    throw new UserError(
      `The preview of revision ${preview.revision} failed its ${checkKind(check, 'preview', report)}: ${check.describe(report)}.`,
      {
        hint: `Live traffic never moved: it still goes to ${preview.color}. Fix the app and deploy again.`,
      },
    );
  }
  return report;
}

/** The live check failed: back to the previous color in one step, still under the chain's lease. */
async function switchBack<R>(
  session: DeploySession,
  spec: DeploySpec,
  check: ChainCheck<R>,
  promoted: DeployReport,
  preview: R | undefined,
  live: R | undefined,
  liveFailure: string,
): Promise<never> {
  const kind = checkKind(check, 'live', live);
  if (!promoted.previousColor) {
    throw new WorldError(
      `Revision ${promoted.revision} failed its live ${kind} after the switch: ${liveFailure}.`,
      {
        untouched: `this was the app's first deploy, so there is no previous color to switch back to: ${promoted.color} stays live`,
        hint: 'Fix the app and deploy again, or scale it down by hand if it must not serve.',
      },
    );
  }
  let rollback: RollbackReport;
  try {
    rollback = await session.phase(`Roll back: the live ${kind} failed`, () =>
      rollbackHeld(session, {
        app: spec.app,
        namespace: spec.namespace,
        to: 'previous',
        reason: `automatic: live ${kind} of revision ${promoted.revision} failed (${liveFailure})`,
        timeoutMs: spec.timeoutMs,
        unschedulableGraceMs: spec.unschedulableGraceMs,
        historyLimit: spec.historyLimit,
        traffic: spec.traffic,
        run: spec.run,
      }),
    );
  } catch (error) {
    throw new WorldError(
      `Revision ${promoted.revision} failed its live ${kind} (${liveFailure}), and switching back failed too: ${errorMessage(error)}`,
      {
        cause: error,
        untouched:
          (error as WorldError).untouched ??
          `nothing more was changed; check which color the stable Service ${promoted.stableServices[0]} selects`,
        hint: 'Run the rollback workflow (to: previous) once the cause is fixed.',
      },
    );
  }
  throw new RolledBackError(
    `Revision ${promoted.revision} failed its live ${kind} after the switch: ${liveFailure}.`,
    { deploy: promoted, preview, live, rollback },
    {
      untouched: `traffic was switched back to ${rollback.color} (revision ${rollback.to.revision}), recorded as revision ${rollback.revision}`,
      hint: 'Compare the preview and live checks: the live route saw something the preview did not.',
    },
  );
}
