/** How a run ended, as the deploy metrics count it. */
export type Outcome = 'succeeded' | 'failed' | 'rolled-back' | 'aborted';

/** What happened, for the cluster's Events and the Pushgateway. */
export interface DeployRecord {
  /** deploy, promote, abort, rollback, or the root action's chain. */
  action: 'deploy' | 'promote' | 'abort' | 'rollback' | 'chain';
  outcome: Outcome;
  app: string;
  namespace: string;
  environment?: string;
  revision?: number;
  color?: string;
  /** The colored Deployments the run touched (`web-blue`); looked up in the cluster when unknown. */
  deployments?: string[];
  durationMs: number;
  /** One line: what was deployed, or why it failed. */
  message?: string;
}
