import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { JobSummary, group, log, type defineOutputs } from '@swiss-deploy/kit';
import {
  Cosign,
  Scratch,
  generateSbom,
  installCosign,
  signerFor,
  slsaProvenance,
  workflowRunFromEnv,
  type SigningSpec,
} from '@swiss-deploy/supplychain';
import type { BuiltImage } from './build';
import type { outputs } from './contract';
import { describeSigner, type BuildPlan, type Values } from './plan';

type Signer = ReturnType<typeof signerFor>;
interface Attested {
  sbom: string;
  provenance: string;
  components: number;
}

/**
 * Signs the pushed digest with cosign and, with `attest`, attaches a CycloneDX SBOM and SLSA provenance;
 * writes the signature outputs (empty when sign is none) and the signing facts of the summary.
 */
export async function signImage(
  plan: BuildPlan,
  built: BuiltImage,
  values: Values,
  started: Date,
  out: ReturnType<typeof defineOutputs<(typeof outputs)[number]>>,
): Promise<void> {
  const { signing, tempDir } = plan;
  if (signing.kind === 'none') {
    out.set('signature', '');
    out.set('sbom', '');
    out.set('provenance', '');
    return;
  }
  const { imageRef } = built;
  const made = await group(`Sign ${imageRef}`, async () => {
    const scratch = new Scratch(tempDir, 'sign');
    try {
      const cosignTool = await installCosign(values['cosign-version'], { mirror: values['cosign-mirror'] });
      log.info(`cosign ${cosignTool.version} (${cosignTool.source})`);
      const cosign = new Cosign(cosignTool.path, {
        scratch: path.join(scratch.dir, 'cosign'),
        dockerConfig: built.dockerConfig,
      });
      const signer = signerFor(signing, scratch);
      const options = { transparencyLog: values['transparency-log'] };
      const files = values.attest
        ? await attestImage(cosign, signer, options, built, values, { tempDir, started })
        : undefined;
      await cosign.sign(imageRef, signer, options);
      log.info(`signed ${imageRef} (${describeSigner(signing)})`);
      return files;
    } finally {
      scratch.dispose();
    }
  });
  out.set('signature', {
    'image-ref': imageRef,
    signer: describeSigner(signing),
    'transparency-log': values['transparency-log'],
  });
  out.set('sbom', made?.sbom ?? '');
  out.set('provenance', made?.provenance ?? '');
  await signingSummary(signing, made, values['transparency-log']).write();
}

function signingSummary(
  signing: SigningSpec,
  made: Attested | undefined,
  transparencyLog: boolean,
): JobSummary {
  return new JobSummary().facts({
    signed: describeSigner(signing),
    'SBOM attestation': made ? `CycloneDX, ${made.components} components` : 'not made (attest: false)',
    'provenance attestation': made ? 'SLSA v1' : 'not made (attest: false)',
    'transparency log': transparencyLog ? 'recorded' : 'off',
  });
}

/** The SBOM (by Trivy, loaded only here) and the SLSA provenance, each attested to the digest. */
async function attestImage(
  cosign: Cosign,
  signer: Signer,
  options: { transparencyLog: boolean },
  built: BuiltImage,
  values: Values,
  when: { tempDir: string; started: Date },
): Promise<Attested> {
  const { imageRef: ref, build } = built;
  const { tempDir } = when;
  const { installTrivy } = await import('@swiss-deploy/scan');
  const trivy = await installTrivy(values['trivy-version'], { mirror: values['trivy-mirror'] });
  const name = build.digest.replace(/^sha256:/, '').slice(0, 16);
  const sbom = path.join(tempDir, `sbom-${name}.cdx.json`);
  const facts = await generateSbom(trivy.path, ref, {
    output: sbom,
    cacheDir: path.join(tempDir, 'swiss-deploy-trivy-cache'),
    dockerConfig: built.dockerConfig,
  });
  log.info(`SBOM: ${facts.format}, ${facts.components} components (${sbom})`);
  await cosign.attest(ref, 'sbom', sbom, signer, options);
  const provenance = path.join(tempDir, `provenance-${name}.json`);
  const predicate = slsaProvenance(
    workflowRunFromEnv(),
    {
      context: values.context,
      file: values.file,
      target: values.target,
      platforms: values.platforms,
      buildArgNames: values['build-args'].map((arg) => arg.split('=')[0] ?? '').filter(Boolean),
    },
    { startedOn: when.started, finishedOn: new Date() },
  );
  writeFileSync(provenance, `${JSON.stringify(predicate, null, 2)}\n`);
  await cosign.attest(ref, 'provenance', provenance, signer, options);
  log.info(`attested ${ref}: CycloneDX SBOM and SLSA v1 provenance`);
  return { sbom, provenance, components: facts.components };
}
