// The four verbs of the preview action, each a short orchestration over @swiss-deploy/preview (the cluster
// side) and @swiss-deploy/github (the PR comment, the Deployments).
import { JobSummary, errorMessage, log, type InputValues } from '@swiss-deploy/kit';
import type { Kube } from '@swiss-deploy/kube';
import type { GitHubClient } from '@swiss-deploy/github';
import type { PreviewId } from '@swiss-deploy/preview';
import type { inputs } from './contract';

export type Values = InputValues<typeof inputs>;

export interface Context {
  kube: () => Promise<Kube>;
  /** undefined without a token: nothing is written on GitHub. */
  github?: GitHubClient;
  repository: string;
  commit?: string;
  runUrl?: string;
  now: Date;
  set: (
    name: 'namespace' | 'environment' | 'expires-at' | 'comment-id' | 'removed' | 'deactivated',
    value: string | number,
  ) => void;
}

const preview = () => import('@swiss-deploy/preview');
const github = () => import('@swiss-deploy/github');

export async function prepare(values: Values, id: PreviewId, ctx: Context): Promise<void> {
  const { expiresAt, preparePreview, previewEnvironment } = await preview();
  const expiry = expiresAt(ctx.now, values.ttl);
  const pullSecret =
    values['registry-password'] && values.registry
      ? {
          name: values['pull-secret-name'],
          registry: values.registry,
          username: values['registry-username'] ?? '',
          password: values['registry-password'],
        }
      : undefined;
  const namespace = await log.group(`Prepare the preview namespace of ${id.app} for #${id.pr}`, async () =>
    preparePreview(await ctx.kube(), id, { expiresAt: expiry, repository: ctx.repository, pullSecret }),
  );
  log.info(
    `Namespace ${namespace} is labelled as the preview of ${id.app} for #${id.pr}, expires at ${expiry}.`,
  );
  if (pullSecret) log.info(`Pull secret ${pullSecret.name} for ${pullSecret.registry} is in ${namespace}.`);
  ctx.set('namespace', namespace);
  ctx.set('environment', previewEnvironment(id));
  ctx.set('expires-at', expiry);
  await new JobSummary()
    .heading(`Preview namespace ${namespace}`)
    .facts({ App: id.app, 'Pull request': `#${id.pr}`, Expires: expiry, 'Pull secret': pullSecret?.name })
    .write();
}

export async function comment(values: Values, id: PreviewId, ctx: Context): Promise<void> {
  const { commentMarker, previewComment, previewEndpoints, previewNamespace } = await preview();
  const namespace = previewNamespace(id);
  let endpoints: { routes: string[]; services: string[]; expiresAt?: string } = { routes: [], services: [] };
  // The comment reports the run even when the cluster cannot be read (a failed deploy, a lost connection).
  try {
    endpoints = await previewEndpoints(await ctx.kube(), namespace);
  } catch (error) {
    log.warning(`Could not read the preview's route from the cluster: ${errorMessage(error)}`);
  }
  const body = previewComment({
    app: id.app,
    pr: id.pr,
    namespace,
    routes: endpoints.routes,
    services: endpoints.services,
    result: values['deploy-result'],
    revision: values.revision,
    color: values.color,
    imageRef: values['image-ref'],
    commit: ctx.commit,
    expiresAt: endpoints.expiresAt,
    runUrl: ctx.runUrl,
  });
  ctx.set('namespace', namespace);
  if (!ctx.github) {
    log.notice('No github-token: the preview comment is not written.');
    return;
  }
  const { upsertComment } = await github();
  const written = await upsertComment(ctx.github, id.pr, commentMarker(id.app), body);
  log.info(`${written.created ? 'Created' : 'Updated'} the preview comment ${written.comment.html_url}.`);
  ctx.set('comment-id', written.comment.id);
  await new JobSummary()
    .heading(`Preview of ${id.app} for #${id.pr}`)
    .facts({
      Namespace: namespace,
      Route: endpoints.routes.join(', '),
      Service: endpoints.services.join(', '),
      Revision: values.revision,
      Image: values['image-ref'],
      Result: values['deploy-result'],
      Comment: written.comment.html_url,
    })
    .write();
}

/** Deletes one preview and says so on GitHub; returns how many Deployments were made inactive. */
async function removePreview(
  id: PreviewId,
  reason: 'closed' | 'expired',
  values: Values,
  ctx: Context,
): Promise<{ outcome: string; deactivated: number }> {
  const { commentMarker, deletePreview, goneComment, previewEnvironment, previewNamespace } = await preview();
  const namespace = previewNamespace(id);
  const outcome = await log.group(`Delete namespace ${namespace}`, async () =>
    deletePreview(await ctx.kube(), id, values.timeout),
  );
  log.info(
    outcome === 'deleted' ? `Namespace ${namespace} is gone.` : `Namespace ${namespace} did not exist.`,
  );
  if (!ctx.github) {
    log.notice('No github-token: Deployments and the preview comment are left as they are.');
    return { outcome, deactivated: 0 };
  }
  const { deactivateEnvironment, findComment, upsertComment } = await github();
  const environment = previewEnvironment(id);
  const deactivated = await deactivateEnvironment(
    ctx.github,
    environment,
    reason === 'closed' ? 'preview torn down: pull request closed' : 'preview torn down: expired',
  );
  log.info(`${deactivated.length} GitHub Deployment(s) of ${environment} marked inactive.`);
  const marker = commentMarker(id.app);
  // Only a preview that was announced is announced gone.
  if (await findComment(ctx.github, id.pr, marker)) {
    const body = goneComment({
      ...id,
      namespace,
      reason,
      deactivated: deactivated.length,
      runUrl: ctx.runUrl,
    });
    await upsertComment(ctx.github, id.pr, marker, body);
  }
  return { outcome, deactivated: deactivated.length };
}

export async function teardown(values: Values, id: PreviewId, ctx: Context): Promise<void> {
  const { previewNamespace } = await preview();
  const { outcome, deactivated } = await removePreview(id, 'closed', values, ctx);
  ctx.set('removed', outcome === 'deleted' ? previewNamespace(id) : '');
  ctx.set('deactivated', deactivated);
  await new JobSummary()
    .heading(`Preview of ${id.app} for #${id.pr} torn down`)
    .facts({ Namespace: `${previewNamespace(id)} (${outcome})`, 'Deployments made inactive': deactivated })
    .write();
}

export async function cleanup(values: Values, ctx: Context): Promise<void> {
  const { listPreviews, selectExpired } = await preview();
  const kube = await ctx.kube();
  const found = await listPreviews(kube, values.app);
  const { expired, kept } = selectExpired(found, {
    now: ctx.now,
    repository: ctx.repository,
    app: values.app,
  });
  for (const k of kept) log.info(`Keeping ${k.namespace}: ${k.reason}.`);
  const removed: string[] = [];
  let deactivated = 0;
  for (const item of expired) {
    log.info(`${item.namespace} expired at ${item.expiresAt}.`);
    const result = await removePreview({ app: item.app, pr: item.pr }, 'expired', values, ctx);
    if (result.outcome === 'deleted') removed.push(item.namespace);
    deactivated += result.deactivated;
  }
  log.info(`Cleanup: ${removed.length} expired preview(s) removed, ${kept.length} kept.`);
  ctx.set('removed', removed.join(','));
  ctx.set('deactivated', deactivated);
  await new JobSummary()
    .heading('Preview cleanup')
    .table(
      ['Namespace', 'Outcome'],
      [
        ...expired.map((e) => [e.namespace, `removed (expired at ${e.expiresAt})`]),
        ...kept.map((k) => [k.namespace, `kept: ${k.reason}`]),
      ],
    )
    .write();
}
