import type { SourceLocation } from '@swiss-deploy/kit';
import type { AnalysisRecord } from '@swiss-deploy/analysis';
import type { Discovery, Kube, KubeObject, LeaseLock } from '@swiss-deploy/kube';
import type { Strategy } from './canary';
import type { PlannedObject } from './plan';
import type { RollbackMode, RollbackTarget } from './rollback-plan';
import type { SessionOptions } from './session';
import type { TrafficOptions } from './traffic';

export type Color = 'blue' | 'green';
export const COLORS: readonly Color[] = ['blue', 'green'];
export const otherColor = (color: Color): Color => (color === 'blue' ? 'green' : 'blue');

/** Labels this suite puts on what it deploys. */
export const LABELS = {
  app: 'swiss-deploy/app',
  color: 'swiss-deploy/color',
  revision: 'swiss-deploy/revision',
  role: 'swiss-deploy/role',
  /** On a config copy: the ConfigMap or Secret name in the manifests that it copies. */
  config: 'swiss-deploy/config',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** One object read from the manifests, with where it came from (for annotations on the right line). */
export interface ManifestObject {
  object: KubeObject;
  source: SourceLocation;
}

/** How a revision ended. `preview`: ready and waiting for `action: promote` (manual promotion). */
export type RevisionOutcome = 'deploying' | 'preview' | 'succeeded' | 'failed' | 'aborted' | 'superseded';

export interface RevisionImage {
  container: string;
  workload: string;
  /** As written in the manifest. */
  image: string;
  /** `sha256:…` when the reference or the running pods tell it. */
  digest?: string;
}

/**
 * Everything needed to deploy a revision again without the run that made it: the manifests as given
 * (before coloring), their images by digest, and where they came from.
 */
export interface RevisionRecord {
  app: string;
  namespace: string;
  revision: number;
  color: Color;
  previousColor?: Color;
  outcome: RevisionOutcome;
  /** sha256 of the canonical manifests; the same manifests make the same digest. */
  manifestDigest: string;
  manifests: KubeObject[];
  images: RevisionImage[];
  commit?: string;
  ref?: string;
  repository?: string;
  runUrl?: string;
  actor?: string;
  startedAt: string;
  finishedAt?: string;
  /** Why it failed, in the words shown to the user. */
  error?: string;
  gateMs?: number;
  switchMs?: number;
  /** The config copies (`ConfigMap/<name>-<hash>`) this revision's pods read; kept while the revision is. */
  configs?: string[];
  /** How live traffic reached this revision (absent: service, as before traffic modes existed). */
  traffic?: 'service' | 'gateway';
  /** With traffic gateway: `namespace/name` of the HTTPRoute whose weights it moved. */
  route?: string;
  /** How it went live: all at once (blue-green) or in weighted steps (canary). */
  strategy?: 'blue-green' | 'canary';
  /** The canary's weights in percent, the last one 100. */
  steps?: number[];
  /** The canary steps done (0: none yet, in preview); with outcome preview, where it is paused. */
  step?: number;
  /** The canary's weight after `step`. */
  weight?: number;
  /** The metric analyses run on this revision (before the switch, during the bake), in order. */
  analysis?: AnalysisRecord[];
}

export type PromotionMode = 'auto' | 'manual';
export type DeployAction = 'deploy' | 'promote' | 'abort';

/** What a run reports back (the action's outputs and summary). */
export interface DeployReport {
  app: string;
  namespace: string;
  /** What the run did: deployed and switched, left a preview, promoted, aborted, or nothing to do. */
  status: 'succeeded' | 'preview' | 'paused' | 'promoted' | 'aborted' | 'unchanged' | 'failed';
  /** The color serving live traffic when the run ended. */
  color: Color;
  previousColor?: Color;
  revision: number;
  /** `namespace/name:port` of the preview Service of each stable Service (first one first). */
  previewServices: string[];
  stableServices: string[];
  images: RevisionImage[];
  replicas: { workload: string; ready: number; desired: number }[];
  gateMs?: number;
  switchMs?: number;
  durationMs: number;
  requests: Record<string, number>;
  runUrl?: string;
  strategy?: 'blue-green' | 'canary';
  /** Canary steps done when the run ended (0: in preview), and the canary's share of traffic then. */
  step?: number;
  weight?: number;
  /** Every canary step this run took, in order. */
  canary?: {
    step: number;
    weight: number;
    actual: number;
    checks: string;
    passed: boolean;
  }[];
}

export interface Logger {
  info(line: string): void;
  warning(line: string): void;
}

/** Runs one phase, e.g. inside a collapsible log group. */
export type Phase = <T>(title: string, work: () => Promise<T>) => Promise<T>;

export const silentLogger: Logger = { info: () => undefined, warning: () => undefined };
export const directPhase: Phase = (_title, work) => work();

/** Where the run comes from, recorded with each revision. */
export interface RunInfo {
  commit?: string;
  ref?: string;
  repository?: string;
  runUrl?: string;
  actor?: string;
}

/** What a deploy, promote or abort does once its run holds the lock. */
export interface DeploySpec {
  app: string;
  namespace: string;
  /** Required for `deploy`; `promote` and `abort` work from the revision store. */
  manifests?: readonly ManifestObject[];
  action?: DeployAction;
  timeoutMs: number;
  promotion?: PromotionMode;
  /** Replicas the previous color keeps after a switch; `all` leaves it as it was (instant rollback). */
  previousReplicas?: number | 'all';
  historyLimit?: number;
  /** How long an Unschedulable pod may wait without a scale-up from the cluster autoscaler (default 2 min). */
  unschedulableGraceMs?: number;
  /** How live traffic reaches a color (default: the stable Services' selectors). */
  traffic?: TrafficOptions;
  /** blue-green (default) switches at once; canary goes through `steps`. */
  strategy?: Strategy;
  /** Canary weights in percent, increasing, the last one 100 (default 10, 25, 50, 100). */
  steps?: number[];
  /** How long each canary step holds its weight before the next (default 0). */
  stepPauseMs?: number;
  run?: RunInfo;
}

/** A deploy, promote or abort that takes the lock for itself (runBlueGreen). */
export interface DeployOptions extends DeploySpec, SessionOptions {}

/** What a rollback does once its run holds the lock. */
export interface RollbackSpec {
  app: string;
  namespace: string;
  to: RollbackTarget;
  /** Why, in the on-call engineer's words; recorded with the rollback revision. */
  reason: string;
  /** How long the readiness gate (scale-up, redeploy) and the switch may take. */
  timeoutMs: number;
  /** How long an Unschedulable pod may wait without a scale-up from the cluster autoscaler (default 2 min). */
  unschedulableGraceMs?: number;
  historyLimit?: number;
  /** How live traffic reaches a color (default: the stable Services' selectors). */
  traffic?: TrafficOptions;
  run?: RunInfo;
  /**
   * Called with the images of the target revision before a redeploy writes anything (the revision record
   * included); throwing refuses the rollback with the cluster as it was.
   */
  verifyImages?: (images: readonly string[]) => Promise<void>;
}

/** A rollback that takes the lock for itself (runRollback), or only plans (dry run). */
export interface RollbackOptions extends RollbackSpec, SessionOptions {
  /** Print the plan and change nothing (no write request at all, not even the lock). */
  dryRun?: boolean;
}

export interface RollbackReport {
  app: string;
  namespace: string;
  mode: RollbackMode;
  dryRun: boolean;
  /** The color serving after the rollback (the one that would serve, in a dry run). */
  color: Color;
  previousColor: Color;
  /** The revision recorded for the rollback (would be recorded, in a dry run). */
  revision: number;
  from: { revision: number; color: Color };
  to: { revision: number; color: Color };
  reason: string;
  actor?: string;
  steps: string[];
  /** Who holds the deploy lock now, when a dry run finds it held. */
  lockHeldBy?: string;
  gateMs?: number;
  switchMs?: number;
  durationMs: number;
  requests: Record<string, number>;
  runUrl?: string;
}

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

/** The steps shared by deploy, promote, rollback and the chain: one client, one lock, one logger. */
export interface StepContext {
  kube: Kube;
  discovery: Discovery;
  lock: LeaseLock;
  log: Logger;
  phase: Phase;
  namespace: string;
  /** How long an Unschedulable pod may wait without a scale-up from the cluster autoscaler. */
  unschedulableGraceMs?: number;
  /** How live traffic reaches a color (default: the stable Services' selectors). */
  traffic?: TrafficOptions;
}

/** What serves now, so that a switch that fails half-way can put all of it back in the same step. */
export interface LiveRoute {
  color: Color;
  /** The live revision's Ingresses, routes and policies, as that revision applied them. */
  traffic: PlannedObject[];
}
