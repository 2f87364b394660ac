/** The build type of build-image's provenance: what its externalParameters and internalParameters mean. */
export const BUILD_TYPE = 'https://github.com/swiss/deploy/blob/v1/docs/supply-chain.md#build-type-v1';

/** What the runner tells a step about the workflow run it belongs to (GITHUB_* variables). */
export interface WorkflowRun {
  serverUrl: string;
  /** `owner/name` */
  repository: string;
  repositoryId?: string;
  repositoryOwnerId?: string;
  /** `owner/name/.github/workflows/file.yml@refs/heads/main` */
  workflowRef: string;
  /** The commit the workflow file was taken from (differs from `sha` in a reusable workflow's caller). */
  workflowSha?: string;
  ref: string;
  sha: string;
  eventName: string;
  runId: string;
  runAttempt: string;
  runnerEnvironment?: string;
}

export function workflowRunFromEnv(env: NodeJS.ProcessEnv = process.env): WorkflowRun {
  return {
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    repository: env.GITHUB_REPOSITORY ?? '',
    repositoryId: env.GITHUB_REPOSITORY_ID || undefined,
    repositoryOwnerId: env.GITHUB_REPOSITORY_OWNER_ID || undefined,
    workflowRef: env.GITHUB_WORKFLOW_REF ?? '',
    workflowSha: env.GITHUB_WORKFLOW_SHA || undefined,
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    runnerEnvironment: env.RUNNER_ENVIRONMENT || undefined,
  };
}

/** The build inputs that shape the image, as build-image was given them (never secrets). */
export interface BuildInputs {
  context: string;
  file?: string;
  target?: string;
  platforms: readonly string[];
  /** Build argument names only: their values may be tokens a workflow passed by mistake. */
  buildArgNames: readonly string[];
}

/** `owner/name/.github/workflows/x.yml@refs/heads/main` → its repository, path and ref. */
export function splitWorkflowRef(workflowRef: string): { repository: string; path: string; ref: string } {
  const match = /^([^/]+\/[^/]+)\/(.+?)@(.+)$/.exec(workflowRef);
  if (!match) return { repository: '', path: '', ref: '' };
  return { repository: match[1] as string, path: match[2] as string, ref: match[3] as string };
}

/**
 * The SLSA v1 provenance predicate (https://slsa.dev/provenance/v1) for an image built in this run:
 * cosign wraps it in an in-toto statement whose subject is the image digest.
 */
export function slsaProvenance(
  run: WorkflowRun,
  build: BuildInputs,
  times: { startedOn: Date; finishedOn: Date },
): Record<string, unknown> {
  const workflow = splitWorkflowRef(run.workflowRef);
  const server = run.serverUrl.replace(/\/+$/, '');
  const internal: Record<string, string> = { event_name: run.eventName };
  if (run.repositoryId) internal.repository_id = run.repositoryId;
  if (run.repositoryOwnerId) internal.repository_owner_id = run.repositoryOwnerId;
  if (run.runnerEnvironment) internal.runner_environment = run.runnerEnvironment;
  return {
    buildDefinition: {
      buildType: BUILD_TYPE,
      externalParameters: {
        workflow: {
          ref: workflow.ref || run.ref,
          repository: `${server}/${workflow.repository || run.repository}`,
          path: workflow.path,
        },
        build: {
          context: build.context,
          ...(build.file ? { file: build.file } : {}),
          ...(build.target ? { target: build.target } : {}),
          platforms: [...build.platforms],
          buildArgs: [...build.buildArgNames],
        },
      },
      internalParameters: { github: internal },
      resolvedDependencies: [
        {
          uri: `git+${server}/${run.repository}@${run.ref}`,
          digest: { gitCommit: run.sha },
        },
      ],
    },
    runDetails: {
      builder: { id: `${server}/${run.workflowRef}` },
      metadata: {
        invocationId: `${server}/${run.repository}/actions/runs/${run.runId}/attempts/${run.runAttempt}`,
        startedOn: times.startedOn.toISOString(),
        finishedOn: times.finishedOn.toISOString(),
      },
    },
  };
}

/** The repository (`owner/name`) a provenance predicate says built the image, or undefined. */
export function provenanceSourceRepository(predicate: unknown): string | undefined {
  const workflow = (
    predicate as { buildDefinition?: { externalParameters?: { workflow?: { repository?: unknown } } } }
  )?.buildDefinition?.externalParameters?.workflow;
  if (typeof workflow?.repository !== 'string') return undefined;
  const match = /^(?:https?:\/\/[^/]+\/)?([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(workflow.repository);
  return match?.[1];
}

/** The builder id a provenance predicate names. */
export function provenanceBuilder(predicate: unknown): string | undefined {
  const id = (predicate as { runDetails?: { builder?: { id?: unknown } } })?.runDetails?.builder?.id;
  return typeof id === 'string' ? id : undefined;
}
