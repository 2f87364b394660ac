// How a preview is named and marked, in the cluster and on GitHub. Teardown and cleanup find a preview only
// by these marks, so they are one definition.

/** On every preview namespace; cleanup lists namespaces by it. */
export const PREVIEW_LABEL = 'swiss-deploy/preview';
/** The app the preview belongs to. */
export const APP_LABEL = 'swiss-deploy/preview-app';
/** The pull request number. */
export const PR_LABEL = 'swiss-deploy/preview-pr';
/** When the preview may be removed by the scheduled cleanup, RFC 3339 UTC. */
export const EXPIRES_ANNOTATION = 'swiss-deploy/expires-at';
/** The repository that made it (owner/name), so a cleanup never touches another repository's previews. */
export const REPOSITORY_ANNOTATION = 'swiss-deploy/repository';

export interface PreviewId {
  app: string;
  pr: number;
}

/** `<app>-pr-<n>`: the namespace of one pull request's preview. */
export function previewNamespace({ app, pr }: PreviewId): string {
  return `${app}-pr-${pr}`;
}

/** The GitHub environment the preview's Deployments are recorded under. */
export function previewEnvironment(id: PreviewId): string {
  return `preview/${previewNamespace(id)}`;
}

/** The hidden line that makes one PR comment this app's preview comment. */
export function commentMarker(app: string): string {
  return `<!-- swiss-deploy-preview:${app} -->`;
}

/** The labels a preview namespace carries. */
export function previewLabels({ app, pr }: PreviewId): Record<string, string> {
  return {
    [PREVIEW_LABEL]: 'true',
    [APP_LABEL]: app,
    [PR_LABEL]: String(pr),
    'app.kubernetes.io/managed-by': 'swiss-deploy',
  };
}

/** Whether `labels` mark the namespace as the preview `id`: the only namespaces teardown deletes. */
export function isPreviewOf(labels: Record<string, string> | undefined, id: PreviewId): boolean {
  return (
    labels?.[PREVIEW_LABEL] === 'true' && labels[APP_LABEL] === id.app && labels[PR_LABEL] === String(id.pr)
  );
}
