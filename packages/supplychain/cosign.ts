import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { ExecError, WorldError, exec, type ExecResult } from '@swiss-deploy/kit';
import type { AttestationKind, RequiredSigner, Signer } from './types';
import { PREDICATE_TYPES } from './types';

/** The variables keyless signing needs to ask the runner for its OIDC token; nothing else of the runner's. */
export const GITHUB_OIDC_ENV = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const;

/** The OIDC issuer of GitHub Actions tokens, the issuer keyless signatures from workflows carry. */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

export interface SignOptions {
  /** Upload to and use the transparency log (Rekor) and Sigstore's signing config. */
  transparencyLog: boolean;
}

/** `cosign sign` for one image by digest. */
export function signArgs(imageRef: string, signer: Signer, options: SignOptions): string[] {
  return ['sign', '--yes', ...signerArgs(signer), ...offlineSignArgs(options), imageRef];
}

/** `cosign attest` of a predicate file of the given kind. */
export function attestArgs(
  imageRef: string,
  kind: AttestationKind,
  predicateFile: string,
  signer: Signer,
  options: SignOptions,
): string[] {
  return [
    'attest',
    '--yes',
    '--type',
    PREDICATE_TYPES[kind],
    '--predicate',
    predicateFile,
    ...signerArgs(signer),
    ...offlineSignArgs(options),
    imageRef,
  ];
}

export function verifyArgs(imageRef: string, signer: RequiredSigner, transparencyLog: boolean): string[] {
  return [
    'verify',
    ...requiredSignerArgs(signer),
    ...offlineVerifyArgs(transparencyLog),
    '--output',
    'json',
    imageRef,
  ];
}

export function verifyAttestationArgs(
  imageRef: string,
  kind: AttestationKind,
  signer: RequiredSigner,
  transparencyLog: boolean,
): string[] {
  return [
    'verify-attestation',
    '--type',
    PREDICATE_TYPES[kind],
    ...requiredSignerArgs(signer),
    ...offlineVerifyArgs(transparencyLog),
    imageRef,
  ];
}

function signerArgs(signer: Signer): string[] {
  switch (signer.kind) {
    case 'key':
      return ['--key', signer.keyFile];
    case 'kms':
      return ['--key', signer.keyRef];
    case 'keyless':
      // The certificate comes from Fulcio for the runner's OIDC token; cosign asks the runner for it.
      return [];
  }
}

function offlineSignArgs(options: SignOptions): string[] {
  return options.transparencyLog ? [] : ['--use-signing-config=false', '--tlog-upload=false'];
}

function requiredSignerArgs(signer: RequiredSigner): string[] {
  if (signer.kind === 'key') return ['--key', signer.keyFile];
  return [
    '--certificate-identity-regexp',
    signer.identityRegexp,
    '--certificate-oidc-issuer',
    signer.issuer,
    ...(signer.workflowRepository
      ? ['--certificate-github-workflow-repository', signer.workflowRepository]
      : []),
  ];
}

function offlineVerifyArgs(transparencyLog: boolean): string[] {
  return transparencyLog ? [] : ['--insecure-ignore-tlog=true'];
}

export interface CosignOptions {
  /** The registry credentials cosign reads (a DOCKER_CONFIG folder), when the registry needs a login. */
  dockerConfig?: string;
  /** A folder of this step's (under RUNNER_TEMP) for cosign's TUF cache and home. */
  scratch: string;
  /** Each cosign call is killed after this long. */
  timeoutMs?: number;
}

/** What `cosign verify` said when it did not verify, in the words the refusal uses. */
export type VerifyFailure = 'unsigned' | 'untrusted-signer' | 'missing-attestation';

export class CosignVerifyFailed extends Error {
  constructor(
    readonly failure: VerifyFailure,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'CosignVerifyFailed';
  }
}

/**
 * Which refusal cosign's stderr stands for (as cosign v3 words it), or undefined when cosign did not get as
 * far as judging the signatures (registry down, bad credentials): that is the world failing, not the image.
 */
export function classifyVerifyFailure(stderr: string, attestation: boolean): VerifyFailure | undefined {
  if (/failed to verify signature|signatures do not match threshold|invalid signature/i.test(stderr))
    return 'untrusted-signer';
  if (/none of the attestations matched the predicate type/i.test(stderr)) return 'missing-attestation';
  if (/no signatures found|no matching signatures|no matching attestations/i.test(stderr))
    return attestation ? 'missing-attestation' : 'unsigned';
  return undefined;
}

/**
 * What a signing cosign gets beyond the usual child environment: the key's password (never in argv), or
 * for keyless the runner's OIDC request variables, which every other child is denied.
 */
export function signingEnvironment(signer: Signer): {
  env: Record<string, string | undefined>;
  passEnv: readonly string[];
} {
  if (signer.kind === 'key') return { env: { COSIGN_PASSWORD: signer.password ?? '' }, passEnv: [] };
  if (signer.kind === 'keyless') return { env: {}, passEnv: GITHUB_OIDC_ENV };
  // KMS signing authenticates with the cloud's own variables (AWS_*, GOOGLE_*, AZURE_*, VAULT_*).
  return { env: {}, passEnv: [] };
}

/** The cosign CLI, run with argument arrays, its own TUF cache, and only the environment it needs. */
export class Cosign {
  constructor(
    readonly binary: string,
    private readonly options: CosignOptions,
  ) {}

  private env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    mkdirSync(this.options.scratch, { recursive: true, mode: 0o700 });
    return {
      // Without a folder of its own, cosign reads the runner's DOCKER_CONFIG or ~/.docker, as docker does.
      ...(this.options.dockerConfig ? { DOCKER_CONFIG: this.options.dockerConfig } : {}),
      TUF_ROOT: path.join(this.options.scratch, 'tuf'),
      ...extra,
    };
  }

  private run(
    args: string[],
    env: Record<string, string | undefined>,
    passEnv: readonly string[] = [],
  ): Promise<ExecResult> {
    return exec(this.binary, args, {
      env: this.env(env),
      passEnv,
      timeoutMs: this.options.timeoutMs ?? 5 * 60_000,
      missingHint: 'Install cosign with the suite (cosign-version) or put it on PATH.',
    });
  }

  async sign(imageRef: string, signer: Signer, options: SignOptions): Promise<void> {
    const { env, passEnv } = signingEnvironment(signer);
    await this.run(signArgs(imageRef, signer, options), env, passEnv).catch((error: unknown) => {
      throw new WorldError(`cosign could not sign ${imageRef}.`, {
        cause: error,
        untouched: 'the image is unsigned',
      });
    });
  }

  async attest(
    imageRef: string,
    kind: AttestationKind,
    predicateFile: string,
    signer: Signer,
    options: SignOptions,
  ): Promise<void> {
    const { env, passEnv } = signingEnvironment(signer);
    await this.run(attestArgs(imageRef, kind, predicateFile, signer, options), env, passEnv).catch(
      (error: unknown) => {
        throw new WorldError(`cosign could not attach the ${kind} attestation to ${imageRef}.`, {
          cause: error,
          untouched: `the image has no ${kind} attestation`,
        });
      },
    );
  }

  /** Verifies the image's signature; returns cosign's JSON (the verified payloads). */
  async verify(imageRef: string, signer: RequiredSigner, transparencyLog: boolean): Promise<unknown[]> {
    const result = await this.run(verifyArgs(imageRef, signer, transparencyLog), {}).catch(
      (error: unknown) => {
        throw asVerifyFailure(error, false);
      },
    );
    return parseJsonLines(result.stdout);
  }

  /** Verifies the attestations of one kind; returns the in-toto statements they carry. */
  async verifyAttestation(
    imageRef: string,
    kind: AttestationKind,
    signer: RequiredSigner,
    transparencyLog: boolean,
  ): Promise<InTotoStatement[]> {
    const result = await this.run(verifyAttestationArgs(imageRef, kind, signer, transparencyLog), {}).catch(
      (error: unknown) => {
        throw asVerifyFailure(error, true);
      },
    );
    return statementsOf(parseJsonLines(result.stdout));
  }
}

function asVerifyFailure(error: unknown, attestation: boolean): unknown {
  if (!(error instanceof ExecError)) return error;
  const stderr = error.result.stderr.trim();
  const failure = classifyVerifyFailure(stderr, attestation);
  if (!failure) return error;
  const last = stderr.split('\n').find((line) => /^Error:/.test(line)) ?? '';
  return new CosignVerifyFailed(failure, last.replace(/^Error:\s*/, '').trim());
}

export interface InTotoStatement {
  _type?: string;
  predicateType?: string;
  subject?: { name?: string; digest?: Record<string, string> }[];
  predicate?: unknown;
}

/** cosign prints one JSON value per line (an array for verify, a DSSE envelope per attestation). */
export function parseJsonLines(stdout: string): unknown[] {
  const values: unknown[] = [];
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{') && !text.startsWith('[')) continue;
    try {
      const value = JSON.parse(text) as unknown;
      if (Array.isArray(value)) values.push(...(value as unknown[]));
      else values.push(value);
    } catch {
      // a log line that happens to start with a brace
    }
  }
  return values;
}

/** The statements inside DSSE envelopes (`{ payloadType, payload: base64 }`), or bundles that hold one. */
export function statementsOf(values: readonly unknown[]): InTotoStatement[] {
  const statements: InTotoStatement[] = [];
  for (const value of values) {
    const envelope = findEnvelope(value);
    if (!envelope) continue;
    try {
      statements.push(JSON.parse(Buffer.from(envelope, 'base64').toString('utf8')) as InTotoStatement);
    } catch {
      // not an in-toto payload
    }
  }
  return statements;
}

function findEnvelope(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.payload === 'string' && typeof record.payloadType === 'string') return record.payload;
  for (const key of ['dsseEnvelope', 'envelope']) {
    const inner = findEnvelope(record[key]);
    if (inner) return inner;
  }
  return undefined;
}
