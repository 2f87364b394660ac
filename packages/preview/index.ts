// Preview environments per pull request: the namespace's marks, its expiry, the PR comment, and the
// cluster side of prepare, teardown and cleanup. The package's only door.
export {
  PREVIEW_LABEL,
  APP_LABEL,
  PR_LABEL,
  EXPIRES_ANNOTATION,
  REPOSITORY_ANNOTATION,
  previewNamespace,
  previewEnvironment,
  previewLabels,
  commentMarker,
  isPreviewOf,
  type PreviewId,
} from './names';
export {
  expiresAt,
  parseExpiry,
  selectExpired,
  type NamespaceFacts,
  type ExpiredPreview,
  type ExpirySelection,
} from './ttl';
export { previewComment, goneComment, type PreviewFacts, type DeployResult } from './comment-body';
export {
  preparePreview,
  deletePreview,
  listPreviews,
  previewEndpoints,
  type PrepareOptions,
  type TeardownOutcome,
} from './cluster';
