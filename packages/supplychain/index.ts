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
} from './cosign';
export {
  provenanceSourceRepository,
  slsaProvenance,
  splitWorkflowRef,
  workflowRunFromEnv,
} from './provenance';
export { generateSbom } from './sbom';
export { parseSigning, parseVerifyPolicy, type PolicySpec, type SigningSpec } from './policy';
export { Scratch, signerFor } from './signing';
export { requireDigestReferences } from './verify';
export { checkImages } from './deploy-check';
