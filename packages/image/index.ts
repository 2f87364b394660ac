// Build and push images with BuildKit: tag rules, OCI labels, registry login, sizes. The package's only door.

export { readEventContext } from './event-context';
export { parseImageName, loginHost } from './image-name';
export { formatBytes } from './size';
export { planImage, checkSizeBudget } from './plan';
export { checkDocker } from './docker';
export { isolatedDockerConfig, loginToRegistry, logoutFromRegistry } from './login';
export { buildImage } from './build';
export { registryImageSize, localImageSize } from './image-size';
export { parseDigestReference, verifyImageDigest } from './verify-digest';
