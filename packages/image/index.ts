// Build and push images with BuildKit: tag rules, OCI labels, registry login, sizes. The package's only door.
export type {
  EventContext,
  TagRule,
  LatestPolicy,
  ComputedTags,
  ImageName,
  BuildStep,
  BuildStats,
  ImageSize,
} from './types';
export { eventContextFrom, readEventContext } from './event-context';
export {
  DEFAULT_TAG_RULES,
  parseTagRule,
  parseTagRules,
  computeTags,
  parseSemVer,
  sanitizeTag,
  formatDate,
} from './tag-rules';
export { parseImageName, loginHost } from './image-name';
export { ociLabels, parseKeyValues } from './labels';
export { parseSize, formatBytes, SIZE_PATTERN } from './size';
export { planImage, parseBuildSecrets, checkSizeBudget, type ImageRequest, type ImagePlan } from './plan';
export { checkDocker, type DockerTools } from './docker';
export { isolatedDockerConfig, loginToRegistry, logoutFromRegistry, defaultDockerConfig } from './login';
export { BuildProgress } from './build-progress';
export { locateBuildFailure, buildFailureError, type BuildFailure } from './build-error';
export {
  buildImage,
  buildxArguments,
  dockerfilePath,
  expandCache,
  secretEnvName,
  type BuildRequest,
  type BuildResult,
  type BuildSecret,
} from './build';
export { registryImageSize, localImageSize, manifestBytes } from './image-size';
export {
  parseDigestReference,
  verifyImageDigest,
  DEFAULT_VERIFY_TIMEOUT_MS,
  type DigestReference,
  type VerifiedDigest,
  type VerifyOptions,
} from './verify-digest';
