import {
  GITHUB_ACTIONS_ISSUER,
  GITHUB_OIDC_ENV,
  attestArgs,
  classifyVerifyFailure,
  signArgs,
  signingEnvironment,
  statementsOf,
  verifyArgs,
  verifyAttestationArgs,
} from '@swiss-deploy/supplychain';

const ref = `registry.example/shop@sha256:${'ab'.repeat(32)}`;

describe('cosign signing arguments', () => {
  it('signs with a key file, offline when the transparency log is off, the password only in the environment', () => {
    const signer = { kind: 'key' as const, keyFile: '/runner/temp/x/cosign.key', password: 'p4ss-w0rd' };
    expect(signArgs(ref, signer, { transparencyLog: false })).toEqual([
      'sign',
      '--yes',
      '--key',
      '/runner/temp/x/cosign.key',
      '--use-signing-config=false',
      '--tlog-upload=false',
      ref,
    ]);
    expect(signArgs(ref, signer, { transparencyLog: true })).toEqual([
      'sign',
      '--yes',
      '--key',
      '/runner/temp/x/cosign.key',
      ref,
    ]);
    expect(signArgs(ref, signer, { transparencyLog: false }).join(' ')).not.toContain('p4ss-w0rd');
    expect(signingEnvironment(signer)).toEqual({ env: { COSIGN_PASSWORD: 'p4ss-w0rd' }, passEnv: [] });
  });

  it("signs keyless with no key argument, handing cosign the runner's OIDC request variables and nothing else", () => {
    expect(signArgs(ref, { kind: 'keyless' }, { transparencyLog: true })).toEqual(['sign', '--yes', ref]);
    expect(signingEnvironment({ kind: 'keyless' })).toEqual({
      env: {},
      passEnv: ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'],
    });
    expect(GITHUB_OIDC_ENV).not.toContain('ACTIONS_RUNTIME_TOKEN');
  });

  it('signs with a KMS reference as the key', () => {
    expect(
      signArgs(ref, { kind: 'kms', keyRef: 'awskms:///alias/release' }, { transparencyLog: true }),
    ).toEqual(['sign', '--yes', '--key', 'awskms:///alias/release', ref]);
    expect(signingEnvironment({ kind: 'kms', keyRef: 'awskms:///alias/release' }).passEnv).toEqual([]);
  });

  it("attests SBOM and provenance with cosign's predicate type names", () => {
    const signer = { kind: 'keyless' as const };
    expect(attestArgs(ref, 'sbom', '/t/sbom.json', signer, { transparencyLog: true })).toEqual([
      'attest',
      '--yes',
      '--type',
      'cyclonedx',
      '--predicate',
      '/t/sbom.json',
      ref,
    ]);
    expect(attestArgs(ref, 'provenance', '/t/p.json', signer, { transparencyLog: true })).toContain(
      'slsaprovenance1',
    );
  });
});

describe('cosign verification arguments', () => {
  it('verifies a keyless identity by regexp and issuer, with the transparency log by default', () => {
    const signer = {
      kind: 'keyless' as const,
      identityRegexp: '^https://github.com/swiss/example-app/\\.github/workflows/.+@refs/heads/main$',
      issuer: GITHUB_ACTIONS_ISSUER,
    };
    expect(verifyArgs(ref, signer, true)).toEqual([
      'verify',
      '--certificate-identity-regexp',
      '^https://github.com/swiss/example-app/\\.github/workflows/.+@refs/heads/main$',
      '--certificate-oidc-issuer',
      'https://token.actions.githubusercontent.com',
      '--output',
      'json',
      ref,
    ]);
    expect(verifyAttestationArgs(ref, 'provenance', signer, true)).toEqual([
      'verify-attestation',
      '--type',
      'slsaprovenance1',
      '--certificate-identity-regexp',
      signer.identityRegexp,
      '--certificate-oidc-issuer',
      GITHUB_ACTIONS_ISSUER,
      ref,
    ]);
  });

  it('binds a keyless signature to the repository its workflow ran in, when the policy names one', () => {
    const signer = {
      kind: 'keyless' as const,
      identityRegexp: '^https://github.com/swiss/deploy/',
      issuer: GITHUB_ACTIONS_ISSUER,
      workflowRepository: 'swiss/shop',
    };
    expect(verifyArgs(ref, signer, true)).toEqual([
      'verify',
      '--certificate-identity-regexp',
      '^https://github.com/swiss/deploy/',
      '--certificate-oidc-issuer',
      GITHUB_ACTIONS_ISSUER,
      '--certificate-github-workflow-repository',
      'swiss/shop',
      '--output',
      'json',
      ref,
    ]);
  });

  it('skips the transparency log only when told', () => {
    const signer = { kind: 'key' as const, keyFile: '/t/verify.pub', shown: 'public key' };
    expect(verifyArgs(ref, signer, false)).toContain('--insecure-ignore-tlog=true');
    expect(verifyArgs(ref, signer, true)).not.toContain('--insecure-ignore-tlog=true');
  });
});

describe('what cosign v3 said when it did not verify', () => {
  it.each([
    ['Error: no signatures found', false, 'unsigned'],
    [
      'Error: no matching attestations: failed to verify signature: could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1',
      false,
      'untrusted-signer',
    ],
    [
      'Error: none of the attestations matched the predicate type: slsaprovenance1, found: https://sigstore.dev/cosign/sign/v1',
      true,
      'missing-attestation',
    ],
    ['Error: no signatures found', true, 'missing-attestation'],
    ['Error: GET http://127.0.0.1:5001/v2/: dial tcp: connection refused', false, undefined],
    ['Error: UNAUTHORIZED: authentication required', true, undefined],
  ])('%s → %s', (stderr, attestation, expected) => {
    expect(classifyVerifyFailure(stderr, attestation)).toBe(expected);
  });
});

describe('the statements inside verified attestations', () => {
  it('decodes DSSE envelopes, one per line, and ignores anything else', () => {
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v1',
    };
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
    };
    expect(statementsOf([envelope, { other: true }, 'text'])).toEqual([statement]);
  });
});
