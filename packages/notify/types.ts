/** What happened to a deploy, in the words notifications and their receivers use. */
export const NOTIFY_EVENTS = ['started', 'succeeded', 'failed', 'rolled-back', 'aborted'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export const TARGET_TYPES = ['slack', 'teams', 'webhook'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/** One place notifications go: a Slack incoming webhook, a Teams workflow webhook, or a signed JSON webhook. */
export interface NotifyTarget {
  type: TargetType;
  /** A secret: masked when parsed, never logged. */
  url: string;
  /** The events this target wants; all of them by default. */
  events: readonly NotifyEvent[];
}

/** The facts one notification tells. */
export interface DeployNotice {
  event: NotifyEvent;
  /** What ran: a deploy, a promotion, an abort, a rollback, or the root action's whole chain. */
  action: 'deploy' | 'promote' | 'abort' | 'rollback' | 'chain';
  app: string;
  namespace: string;
  environment?: string;
  revision?: number;
  color?: string;
  images: string[];
  /** One line on what happened: the error's first line for a failure. */
  message?: string;
  durationMs?: number;
}

/** Where the run comes from: GITHUB_* values and the trace, when tracing is on. */
export interface RunLinks {
  runUrl?: string;
  repository?: string;
  commit?: string;
  actor?: string;
  traceId?: string;
}
