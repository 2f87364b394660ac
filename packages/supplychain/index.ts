// Supply chain: SBOM, provenance and signatures made at build time, verified before deploy. The package's only door.
export {
  COSIGN_DEFAULT_VERSION,
  COSIGN_RELEASES,
  CosignChecksumMissingError,
  cosignToolSpec,
  installCosign,
} from './cosign-tool';
export {
  Cosign,
  GITHUB_ACTIONS_ISSUER,
  GITHUB_OIDC_ENV,
  attestArgs,
  classifyVerifyFailure,
  signingEnvironment,
  statementsOf,
  signArgs,
  verifyArgs,
  verifyAttestationArgs,
  type SignOptions,
} from './cosign';
export {
  provenanceSourceRepository,
  slsaProvenance,
  splitWorkflowRef,
  workflowRunFromEnv,
  type BuildInputs,
  type WorkflowRun,
} from './provenance';
export { generateSbom, readSbomFacts, type SbomFacts } from './sbom';
export {
  parseSigning,
  parseVerifyPolicy,
  type PolicySpec,
  type SignInputs,
  type SigningSpec,
  type VerifyInputs,
} from './policy';
export { Scratch, signerFor } from './signing';
export { ImageVerificationError, requireDigestReferences, verifyImages, type RefusalReason } from './verify';
export { verificationSummary } from './summary';
export { checkImages, type DeployCheckOptions } from './deploy-check';
export type { AttestationKind, Signer, VerifiedImage } from './types';
