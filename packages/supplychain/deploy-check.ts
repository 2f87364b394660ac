import * as os from 'node:os';
import * as path from 'node:path';
import { group, log } from '@swiss-deploy/kit';
import { Cosign } from './cosign';
import { installCosign } from './cosign-tool';
import type { PolicySpec } from './policy';
import { Scratch, requiredSignerFor } from './signing';
import { verificationSummary } from './summary';
import type { VerifiedImage } from './types';
import { requireDigestReferences, verifyImages } from './verify';

export interface DeployCheckOptions {
  cosignVersion: string;
  cosignMirror?: string;
  tempDir?: string;
  /** Registry credentials for reading signatures; default the runner's DOCKER_CONFIG or ~/.docker. */
  dockerConfig?: string;
}

/**
 * The check deploy, rollback and the chain run before their first write: every image by digest, signed by
 * the required signer, with the required attestations. Writes the summary section and returns what it
 * verified; throws an ImageVerificationError (and has changed nothing) otherwise.
 */
export async function checkImages(
  policy: PolicySpec,
  images: readonly string[],
  options: DeployCheckOptions,
): Promise<VerifiedImage[]> {
  return group(`Verify ${images.length} image${images.length === 1 ? '' : 's'}`, async () => {
    // A tag fails here, before cosign is installed or a registry asked.
    requireDigestReferences(images);
    const cosignTool = await installCosign(options.cosignVersion, { mirror: options.cosignMirror });
    log.info(`cosign ${cosignTool.version} (${cosignTool.source})`);
    const scratch = new Scratch(options.tempDir ?? process.env.RUNNER_TEMP ?? os.tmpdir(), 'verify');
    try {
      const cosign = new Cosign(cosignTool.path, {
        scratch: path.join(scratch.dir, 'cosign'),
        dockerConfig: options.dockerConfig,
      });
      const verified = await verifyImages(
        cosign,
        images,
        { ...policy, signer: requiredSignerFor(policy.signer, scratch, policy.sourceRepository) },
        (line) => log.info(line),
      );
      await verificationSummary(verified).write();
      return verified;
    } finally {
      scratch.dispose();
    }
  });
}
