import type { SourceLocation } from '@swiss-deploy/kit';
import type { AnalysisRecord } from '@swiss-deploy/analysis';
import type { KubeObject } from '@swiss-deploy/kube';

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
