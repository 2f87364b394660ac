import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SavedState } from '@swiss-deploy/kit';
import { Kube, LeaseLock } from '@swiss-deploy/kube';

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
 * The part of a deploy, rollback or deploy chain that must survive a cancelled job. Main opens a session
 * (the kubeconfig input goes to a 0600 file under RUNNER_TEMP), tells it when the lock is held, and
 * finishes it however main ends: every deploy and rollback call releases its own lease, also when it
 * throws. Only when the process is killed before `finish` does the post step find the lock unreleased,
 * and then it still has the kubeconfig file to release it with.
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

  /** Pass as `onLocked` to runBlueGreen / runRollback. */
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
