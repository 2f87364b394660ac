/** Who signs: a key (a PEM file written for this step, or a KMS reference), or keyless through OIDC. */
export type Signer =
  { kind: 'key'; keyFile: string; password?: string } | { kind: 'kms'; keyRef: string } | { kind: 'keyless' };

/** Who must have signed, for verification. */
export type RequiredSigner =
  | { kind: 'key'; keyFile: string; shown: string }
  | {
      kind: 'keyless';
      identityRegexp: string;
      issuer: string;
      /** The repository the signing workflow ran in (the certificate's GitHub extension), when required. */
      workflowRepository?: string;
    };

export type AttestationKind = 'provenance' | 'sbom';

/** cosign's predicate type names for the attestations this suite makes. */
export const PREDICATE_TYPES: Readonly<Record<AttestationKind, string>> = {
  provenance: 'slsaprovenance1',
  sbom: 'cyclonedx',
};

/** The in-toto predicate type URIs those names stand for. */
export const PREDICATE_URIS: Readonly<Record<AttestationKind, string>> = {
  provenance: 'https://slsa.dev/provenance/v1',
  sbom: 'https://cyclonedx.org/bom',
};

/** What deploy requires of every image before it applies anything. */
export interface VerifyPolicy {
  signer: RequiredSigner;
  attestations: readonly AttestationKind[];
  /** For provenance: the repository whose workflow built the image, as `owner/name`. */
  sourceRepository?: string;
  /** Require the signature's transparency-log entry (Rekor). Off only where no log is reachable. */
  transparencyLog: boolean;
}

/** What was checked for one image, for the job summary. */
export interface VerifiedImage {
  image: string;
  digest: string;
  signer: string;
  attestations: { kind: AttestationKind; detail: string }[];
  transparencyLog: boolean;
}
