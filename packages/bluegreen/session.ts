import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SavedState, errorMessage } from '@swiss-deploy/kit';
import { Kube, LeaseLock, type LockHolder } from '@swiss-deploy/kube';
import { explainLockError } from './errors';
import { directPhase, silentLogger, type Logger, type Phase } from './types';

// The whole life of the deploy lock (docs/architecture.md §4.1) lives in this file: taken once per run (or
// waited for), renewed in the background by the Lease, released however the run's work ends, and, when the
// job is cancelled before that, released by the post step from what the main step saved.

export const lockName = (app: string): string => `swiss-deploy-${app}`;

/** Who takes the app's lock, and how long they wait for another run's. */
export interface SessionOptions {
  app: string;
  namespace: string;
  holder: LockHolder;
  /** How long to wait for another deploy's lock; 0 fails at once. */
  lockWaitMs?: number;
  /** Told once the lock is held, so the caller can save what its post step needs to release it. */
  onLocked?: (lock: { namespace: string; name: string; identity: string }) => void;
  log?: Logger;
  phase?: Phase;
}

/**
 * A run holding the app's deploy lock. Deploy, promote, abort, rollback and the chain's steps all work
 * under one; whoever acquired it releases it.
 */
export class DeploySession {
  private constructor(
    readonly kube: Kube,
    readonly lease: LeaseLock,
    readonly app: string,
    readonly namespace: string,
    readonly log: Logger,
    readonly phase: Phase,
  ) {}

  /** Takes the app's Lease, waiting up to `lockWaitMs`. */
  static async acquire(kube: Kube, options: SessionOptions): Promise<DeploySession> {
    const log = options.log ?? silentLogger;
    const phase = options.phase ?? directPhase;
    const name = lockName(options.app);
    const lease = await phase(`Lock ${options.namespace}/${name}`, async () => {
      try {
        return await LeaseLock.acquire(kube, {
          namespace: options.namespace,
          name,
          holder: options.holder,
          waitMs: options.lockWaitMs ?? 0,
          onTakeover: (previous) =>
            log.warning(
              `Took over an expired deploy lock from ${previous.holder.repository ?? previous.holder.identity} run ${previous.holder.runId ?? '?'} (last renewed ${previous.renewed ?? '?'}); that run died without releasing it.`,
            ),
        });
      } catch (error) {
        throw explainLockError(error, options.namespace);
      }
    });
    options.onLocked?.({ namespace: options.namespace, name, identity: options.holder.identity });
    log.info(`Holding the deploy lock ${options.namespace}/${name} as ${options.holder.identity}.`);
    return new DeploySession(kube, lease, options.app, options.namespace, log, phase);
  }

  /** Throws if a renewal found the lease lost: no write happens without the lock. */
  assertHeld(): void {
    this.lease.assertHeld();
  }

  /** A release that fails only warns: the Lease expires on its own, and the post step tries again. */
  async release(): Promise<void> {
    await this.lease
      .release()
      .catch((error) => this.log.warning(`Could not release the deploy lock: ${errorMessage(error)}`));
  }
}

/** Runs `work` holding the app's deploy lock, released however `work` ends. */
export async function withSession<T>(
  kube: Kube,
  options: SessionOptions,
  work: (session: DeploySession) => Promise<T>,
): Promise<T> {
  const session = await DeploySession.acquire(kube, options);
  try {
    return await work(session);
  } finally {
    await session.release();
  }
}

/** What the post step needs to release a deploy lock the main step could not: where, never a secret. */
interface LockState {
  namespace?: string;
  name?: string;
  identity?: string;
  /** The 0600 file the kubeconfig input was written to; the input itself never lands in state. */
  kubeconfigFile?: string;
  context?: string;
  released?: boolean;
}

const saved = new SavedState<LockState>('deploy-lock');

/**
 * The part of a deploy, rollback or deploy chain that must survive a cancelled job. Main opens it (the
 * kubeconfig input goes to a 0600 file under RUNNER_TEMP), tells it when the lock is held, and finishes it
 * however main ends: every DeploySession is released by whoever acquired it, also when the work throws. Only
 * when the process is killed before `finish` does the post step find the lock unreleased, and then it still
 * has the kubeconfig file to release it with.
 */
export class LockSession {
  private state: LockState;

  private constructor(state: LockState) {
    this.state = state;
    saved.save(state);
  }

  static open(kubeconfig: string | undefined, context: string | undefined): LockSession {
    let kubeconfigFile: string | undefined;
    if (kubeconfig) {
      kubeconfigFile = path.join(
        process.env.RUNNER_TEMP || os.tmpdir(),
        `swiss-deploy-kubeconfig-${randomBytes(6).toString('hex')}`,
      );
      writeFileSync(kubeconfigFile, kubeconfig, { mode: 0o600 });
    }
    return new LockSession({ kubeconfigFile, context });
  }

  get kubeconfigFile(): string | undefined {
    return this.state.kubeconfigFile;
  }

  /** Pass as `onLocked` to runBlueGreen / runRollback / runDeployChain. */
  readonly onLocked = (lock: { namespace: string; name: string; identity: string }): void => {
    this.state = { ...this.state, ...lock };
    saved.save(this.state);
  };

  /** Main ended (either way): nothing is left for the post step; the kubeconfig file goes. */
  finish(): void {
    this.state = { ...this.state, released: true };
    saved.save(this.state);
    if (this.state.kubeconfigFile) rmSync(this.state.kubeconfigFile, { force: true });
  }

  /** The post step: releases the lock an interrupted main still held, if it is still ours. */
  static async releaseAfterInterruption(what: string, log: (line: string) => void): Promise<void> {
    const state = saved.load();
    try {
      if (!state?.identity || !state.namespace || !state.name || state.released) {
        log('No deploy lock to release.');
        return;
      }
      const kube = await Kube.connect({ kubeconfigFile: state.kubeconfigFile, context: state.context });
      const released = await LeaseLock.releaseIfHeld(kube, state.namespace, state.name, state.identity);
      log(
        released
          ? `Released the deploy lock ${state.namespace}/${state.name} that the interrupted ${what} still held.`
          : `The deploy lock ${state.namespace}/${state.name} is no longer ours; left as it is.`,
      );
    } finally {
      if (state?.kubeconfigFile) rmSync(state.kubeconfigFile, { force: true });
    }
  }
}
