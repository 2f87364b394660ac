import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SigningSpec } from './policy';
import type { RequiredSigner, Signer } from './types';
import type { PolicySpec } from './policy';

/**
 * A folder of this step's under RUNNER_TEMP (0700) for key files and cosign's caches; removed by `dispose`.
 * Key material lives only there, in 0600 files, never in argv or the environment of other children.
 */
export class Scratch {
  readonly dir: string;

  constructor(tempDir: string, label: string) {
    this.dir = path.join(tempDir, `swiss-deploy-${label}-${randomBytes(6).toString('hex')}`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  writeSecretFile(name: string, content: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The signer cosign is given for a signing spec; a PEM key is written to a 0600 file first. */
export function signerFor(spec: Exclude<SigningSpec, { kind: 'none' }>, scratch: Scratch): Signer {
  switch (spec.kind) {
    case 'key':
      return {
        kind: 'key',
        keyFile: scratch.writeSecretFile('cosign.key', spec.pem),
        password: spec.password,
      };
    case 'kms':
      return { kind: 'kms', keyRef: spec.keyRef };
    case 'keyless':
      return { kind: 'keyless' };
  }
}

/** The signer verification requires; a PEM public key is written to a file for cosign. */
export function requiredSignerFor(
  spec: PolicySpec['signer'],
  scratch: Scratch,
  sourceRepository?: string,
): RequiredSigner {
  // A keyless certificate names the repository its workflow ran in: the one the provenance must name too.
  if (spec.kind === 'keyless') return { ...spec, workflowRepository: sourceRepository };
  if (/^[a-z]+:\/\//.test(spec.key)) return { kind: 'key', keyFile: spec.key, shown: spec.key };
  return {
    kind: 'key',
    keyFile: scratch.writeSecretFile('verify.pub', `${spec.key}\n`),
    shown: `public key ${keyFingerprint(spec.key)}`,
  };
}

/** `sha256:<first 16 hex>` of the key's DER (SubjectPublicKeyInfo): how the summary names a key. */
export function keyFingerprint(pem: string): string {
  try {
    const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
    return `sha256:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
  } catch {
    return '(unreadable key)';
  }
}
