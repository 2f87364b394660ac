import { UserError } from '@swiss-deploy/kit';
import { CosignVerifyFailed, type Cosign } from './cosign';
import { provenanceBuilder, provenanceSourceRepository } from './provenance';
import type { AttestationKind, RequiredSigner, VerifiedImage } from './types';
import { PREDICATE_URIS } from './types';

/** Why an image was refused; each is its own name in the error, so a workflow can tell them apart. */
export type RefusalReason =
  'tag-reference' | 'unsigned' | 'untrusted-signer' | 'missing-attestation' | 'provenance-source';

/** An image the verification policy does not accept. Raised before anything is applied. */
export class ImageVerificationError extends UserError {
  constructor(
    readonly reason: RefusalReason,
    readonly image: string,
    message: string,
    hint: string,
  ) {
    super(message, { hint });
    this.name = 'ImageVerificationError';
  }
}

const DIGEST_REF = /^[^\s@]+@(sha256:[a-f0-9]{64})$/;

export interface PolicyForRun {
  signer: RequiredSigner;
  attestations: readonly AttestationKind[];
  sourceRepository?: string;
  transparencyLog: boolean;
}

function describeSigner(signer: RequiredSigner): string {
  return signer.kind === 'key'
    ? signer.shown
    : `keyless identity /${signer.identityRegexp}/ from ${signer.issuer}`;
}

/** Refuses any image referenced by tag, before a registry is asked anything. */
export function requireDigestReferences(images: readonly string[]): void {
  for (const image of images) {
    if (!DIGEST_REF.test(image)) {
      throw new ImageVerificationError(
        'tag-reference',
        image,
        `Image ${image} is referenced by tag, not by digest: a tag can be moved to other content after it was verified, so it is refused (tag-reference).`,
        'Deploy the image-ref build-image outputs (repository@sha256:…); nothing was applied.',
      );
    }
  }
}

/**
 * Verifies every image against the policy: the signature, then each required attestation (signed by the
 * same signer, about this digest), and for provenance the repository that built it. The first image that
 * fails stops it with an ImageVerificationError; the caller has applied nothing yet.
 */
export async function verifyImages(
  cosign: Cosign,
  images: readonly string[],
  policy: PolicyForRun,
  log: (line: string) => void = () => undefined,
): Promise<VerifiedImage[]> {
  const unique = [...new Set(images)];
  requireDigestReferences(unique);
  const verified: VerifiedImage[] = [];
  const signer = describeSigner(policy.signer);
  for (const image of unique) {
    const digest = DIGEST_REF.exec(image)?.[1] as string;
    try {
      await cosign.verify(image, policy.signer, policy.transparencyLog);
    } catch (error) {
      throw refusal(error, image, signer);
    }
    log(`${image}: signature by ${signer} verified`);
    const attestations: VerifiedImage['attestations'] = [];
    for (const kind of policy.attestations) {
      let statements;
      try {
        statements = await cosign.verifyAttestation(image, kind, policy.signer, policy.transparencyLog);
      } catch (error) {
        throw refusal(error, image, signer, kind);
      }
      const about = statements.filter(
        (s) =>
          s.predicateType === PREDICATE_URIS[kind] &&
          (s.subject ?? []).some((subject) => `sha256:${subject.digest?.sha256 ?? ''}` === digest),
      );
      if (about.length === 0) {
        throw new ImageVerificationError(
          'missing-attestation',
          image,
          `Image ${image} has no ${kind} attestation about its digest signed by ${signer} (missing-attestation).`,
          `Attest it in build-image (sign: key or keyless) or drop ${kind} from verify-attestations; nothing was applied.`,
        );
      }
      if (kind === 'provenance') {
        const sources = about.map((s) => provenanceSourceRepository(s.predicate));
        const match = about.find((_, i) => sameRepository(sources[i], policy.sourceRepository));
        if (!match) {
          throw new ImageVerificationError(
            'provenance-source',
            image,
            `Image ${image} was built from ${sources.filter(Boolean).join(', ') || 'an unnamed repository'}, not from ${policy.sourceRepository} (provenance-source).`,
            "Deploy an image this repository's workflows built, or set verify-source-repository; nothing was applied.",
          );
        }
        attestations.push({
          kind,
          detail: `SLSA v1 from ${policy.sourceRepository}, builder ${provenanceBuilder(match.predicate) ?? '?'}`,
        });
      } else {
        const bom = about[0]?.predicate as { components?: unknown[] } | undefined;
        attestations.push({
          kind,
          detail: `CycloneDX, ${Array.isArray(bom?.components) ? bom.components.length : 0} components`,
        });
      }
      log(`${image}: ${kind} attestation verified`);
    }
    verified.push({ image, digest, signer, attestations, transparencyLog: policy.transparencyLog });
  }
  return verified;
}

function sameRepository(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

function refusal(error: unknown, image: string, signer: string, kind?: AttestationKind): unknown {
  if (!(error instanceof CosignVerifyFailed)) return error;
  const detail = error.detail ? ` cosign: ${error.detail}` : '';
  if (kind) {
    return error.failure === 'untrusted-signer'
      ? new ImageVerificationError(
          'untrusted-signer',
          image,
          `Image ${image} has a ${kind} attestation, but none signed by ${signer} (untrusted-signer).${detail}`,
          'Only attestations of the required signer count; nothing was applied.',
        )
      : new ImageVerificationError(
          'missing-attestation',
          image,
          `Image ${image} has no ${kind} attestation signed by ${signer} (missing-attestation).${detail}`,
          `Attest it in build-image (sign: key or keyless) or drop ${kind} from verify-attestations; nothing was applied.`,
        );
  }
  return error.failure === 'unsigned'
    ? new ImageVerificationError(
        'unsigned',
        image,
        `Image ${image} is not signed (unsigned).${detail}`,
        'Sign it in build-image (sign: key or keyless); nothing was applied.',
      )
    : new ImageVerificationError(
        'untrusted-signer',
        image,
        `Image ${image} is not signed by ${signer} (untrusted-signer).${detail}`,
        'It was signed by someone else, or its content changed after signing; nothing was applied.',
      );
}
