import { UserError, WorldError, errorMessage } from '@swiss-deploy/kit';
import {
  KubeApiError,
  KubeTimeoutError,
  UnknownKindError,
  describeMissingPermission,
  describePermission,
} from '@swiss-deploy/kube';
import type { PlannedObject } from './plan';
import type { ChainSteps, DeployReport, RevisionRecord } from './types';

/**
 * Turns what the API server said about one object into an error a user can act on, pointing at the line of
 * the manifest it came from. Used for the dry run, so every refusal happens before anything changes.
 */
export function explainApplyError(error: unknown, planned: PlannedObject, namespace: string): Error {
  const { object, source } = planned;
  const what = `${object.kind}/${object.metadata.name}`;
  const location = source;
  const at = `${source.file}:${source.line}`;
  if (error instanceof UnknownKindError) {
    return new UserError(
      `${at}: ${what}: the cluster does not know kind ${object.kind} in ${object.apiVersion}.`,
      {
        hint: 'Check apiVersion and kind for typos, or install the CRD that defines it before deploying. Nothing was changed.',
        location,
      },
    );
  }
  if (error instanceof KubeApiError) {
    if (error.code === 403) {
      return new UserError(`${at}: ${what}: ${forbiddenText(error)}`, {
        hint: `${grantHint(error, namespace)} Nothing was changed.`,
        location,
      });
    }
    if (error.code === 404 && error.status?.details?.kind === 'namespaces') {
      return namespaceMissing(namespace);
    }
    if (error.code === 422 || error.code === 400) {
      return new UserError(`${at}: ${what} is invalid: ${error.serverMessage}`, {
        hint: 'Fix the manifest; the API server rejected it in a dry run. Nothing was changed.',
        location,
      });
    }
    if (error.code === 409) {
      return new UserError(`${at}: ${what} conflicts with the cluster: ${error.serverMessage}`, { location });
    }
  }
  return new WorldError(`The API server failed on ${what}: ${errorMessage(error)}`, {
    cause: error,
    untouched: 'live traffic and the stable Services',
  });
}

export function namespaceMissing(namespace: string): UserError {
  return new UserError(`Input "namespace" is "${namespace}": that namespace does not exist in the cluster.`, {
    hint: 'Create the namespace first (it holds quotas and RBAC the deploy should not invent), or fix the input. Nothing was changed.',
  });
}

/** A deploy of other manifests while a canary holds a share of live traffic. */
export function pausedCanaryError(paused: RevisionRecord): UserError {
  return new UserError(
    `Revision ${paused.revision} of ${paused.app} is a canary paused at step ${paused.step} of ${paused.steps?.length ?? '?'}, with ${paused.weight} % of live traffic on ${paused.color}.`,
    {
      hint: 'Finish it first: run with action: promote to go on, or action: abort to take its traffic away. Nothing was changed.',
    },
  );
}

/** Errors from taking the lock, translated: a missing namespace and RBAC are the usual suspects. */
export function explainLockError(error: unknown, namespace: string): Error {
  if (error instanceof KubeApiError) {
    if (error.code === 404) return namespaceMissing(namespace);
    if (error.code === 403) {
      return new UserError(`The deploy lock (a Lease): ${forbiddenText(error)}`, {
        hint: `${grantHint(error, namespace)} Nothing was changed.`,
      });
    }
    if (error.code === 401) {
      return new UserError(`The cluster refused the credentials: ${error.serverMessage}`, {
        hint: 'The kubeconfig (input or KUBECONFIG) holds an expired or wrong credential. Nothing was changed.',
      });
    }
  }
  if (error instanceof KubeTimeoutError) {
    // Only here is it known that nothing was written yet.
    return new WorldError(error.message, {
      cause: error,
      untouched: 'everything: nothing had been changed yet',
      hint: error.hint,
    });
  }
  if (error instanceof UserError || error instanceof WorldError) return error;
  return new WorldError(`The API server could not be reached or failed: ${errorMessage(error)}`, {
    cause: error,
    untouched: 'everything: the deploy had not started',
    hint: 'Check the cluster address and network access from the runner, then run again.',
  });
}

/** Any other API failure during a run, in the kit's two kinds of error. */
export function explainKubeError(error: unknown): unknown {
  if (!(error instanceof KubeApiError)) return error;
  if (error.code === 403) {
    return new UserError(`A step of the deploy: ${forbiddenText(error)}`, {
      hint: grantHint(error),
      cause: error,
    });
  }
  return new WorldError(`The API server failed: ${error.message}`, { cause: error });
}

/**
 * The error a failed deploy or rollback ends with: the cause's own words, where it is the user's to fix
 * or the world's, with what the run left behind and what to do next, known only here.
 */
export function withOutcome(
  error: unknown,
  what: string,
  outcome: { untouched: string; hint: string },
): Error {
  if (error instanceof UserError) {
    return new UserError(error.message, { hint: outcome.hint, location: error.location, cause: error });
  }
  if (error instanceof WorldError) {
    return new WorldError(error.message, { cause: error.cause, ...outcome });
  }
  return new WorldError(`${what}: ${errorMessage(error)}`, { cause: error, ...outcome });
}

/**
 * A 403 in the words RBAC thinks in: `the deploying identity cannot patch services in namespace shop`,
 * then the server's own sentence (it names the identity).
 */
export function forbiddenText(error: KubeApiError): string {
  const permission = error.missingPermission;
  const lacks = permission ? describeMissingPermission(permission) : "is refused by the cluster's RBAC";
  return `the deploying identity ${lacks} (${error.serverMessage})`;
}

function grantHint(error: KubeApiError, namespace?: string): string {
  const permission = error.missingPermission;
  const where = permission?.namespace ?? namespace;
  const grant = permission
    ? `Grant ${describePermission(permission)}${where ? ` in namespace ${where}` : ''} to the deploying identity`
    : 'Grant the deploying identity the permissions it lacks';
  return `${grant}: deploy/rbac.yaml holds every permission the suite uses (docs/deployment.md, "Permissions").`;
}

/** The chain's live check failed after the switch and traffic went back: the step fails, with what happened. */
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

/** A canary step failed the chain's check and the canary was aborted: the step fails, with every step's row. */
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
