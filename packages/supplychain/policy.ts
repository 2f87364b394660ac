import { InputError, describeProblem } from '@swiss-deploy/kit';
import { GITHUB_ACTIONS_ISSUER } from './cosign';
import type { AttestationKind } from './types';

/** The verification inputs deploy-blue-green, rollback and swiss/deploy@v1 share, as the kit parses them. */
export interface VerifyInputs {
  'verify-key'?: string;
  'verify-identity'?: string;
  'verify-issuer': string;
  'verify-attestations': string[];
  'verify-source-repository'?: string;
  'verify-transparency-log': boolean;
}

/** The policy as given, before any file is written: a PEM text or a KMS reference, or an identity. */
export interface PolicySpec {
  signer: { kind: 'key'; key: string } | { kind: 'keyless'; identityRegexp: string; issuer: string };
  attestations: AttestationKind[];
  sourceRepository?: string;
  transparencyLog: boolean;
}

const PUBLIC_KEY_PEM = /^-----BEGIN PUBLIC KEY-----\s+[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----\s*$/;
/** The key references cosign resolves itself (KMS and Kubernetes secrets). */
export const KMS_REF = /^(awskms|gcpkms|azurekms|hashivault|k8s):\/\/\S+$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/**
 * The verification policy the inputs ask for, or undefined when they ask for none (no signer given).
 * Every problem is reported at once, naming the input, before anything is read from a registry.
 */
export function parseVerifyPolicy(
  values: VerifyInputs,
  env: NodeJS.ProcessEnv = process.env,
): PolicySpec | undefined {
  const problems: string[] = [];
  const key = values['verify-key']?.trim();
  const identity = values['verify-identity']?.trim();
  if (key && identity) {
    problems.push(
      'Inputs "verify-key" and "verify-identity" are both set: expected one signer, a public key or a keyless identity.',
    );
  }
  if (key && !PUBLIC_KEY_PEM.test(key) && !KMS_REF.test(key)) {
    problems.push(
      describeProblem(
        'verify-key',
        key,
        'a PEM public key (-----BEGIN PUBLIC KEY-----) or a KMS reference (awskms://, gcpkms://, azurekms://, hashivault://, k8s://)',
      ),
    );
  }
  if (identity) {
    try {
      new RegExp(identity);
    } catch (error) {
      problems.push(
        describeProblem('verify-identity', identity, 'a regular expression', false, (error as Error).message),
      );
    }
  }
  const issuer = values['verify-issuer'].trim();
  if (identity && !/^https:\/\/\S+$/.test(issuer))
    problems.push(describeProblem('verify-issuer', issuer, 'the https:// URL of an OIDC issuer'));
  const attestations: AttestationKind[] = [];
  for (const item of values['verify-attestations']) {
    if (item === 'provenance' || item === 'sbom') attestations.push(item);
    else if (item !== 'none')
      problems.push(describeProblem('verify-attestations', item, 'provenance, sbom, or none'));
  }
  const source = values['verify-source-repository']?.trim() || env.GITHUB_REPOSITORY || undefined;
  if (values['verify-source-repository'] && !REPOSITORY.test(values['verify-source-repository'].trim()))
    problems.push(
      describeProblem(
        'verify-source-repository',
        values['verify-source-repository'],
        'a repository as owner/name',
      ),
    );
  if (!key && !identity) {
    if (values['verify-source-repository'])
      problems.push(
        'Input "verify-source-repository" is set but no signer is: expected verify-key or verify-identity beside it.',
      );
    if (problems.length > 0) throw new InputError(problems);
    return undefined;
  }
  if (attestations.includes('provenance') && !source)
    problems.push(
      'Input "verify-source-repository" is empty and GITHUB_REPOSITORY is not set: expected the owner/name whose workflows build the images.',
    );
  if (problems.length > 0) throw new InputError(problems);
  return {
    signer: key
      ? { kind: 'key', key }
      : { kind: 'keyless', identityRegexp: identity as string, issuer: issuer || GITHUB_ACTIONS_ISSUER },
    attestations: [...new Set(attestations)],
    sourceRepository: attestations.includes('provenance') ? source : undefined,
    transparencyLog: values['verify-transparency-log'],
  };
}

/** What build-image's signing inputs ask for. */
export interface SignInputs {
  sign: string;
  'signing-key'?: string;
  'signing-key-password'?: string;
  push: boolean;
}

export type SigningSpec =
  | { kind: 'none' }
  | { kind: 'key'; pem: string; password?: string }
  | { kind: 'kms'; keyRef: string }
  | { kind: 'keyless' };

const PRIVATE_KEY_PEM = /^-----BEGIN ([A-Z ]*PRIVATE KEY)-----\s+[\s\S]+-----END \1-----\s*$/;

export function parseSigning(values: SignInputs): SigningSpec {
  const problems: string[] = [];
  const key = values['signing-key']?.trim();
  let spec: SigningSpec = { kind: 'none' };
  if (values.sign === 'key') {
    if (!key)
      problems.push(
        'Input "signing-key" is required when sign is key: expected a PEM private key (cosign generate-key-pair) or a KMS reference.',
      );
    else if (KMS_REF.test(key)) spec = { kind: 'kms', keyRef: key };
    else if (PRIVATE_KEY_PEM.test(key))
      spec = { kind: 'key', pem: `${key}\n`, password: values['signing-key-password'] || undefined };
    else
      problems.push(
        describeProblem(
          'signing-key',
          key,
          'a PEM private key (-----BEGIN … PRIVATE KEY-----) or a KMS reference (awskms://, gcpkms://, azurekms://, hashivault://, k8s://)',
          true,
        ),
      );
  } else if (values.sign === 'keyless') {
    if (key)
      problems.push(
        'Input "signing-key" is set but sign is keyless: expected no key (keyless signs with the workflow\'s OIDC identity).',
      );
    spec = { kind: 'keyless' };
  } else if (key) {
    problems.push('Input "signing-key" is set but sign is none: expected sign: key to use it.');
  }
  if (values.sign !== 'none' && !values.push)
    problems.push(
      `Input "sign" is "${values.sign}" but push is false: expected push: true (signatures and attestations live in the registry, beside the pushed digest).`,
    );
  if (problems.length > 0) throw new InputError(problems);
  return spec;
}
