import { UserError, WorldError, errorMessage } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import { runBlueGreen, type DeployOptions } from './deploy';
import { acquireDeployLock } from './lock';
import { runRollback, type RollbackReport } from './rollback';
import { directPhase, silentLogger, type DeployReport, type ManifestObject } from './types';

/** A check of one Service (`namespace/name:port`) that the chain runs on the preview and on live. */
export interface ChainCheck<R> {
  /** `deploy` is the run so far: the color and revision under test. */
  run(target: 'preview' | 'live', service: string, deploy: DeployReport): Promise<R>;
  passed(report: R): boolean;
  /** One line for the error message: what failed, where. */
  describe(report: R): string;
  /** What the check is, as messages name it: "smoke test" unless it says otherwise. */
  kind?(target: 'preview' | 'live', report?: R): string;
}

export interface ChainOptions<R> extends Omit<DeployOptions, 'action' | 'promotion' | 'manifests'> {
  manifests: readonly ManifestObject[];
  check: ChainCheck<R>;
}

/** What the chain did, for outputs and the summary. */
export interface ChainSteps<R> {
  deploy: DeployReport;
  preview?: R;
  live?: R;
  rollback?: RollbackReport;
}

/** The live check failed after the switch and traffic went back: the step fails, with what happened. */
export class RolledBackError<R> extends WorldError {
  constructor(
    message: string,
    readonly steps: ChainSteps<R>,
    options: { untouched: string; hint: string },
  ) {
    super(message, options);
    this.name = 'RolledBackError';
  }
}

/**
 * The chain of swiss/deploy@v1 under ONE lease, from the first apply to the last step (docs/architecture.md §4.1):
 * deploy the idle color as a preview, check it, promote it, check the live route, and switch straight back
 * if that fails. No other deploy of the app can slip in between, so the pods the preview check judged are
 * the pods that go live. Live traffic only ever moves to a color that passed its gate and its preview check.
 */
export async function runDeployChain<R>(kube: Kube, options: ChainOptions<R>): Promise<ChainSteps<R>> {
  const log = options.log ?? silentLogger;
  const phase = options.phase ?? directPhase;
  const lock = options.lock ?? (await acquireDeployLock(kube, { ...options, log, phase }));
  const held = { ...options, log, phase, lock };
  try {
    const preview = await runBlueGreen(kube, { ...held, promotion: 'manual' });
    if (preview.status === 'unchanged') {
      log.info(`Revision ${preview.revision} is already live on ${preview.color}; nothing to deploy.`);
      return { deploy: preview };
    }
    const previewReport = await checkPreview(kube, held, preview);

    const promoted = await promoteSteps(kube, held, preview);
    promoted.gateMs ??= preview.gateMs;
    const stableService = promoted.stableServices[0];
    if (!stableService) return { deploy: promoted, preview: previewReport };

    let liveReport: R | undefined;
    let liveFailure: string;
    try {
      liveReport = await options.check.run('live', stableService, promoted);
      if (options.check.passed(liveReport))
        return { deploy: promoted, preview: previewReport, live: liveReport };
      liveFailure = options.check.describe(liveReport);
    } catch (error) {
      // A live check that cannot even run is no proof the new color works: treat it as failed.
      liveFailure = `the live ${checkKind(options.check, 'live')} could not run: ${errorMessage(error)}`;
    }
    return await switchBack(kube, held, promoted, previewReport, liveReport, liveFailure);
  } finally {
    if (!options.lock)
      await lock
        .release()
        .catch((error) => log.warning(`Could not release the deploy lock: ${errorMessage(error)}`));
  }
}

function checkKind<R>(check: ChainCheck<R>, target: 'preview' | 'live', report?: R): string {
  return check.kind?.(target, report) ?? 'smoke test';
}

type Held<R> = ChainOptions<R> & Required<Pick<ChainOptions<R>, 'lock' | 'log' | 'phase'>>;

/**
 * Promotes the checked preview. A canary goes one step per promote, still under the chain's lease, and the
 * check runs against the canary's preview Service after each step that gave it traffic; a failing step
 * aborts (all traffic back on the stable color in one write, the canary scaled to 0) and fails the chain.
 */
async function promoteSteps<R>(kube: Kube, held: Held<R>, preview: DeployReport): Promise<DeployReport> {
  if (held.strategy !== 'canary' || preview.strategy !== 'canary')
    return runBlueGreen(kube, { ...held, action: 'promote' });
  const rows: NonNullable<DeployReport['canary']> = [];
  const service = preview.previewServices[0];
  for (;;) {
    const report = await runBlueGreen(kube, { ...held, action: 'promote', promotion: 'manual' });
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
      const checked = await held.check.run('preview', service, report);
      if (!held.check.passed(checked)) failure = held.check.describe(checked);
    } catch (error) {
      failure = `the smoke test could not run: ${errorMessage(error)}`;
    }
    rows.push({ ...row, checks: failure ?? `smoke test of ${service} passed`, passed: !failure });
    if (failure) {
      const aborted = await runBlueGreen(kube, { ...held, action: 'abort' });
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

/** A canary step failed its check and the canary was aborted: the step fails, with every step's row. */
export class CanaryAbortedError extends WorldError {
  constructor(
    message: string,
    readonly report: DeployReport,
    options: { untouched: string; hint: string },
  ) {
    super(message, options);
    this.name = 'CanaryAbortedError';
  }
}

/** Checks the preview; anything but a pass aborts it, and live traffic never moved. */
async function checkPreview<R>(kube: Kube, held: Held<R>, preview: DeployReport): Promise<R | undefined> {
  const service = preview.previewServices[0];
  if (!service) {
    held.log.warning('The manifests have no Service to smoke-test; promoting on the readiness gate alone.');
    return undefined;
  }
  let report: R;
  try {
    report = await held.check.run('preview', service, preview);
  } catch (error) {
    // The check could not run at all: the preview is not proven, so it never goes live.
    await runBlueGreen(kube, { ...held, action: 'abort' });
    throw error;
  }
  if (!held.check.passed(report)) {
    await runBlueGreen(kube, { ...held, action: 'abort' });
    throw new UserError(
      `The preview of revision ${preview.revision} failed its ${checkKind(held.check, 'preview', report)}: ${held.check.describe(report)}.`,
      {
        hint: `Live traffic never moved: it still goes to ${preview.color}. Fix the app and deploy again.`,
      },
    );
  }
  return report;
}

/** The live check failed: back to the previous color in one step, still under the chain's lease. */
async function switchBack<R>(
  kube: Kube,
  held: Held<R>,
  promoted: DeployReport,
  preview: R | undefined,
  live: R | undefined,
  liveFailure: string,
): Promise<never> {
  const kind = checkKind(held.check, 'live', live);
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
    rollback = await held.phase(`Roll back: the live ${kind} failed`, () =>
      runRollback(kube, {
        ...held,
        to: 'previous',
        reason: `automatic: live ${kind} of revision ${promoted.revision} failed (${liveFailure})`,
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
