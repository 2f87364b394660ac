import { UserError, type InputValues } from '@swiss-deploy/kit';
import type * as ImagePackage from '@swiss-deploy/image';

type DigestReference = ReturnType<typeof ImagePackage.parseDigestReference>;
type EventContext = ReturnType<typeof ImagePackage.readEventContext>;
type ImageName = ReturnType<typeof ImagePackage.parseImageName>;
type ImagePlan = ReturnType<typeof ImagePackage.planImage>;
import type { SigningSpec } from '@swiss-deploy/supplychain';
import type { inputs } from './contract';

export type Values = InputValues<typeof inputs>;

/** Where the step runs: the workspace, the runner's temp folder, and the event (read only for a build). */
export interface StepEnv {
  workspace: string;
  tempDir: string;
  /** Default: the runner's event (GITHUB_EVENT_PATH and the GITHUB_* variables). */
  eventContext?: () => EventContext;
}

/** An image an earlier environment ran, by digest: checked in the registry, never rebuilt. */
export interface PromotionPlan {
  kind: 'promote';
  reference: DigestReference;
  name: ImageName;
  credentials: { username?: string; password?: string };
}

export interface BuildPlan {
  kind: 'build';
  signing: SigningSpec;
  image: ImagePlan;
  workspace: string;
  tempDir: string;
}

/**
 * Every input checked before docker or a registry is asked anything, and before the password leaves this
 * process: the signing inputs first, then either the promoted digest or the whole build. The image package
 * loads once the signing inputs are good.
 */
export async function planBuildImage(values: Values, env: StepEnv): Promise<PromotionPlan | BuildPlan> {
  const signing = (await import('@swiss-deploy/supplychain')).parseSigning(values);
  const image = await import('@swiss-deploy/image');
  if (values['image-ref']) return planPromotion(values, image);
  const plan = image.planImage(
    {
      image: values.image,
      tags: values.tags,
      latest: values.latest,
      labels: values.labels,
      buildArgs: values['build-args'],
      secrets: values.secrets,
      registry: values.registry,
      username: values.username,
      password: values.password,
      sizeBudget: values['size-budget'],
      context: values.context,
      file: values.file,
      platforms: values.platforms,
      workspace: env.workspace,
    },
    env.eventContext ? env.eventContext() : image.readEventContext(),
  );
  return { kind: 'build', signing, image: plan, workspace: env.workspace, tempDir: env.tempDir };
}

/** The digest must live in the repository `image` names; the login is used only for its registry. */
function planPromotion(
  values: Values,
  { loginHost, parseDigestReference, parseImageName }: typeof ImagePackage,
): PromotionPlan {
  const reference = parseDigestReference(values['image-ref'] as string);
  const name = parseImageName(values.image);
  if (reference.repository !== name.repository) {
    throw new UserError(
      `Input "image-ref" is "${reference.imageRef}": it is not in the repository of input "image" (${name.repository}).`,
      { hint: 'Promote an image of this repository, or set image to the repository the digest lives in.' },
    );
  }
  const registry = values.registry ? (loginHost(values.registry) ?? values.registry) : undefined;
  const credentials =
    values.username && values.password && (!registry || registry === reference.registry)
      ? { username: values.username, password: values.password }
      : {};
  return { kind: 'promote', reference, name, credentials };
}

/** How the signature output and the summary name the signer. */
export function describeSigner(signing: SigningSpec, env: NodeJS.ProcessEnv = process.env): string {
  if (signing.kind === 'kms') return `kms:${signing.keyRef}`;
  if (signing.kind === 'keyless')
    return `keyless:${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_WORKFLOW_REF ?? ''}`;
  return 'key';
}
