import { gunzipSync, gzipSync } from 'node:zlib';
import { errorMessage } from '@swiss-deploy/kit';
import {
  FIELD_MANAGER,
  KNOWN,
  isNotFound,
  type Deployment,
  type Kube,
  type KubeList,
  type KubeObject,
  type Secret,
} from '@swiss-deploy/kube';
import { configKey, copiesReadBy } from './config';
import { LABELS, silentLogger, type Logger, type ManifestObject, type RevisionRecord } from './types';

/**
 * The revision store: one Secret per revision (Secrets, because the manifests may hold Secrets), labelled
 * by app and number, its record gzip-compressed JSON. The last `history-limit` are kept; `rollback` reads
 * them to deploy any of them again without the run that made them.
 */
const DATA_KEY = 'revision.json.gz';
const SECRET_TYPE = 'swiss-deploy/revision';

export function revisionSecretName(app: string, revision: number): string {
  return `swiss-deploy-${app}-r${revision}`;
}

export function encodeRevision(record: RevisionRecord): string {
  return gzipSync(Buffer.from(JSON.stringify(record), 'utf8')).toString('base64');
}

export function decodeRevision(data: string): RevisionRecord {
  return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as RevisionRecord;
}

/** Every stored revision of an app, newest first. */
export async function readRevisions(kube: Kube, namespace: string, app: string): Promise<RevisionRecord[]> {
  const list = await kube.request<KubeList<Secret>>('GET', KNOWN.secrets(namespace), {
    query: { labelSelector: `${LABELS.app}=${app},${LABELS.role}=revision` },
    purpose: 'revisions',
  });
  return list.items
    .filter((secret) => secret.type === SECRET_TYPE && secret.data?.[DATA_KEY])
    .map((secret) => decodeRevision(secret.data![DATA_KEY]!))
    .sort((a, b) => b.revision - a.revision);
}

/** One revision by number, or undefined. */
export async function readRevision(
  kube: Kube,
  namespace: string,
  app: string,
  revision: number,
): Promise<RevisionRecord | undefined> {
  return (await readRevisions(kube, namespace, app)).find((r) => r.revision === revision);
}

/** Writes (creates or replaces) the record of one revision. */
export async function recordRevision(kube: Kube, record: RevisionRecord): Promise<void> {
  const name = revisionSecretName(record.app, record.revision);
  const secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: SECRET_TYPE,
    metadata: {
      name,
      namespace: record.namespace,
      labels: {
        [LABELS.app]: record.app,
        [LABELS.role]: 'revision',
        [LABELS.revision]: String(record.revision),
        [LABELS.managedBy]: 'swiss-deploy',
      },
      annotations: {
        'swiss-deploy/outcome': record.outcome,
        [LABELS.color]: record.color,
        ...(record.commit ? { 'swiss-deploy/commit': record.commit } : {}),
      },
    },
    data: { [DATA_KEY]: encodeRevision(record) },
  };
  await kube.request('PATCH', `${KNOWN.secrets(record.namespace)}/${name}`, {
    body: secret,
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: FIELD_MANAGER, force: true },
    purpose: 'revisions',
  });
}

/** A stored revision's manifests as the planner takes them, each pointing at the revision it came from. */
export function revisionManifests(record: RevisionRecord): ManifestObject[] {
  return record.manifests.map((object) => ({
    object,
    source: { file: `revision ${record.revision}`, line: 1 },
  }));
}

/**
 * Deletes the oldest revisions beyond `keep`, then the config copies that no kept revision and no
 * Deployment of the app still reads; returns the revision numbers deleted.
 */
export async function pruneRevisions(
  kube: Kube,
  namespace: string,
  app: string,
  keep: number,
  known?: readonly RevisionRecord[],
  log: Pick<Logger, 'warning'> = silentLogger,
): Promise<number[]> {
  const records = known ?? (await readRevisions(kube, namespace, app));
  const doomed = [...records].sort((a, b) => b.revision - a.revision).slice(Math.max(keep, 1));
  const kept = records.filter((r) => !doomed.includes(r));
  // The deletes of old records and the collection of config copies are independent: at once.
  await Promise.all([
    ...doomed.map((record) =>
      kube
        .request('DELETE', `${KNOWN.secrets(namespace)}/${revisionSecretName(app, record.revision)}`, {
          purpose: 'revisions',
        })
        .catch((error: unknown) => pruneFailed(log, `revision ${record.revision}`, error)),
    ),
    collectConfigCopies(kube, namespace, app, kept, log),
  ]);
  return doomed.map((r) => r.revision);
}

/** Config copies are garbage once neither a kept revision nor a Deployment of the app reads them. */
async function collectConfigCopies(
  kube: Kube,
  namespace: string,
  app: string,
  kept: readonly RevisionRecord[],
  log: Pick<Logger, 'warning'>,
): Promise<void> {
  const labelSelector = `${LABELS.app}=${app},${LABELS.role}=config`;
  const kinds = [
    ['ConfigMap', KNOWN.configMaps(namespace)],
    ['Secret', KNOWN.secrets(namespace)],
  ] as const;
  // Three reads at once; nothing is deleted before all three are in.
  const [deployments, ...lists] = await Promise.all([
    kube.request<KubeList<Deployment>>('GET', KNOWN.deployments(namespace), {
      query: { labelSelector: `${LABELS.app}=${app}` },
      purpose: 'revisions',
    }),
    ...kinds.map(([, path]) =>
      kube.request<KubeList<KubeObject>>('GET', path, { query: { labelSelector }, purpose: 'revisions' }),
    ),
  ]);
  const inUse = new Set([
    ...kept.flatMap((r) => r.configs ?? []),
    ...deployments.items.flatMap((d) => copiesReadBy(d)),
  ]);
  await Promise.all(
    kinds.flatMap(([kind, path], index) =>
      (lists[index] as KubeList<KubeObject>).items
        .map((copy) => copy.metadata.name as string)
        .filter((name) => !inUse.has(configKey(kind, name)))
        .map((name) =>
          kube
            .request('DELETE', `${path}/${name}`, { purpose: 'revisions' })
            .catch((error: unknown) => pruneFailed(log, `${kind}/${name}`, error)),
        ),
    ),
  );
}

/** Pruning is housekeeping after the deploy succeeded: a failure is said, never fatal; one gone already is fine. */
function pruneFailed(log: Pick<Logger, 'warning'>, what: string, error: unknown): void {
  if (isNotFound(error)) return;
  log.warning(`Could not prune ${what}: ${errorMessage(error)}`);
}
