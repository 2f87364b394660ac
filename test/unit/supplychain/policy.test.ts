import { generateKeyPairSync } from 'node:crypto';
import { InputError } from '@swiss-deploy/kit';
import { parseSigning, parseVerifyPolicy, requireDigestReferences } from '@swiss-deploy/supplychain';

const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
  type: 'spki',
  format: 'pem',
}) as string;
const base = {
  'verify-issuer': 'https://token.actions.githubusercontent.com',
  'verify-attestations': ['provenance', 'sbom'],
  'verify-transparency-log': true,
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('the verification policy inputs', () => {
  it('asks for nothing when no signer is given', () => {
    expect(parseVerifyPolicy(base, {})).toBeUndefined();
  });

  it("takes a public key, requires provenance from the workflow's own repository by default", () => {
    expect(parseVerifyPolicy({ ...base, 'verify-key': pub }, { GITHUB_REPOSITORY: 'swiss/shop' })).toEqual({
      signer: { kind: 'key', key: pub.trim() },
      attestations: ['provenance', 'sbom'],
      sourceRepository: 'swiss/shop',
      transparencyLog: true,
    });
  });

  it('takes a keyless identity regexp with the GitHub Actions issuer', () => {
    const policy = parseVerifyPolicy(
      {
        ...base,
        'verify-identity':
          '^https://github.com/swiss/shop/\\.github/workflows/pipeline\\.yml@refs/heads/main$',
        'verify-attestations': ['sbom'],
      },
      {},
    );
    expect(policy?.signer).toEqual({
      kind: 'keyless',
      identityRegexp: '^https://github.com/swiss/shop/\\.github/workflows/pipeline\\.yml@refs/heads/main$',
      issuer: 'https://token.actions.githubusercontent.com',
    });
    expect(policy?.sourceRepository).toBeUndefined();
  });

  it('reports every problem at once, naming the input and what is allowed', () => {
    expect(
      problems(() =>
        parseVerifyPolicy(
          {
            ...base,
            'verify-key': 'not a key',
            'verify-identity': '(unclosed',
            'verify-issuer': 'http://issuer',
            'verify-attestations': ['provenance', 'signature'],
          },
          {},
        ),
      ),
    ).toEqual([
      'Inputs "verify-key" and "verify-identity" are both set: expected one signer, a public key or a keyless identity.',
      expect.stringMatching(/^Input "verify-key" is "not a key": expected a PEM public key/),
      expect.stringMatching(/^Input "verify-identity" is "\(unclosed": expected a regular expression/),
      'Input "verify-issuer" is "http://issuer": expected the https:// URL of an OIDC issuer.',
      'Input "verify-attestations" is "signature": expected provenance, sbom, or none.',
      expect.stringMatching(/^Input "verify-source-repository" is empty and GITHUB_REPOSITORY is not set/),
    ]);
  });

  it('accepts a KMS reference as the key', () => {
    expect(
      parseVerifyPolicy(
        { ...base, 'verify-key': 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k' },
        { GITHUB_REPOSITORY: 'a/b' },
      )?.signer,
    ).toEqual({
      kind: 'key',
      key: 'gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k',
    });
  });

  it('refuses an image by tag before anything else', () => {
    expect(() => requireDigestReferences([`r.example/a@sha256:${'0'.repeat(64)}`, 'r.example/a:v1'])).toThrow(
      /r\.example\/a:v1 is referenced by tag.*\(tag-reference\)/,
    );
  });
});

describe('the signing inputs', () => {
  const pem =
    '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----';

  it('signs nothing by default', () => {
    expect(parseSigning({ sign: 'none', push: true })).toEqual({ kind: 'none' });
  });

  it('takes a PEM key with its password, or a KMS reference', () => {
    expect(
      parseSigning({ sign: 'key', 'signing-key': pem, 'signing-key-password': 'pw', push: true }),
    ).toEqual({
      kind: 'key',
      pem: `${pem}\n`,
      password: 'pw',
    });
    expect(parseSigning({ sign: 'key', 'signing-key': 'hashivault://release', push: true })).toEqual({
      kind: 'kms',
      keyRef: 'hashivault://release',
    });
  });

  it('refuses a missing or malformed key, a key with keyless, and signing without a push, never showing the key', () => {
    expect(problems(() => parseSigning({ sign: 'key', push: true }))).toEqual([
      expect.stringMatching(/^Input "signing-key" is required when sign is key/),
    ]);
    const bad = problems(() =>
      parseSigning({ sign: 'key', 'signing-key': 'secret-material-xyz', push: false }),
    );
    expect(bad).toEqual([
      expect.stringMatching(/^Input "signing-key" is "\*\*\*": expected a PEM private key/),
      expect.stringMatching(/^Input "sign" is "key" but push is false/),
    ]);
    expect(bad.join('\n')).not.toContain('secret-material-xyz');
    expect(problems(() => parseSigning({ sign: 'keyless', 'signing-key': pem, push: true }))).toEqual([
      expect.stringMatching(/^Input "signing-key" is set but sign is keyless/),
    ]);
  });
});
