import {
  JobSummary,
  code,
  formatDuration,
  group,
  log,
  type SavedState,
  type defineOutputs,
} from '@swiss-deploy/kit';
import {
  buildImage,
  checkDocker,
  checkSizeBudget,
  formatBytes,
  isolatedDockerConfig,
  localImageSize,
  loginToRegistry,
  registryImageSize,
} from '@swiss-deploy/image';
import type { outputs } from './contract';
import type { BuildPlan, Values } from './plan';

type Out = ReturnType<typeof defineOutputs<(typeof outputs)[number]>>;
type BuildResult = Awaited<ReturnType<typeof buildImage>>;
type ImageSize = NonNullable<Awaited<ReturnType<typeof localImageSize>>>;

/** What the post step needs to log out: where the login lives and for which registry. Never the password. */
export type LoginSession = SavedState<{ dockerConfig: string; registry: string }>;

export interface BuiltImage {
  build: BuildResult;
  imageRef: string;
  size: ImageSize | undefined;
  /** The isolated docker config holding the login, when there is one. */
  dockerConfig: string | undefined;
}

/** Docker and buildx checked, the registry logged in to, the image built (and pushed), its size measured. */
export async function buildAndPush(
  plan: BuildPlan,
  values: Values,
  session: LoginSession,
): Promise<BuiltImage> {
  const { image, tempDir, workspace } = plan;
  await group('Docker and buildx', async () => {
    const tools = await checkDocker();
    log.info(`docker ${tools.client} (engine ${tools.server}), buildx ${tools.buildx}`);
  });

  let dockerConfig: string | undefined;
  if (image.login) {
    const { registry, username, password } = image.login;
    dockerConfig = isolatedDockerConfig(tempDir);
    session.save({ dockerConfig, registry });
    await group(`Log in to ${registry}`, async () => {
      await loginToRegistry(dockerConfig as string, registry, username, password);
      log.info(`logged in to ${registry} as ${username}`);
    });
  }

  const build = await group(`Build ${image.name.repository}`, async () => {
    for (const note of image.notes) log.info(note);
    log.info(`tags: ${image.tags.join(', ') || '(none: pushed by digest)'}`);
    return buildImage({
      context: image.context,
      file: image.file,
      target: values.target,
      repository: image.name.repository,
      tags: image.references,
      labels: image.labels,
      buildArgs: image.buildArgs,
      secrets: image.secrets,
      platforms: values.platforms,
      push: values.push,
      cacheFrom: values['cache-from'],
      cacheTo: values['cache-to'],
      provenance: values.provenance,
      sbom: values.sbom,
      builder: values.builder,
      dockerConfig,
      tempDir,
      workspace,
      log: (line) => log.info(line),
    });
  });

  const imageRef = `${image.name.repository}@${build.digest}`;
  const size = await group('Image size', async () => {
    const measured = values.push
      ? await registryImageSize(image.name.repository, build.digest, dockerConfig)
      : await localImageSize([...image.references, imageRef]);
    if (measured)
      log.info(
        `${formatBytes(measured.bytes)} (${measured.measured === 'registry' ? 'compressed, as pushed' : 'unpacked, local'})`,
      );
    return measured;
  });
  return { build, imageRef, size, dockerConfig };
}

/** The build's summary; then the size budget, which fails the step after the summary says why. */
export async function summariseBuild(plan: BuildPlan, built: BuiltImage, pushed: boolean): Promise<void> {
  const { image } = plan;
  const { build, imageRef, size } = built;
  const budget = image.sizeBudget;
  const { stats } = build;
  await new JobSummary()
    .heading(`Image ${image.name.repository}`)
    .facts({
      'image-ref': code(imageRef),
      digest: code(build.digest),
      tags: image.tags.length > 0 ? code(image.tags.join(' ')) : 'none (pushed by digest)',
      pushed,
      size: size
        ? `${formatBytes(size.bytes)}${budget === undefined ? '' : ` of ${formatBytes(budget)} budget${size.bytes > budget ? ` (over by ${formatBytes(size.bytes - budget)})` : ''}`}`
        : undefined,
      'build time': formatDuration(stats.durationMs),
      'cached steps': `${stats.cached} / ${stats.steps}`,
    })
    .write();

  if (size) checkSizeBudget(size.bytes, budget, formatBytes);
}

/** The image outputs, once it is built, within budget and (if asked) signed. */
export function writeImageOutputs(plan: BuildPlan, built: BuiltImage, out: Out): void {
  const { image } = plan;
  const { build, imageRef, size } = built;
  out.set('image', image.name.repository);
  out.set('digest', build.digest);
  out.set('image-ref', imageRef);
  out.set('tags', image.references.join('\n'));
  out.set('size', size?.bytes ?? 0);
  out.set('metadata', {
    image: image.name.repository,
    digest: build.digest,
    'image-ref': imageRef,
    tags: image.references,
    version: image.version,
    labels: image.labels,
    size: size ?? null,
    build: { ...build.stats, uncached: build.steps.filter((step) => !step.cached).map((step) => step.name) },
    buildx: build.metadata,
  });
}
