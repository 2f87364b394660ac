import { JobSummary, code, group, log, type defineOutputs } from '@swiss-deploy/kit';
import { verifyImageDigest } from '@swiss-deploy/image';
import type { outputs } from './contract';
import type { PromotionPlan } from './plan';

/**
 * Promotion: the image an earlier environment ran, by digest. Nothing is built or pushed; the registry must
 * hold the digest (a manifest HEAD with a deadline), and the outputs carry it on unchanged.
 */
export async function promoteImage(
  plan: PromotionPlan,
  out: ReturnType<typeof defineOutputs<(typeof outputs)[number]>>,
): Promise<void> {
  const { reference, name } = plan;
  const verified = await group(`Check ${reference.imageRef} in the registry`, async () => {
    const found = await verifyImageDigest(reference, plan.credentials);
    log.info(
      `${reference.registry} holds ${reference.digest} (${found.mediaType || 'manifest'}); nothing is built.`,
    );
    return found;
  });
  await new JobSummary()
    .heading(`Image ${name.repository}`)
    .facts({
      'image-ref': code(verified.imageRef),
      digest: code(reference.digest),
      built: 'no: promoted by digest',
    })
    .write();
  out.set('image', name.repository);
  out.set('digest', reference.digest);
  out.set('image-ref', verified.imageRef);
  out.set('tags', '');
  out.set('size', 0);
  out.set('metadata', {
    image: name.repository,
    digest: reference.digest,
    'image-ref': verified.imageRef,
    promoted: true,
  });
}
