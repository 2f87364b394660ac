import { JobSummary, code } from '@swiss-deploy/kit';
import type { VerifiedImage } from './types';

/** One row per image: what was verified before anything was applied. */
export function verificationSummary(
  verified: readonly VerifiedImage[],
  summary = new JobSummary(),
): JobSummary {
  return summary.heading('Images verified before deploy').table(
    ['image', 'signature', 'attestations', 'transparency log'],
    verified.map((v) => [
      code(v.image),
      v.signer,
      v.attestations.map((a) => `${a.kind}: ${a.detail}`).join('; ') || 'none required',
      v.transparencyLog ? 'required' : 'not checked',
    ]),
  );
}
