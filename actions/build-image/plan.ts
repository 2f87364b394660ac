import { UserError, type InputValues } from '@swiss-deploy/kit';
import {
  loginHost,
  parseDigestReference,
  parseImageName,
  planImage,
  type DigestReference,
  type EventContext,
  type ImageName,
  type ImagePlan,
} from '@swiss-deploy/image';
import { parseSigning, type SigningSpec } from '@swiss-deploy/supplychain';
import type { inputs } from './contract';

export type Values = InputValues<typeof inputs>;

/** Where the step runs: the workspace, the runner's temp folder, and the event (read only for a build). */
export interface StepEnv {
  workspace: string;
  tempDir: string;
  eventContext: () => EventContext;
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
 * process: the signing inputs first, then either the promoted digest or the whole build.
 */
export function planBuildImage(values: Values, env: StepEnv): PromotionPlan | BuildPlan {
  const signing = parseSigning(values);
  if (values['image-ref']) return planPromotion(values);
  const image = planImage(
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
    env.eventContext(),
  );
  return { kind: 'build', signing, image, workspace: env.workspace, tempDir: env.tempDir };
}

/** The digest must live in the repository `image` names; the login is used only for its registry. */
function planPromotion(values: Values): PromotionPlan {
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
