/** What the workflow run tells us about the commit being built, read from GITHUB_* and the event payload. */
export interface EventContext {
  /** `push`, `pull_request`, `schedule`, `workflow_dispatch`, … */
  eventName: string;
  /** `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/42/merge`. */
  ref: string;
  /** The commit that was checked out (for pull requests: the merge commit GitHub made). */
  sha: string;
  /** `owner/name`. */
  repository: string;
  serverUrl: string;
  /** The repository's default branch, when the payload carries it. */
  defaultBranch?: string;
  /** Pull request number, for `pull_request` and `pull_request_target` events. */
  prNumber?: number;
  /** The pull request's base branch (`github.base_ref`). */
  baseRef?: string;
  /** From the payload's repository object, for the OCI labels. */
  licenseSpdx?: string;
  description?: string;
  /** When the build happens; one value for every label and date pattern of a run. */
  now: Date;
}

/** One line of the `tags` input, parsed. */
export type TagRule =
  | { type: 'sha'; format: 'short' | 'long'; common: RuleCommon }
  | { type: 'ref'; event: 'branch' | 'tag' | 'pr'; common: RuleCommon }
  | { type: 'semver'; pattern: string; value?: string; common: RuleCommon }
  | { type: 'raw'; value: string; common: RuleCommon }
  | { type: 'schedule'; pattern: string; common: RuleCommon };

export interface RuleCommon {
  /** The line as written, for messages. */
  source: string;
  /** `true`, `false` or an expression such as `{{is_default_branch}}`, evaluated per run. */
  enable: string;
  prefix?: string;
  suffix?: string;
}

export type LatestPolicy = 'auto' | 'true' | 'false';

export interface ComputedTags {
  /** Bare tags (`1.2.3`, `sha-9f3c2a1`), in rule order, without duplicates, `latest` last. */
  tags: string[];
  /** The version the image is labelled with: the most specific tag of the run. */
  version: string;
}

export interface ImageName {
  /** `127.0.0.1:5001`, `ghcr.io`, `docker.io`. */
  registry: string;
  /** Everything after the registry: `swiss/example-app`. */
  path: string;
  /** As the user wrote it, the name images are pushed under: `ghcr.io/swiss/app`. */
  repository: string;
}

/** What one build step (a Dockerfile instruction) did. */
export interface BuildStep {
  name: string;
  cached: boolean;
  durationMs?: number;
  error?: string;
}

export interface BuildStats {
  steps: number;
  cached: number;
  durationMs: number;
}

export interface ImageSize {
  /** Compressed bytes (layers + config) of the largest platform image when pushed; the local size otherwise. */
  bytes: number;
  measured: 'registry' | 'local';
  /** Per platform, e.g. `linux/amd64`. */
  platforms: Record<string, number>;
}
