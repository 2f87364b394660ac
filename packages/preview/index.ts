// Preview environments per pull request: the namespace's marks, its expiry, the PR comment, and the
// cluster side of prepare, teardown and cleanup. The package's only door.
export { previewNamespace, previewEnvironment, commentMarker, type PreviewId } from './names';
export { expiresAt, selectExpired } from './ttl';
export { previewComment, goneComment } from './comment-body';
export { preparePreview, deletePreview, listPreviews, previewEndpoints } from './cluster';
