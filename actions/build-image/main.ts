import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  JobSummary,
  SavedState,
  code,
  defineOutputs,
  formatDuration,
  group,
  log,
  parseInputs,
  runAction,
} from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);
/** What post needs to log out: where the login lives and for which registry. Never the password. */
const session = new SavedState<{ dockerConfig: string; registry: string }>('build-image-login');

/** How the signature output and the summary name the signer. */
function describeSigner(
  signing: { kind: 'key' } | { kind: 'kms'; keyRef: string } | { kind: 'keyless' },
): string {
  if (signing.kind === 'kms') return `kms:${signing.keyRef}`;
  if (signing.kind === 'keyless')
    return `keyless:${process.env.GITHUB_SERVER_URL || 'https://github.com'}/${process.env.GITHUB_WORKFLOW_REF ?? ''}`;
  return 'key';
}

void runAction({
  main: async () => {
    const values = parseInputs(inputs);
    const started = new Date();
    const supplychain = await import('@swiss-deploy/supplychain');
    // The signing inputs are checked with the others, before docker or a registry is asked anything.
    const signing = supplychain.parseSigning(values);
    // Loaded once the inputs parse: a bad input fails without loading the build code.
    const {
      buildImage,
      checkDocker,
      checkSizeBudget,
      formatBytes,
      isolatedDockerConfig,
      localImageSize,
      loginToRegistry,
      planImage,
      readEventContext,
      registryImageSize,
    } = await import('@swiss-deploy/image');
    const context = readEventContext();
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    // Every input is checked here, before docker is asked anything or the password leaves this process.
    const plan = planImage(
      {
        image: values.image,
        tags: values.tags,
        latest: values.latest,
        labels: values.labels,
        buildArgs: values['build-args'],
        secrets: values.secrets,
        registry: values.registry,
        username: values.username,
        password: values.password,
        sizeBudget: values['size-budget'],
        context: values.context,
        file: values.file,
        platforms: values.platforms,
        workspace,
      },
      context,
    );
    const tempDir = process.env.RUNNER_TEMP || os.tmpdir();

    await group('Docker and buildx', async () => {
      const tools = await checkDocker();
      log.info(`docker ${tools.client} (engine ${tools.server}), buildx ${tools.buildx}`);
    });

    let dockerConfig: string | undefined;
    if (plan.login) {
      const { registry, username, password } = plan.login;
      dockerConfig = isolatedDockerConfig(tempDir);
      session.save({ dockerConfig, registry });
      await group(`Log in to ${registry}`, async () => {
        await loginToRegistry(dockerConfig as string, registry, username, password);
        log.info(`logged in to ${registry} as ${username}`);
      });
    }

    const build = await group(`Build ${plan.name.repository}`, async () => {
      for (const note of plan.notes) log.info(note);
      log.info(`tags: ${plan.tags.join(', ') || '(none: pushed by digest)'}`);
      return buildImage({
        context: plan.context,
        file: plan.file,
        target: values.target,
        repository: plan.name.repository,
        tags: plan.references,
        labels: plan.labels,
        buildArgs: plan.buildArgs,
        secrets: plan.secrets,
        platforms: values.platforms,
        push: values.push,
        cacheFrom: values['cache-from'],
        cacheTo: values['cache-to'],
        provenance: values.provenance,
        sbom: values.sbom,
        builder: values.builder,
        dockerConfig,
        tempDir,
        workspace,
        log: (line) => log.info(line),
      });
    });

    const imageRef = `${plan.name.repository}@${build.digest}`;
    const size = await group('Image size', async () => {
      const measured = values.push
        ? await registryImageSize(plan.name.repository, build.digest, dockerConfig)
        : await localImageSize([...plan.references, imageRef]);
      if (measured)
        log.info(
          `${formatBytes(measured.bytes)} (${measured.measured === 'registry' ? 'compressed, as pushed' : 'unpacked, local'})`,
        );
      return measured;
    });

    const budget = plan.sizeBudget;
    const { stats } = build;
    await new JobSummary()
      .heading(`Image ${plan.name.repository}`)
      .facts({
        'image-ref': code(imageRef),
        digest: code(build.digest),
        tags: plan.tags.length > 0 ? code(plan.tags.join(' ')) : 'none (pushed by digest)',
        pushed: values.push,
        size: size
          ? `${formatBytes(size.bytes)}${budget === undefined ? '' : ` of ${formatBytes(budget)} budget${size.bytes > budget ? ` (over by ${formatBytes(size.bytes - budget)})` : ''}`}`
          : undefined,
        'build time': formatDuration(stats.durationMs),
        'cached steps': `${stats.cached} / ${stats.steps}`,
      })
      .write();

    if (size) checkSizeBudget(size.bytes, budget, formatBytes);

    if (signing.kind !== 'none') {
      const made = await group(`Sign ${imageRef}`, async () => {
        const scratch = new supplychain.Scratch(tempDir, 'sign');
        try {
          const cosignTool = await supplychain.installCosign(values['cosign-version'], {
            mirror: values['cosign-mirror'],
          });
          log.info(`cosign ${cosignTool.version} (${cosignTool.source})`);
          const cosign = new supplychain.Cosign(cosignTool.path, {
            scratch: path.join(scratch.dir, 'cosign'),
            dockerConfig,
          });
          const signer = supplychain.signerFor(signing, scratch);
          const options = { transparencyLog: values['transparency-log'] };
          const files = values.attest
            ? await attestImage(
                supplychain,
                cosign,
                signer,
                options,
                imageRef,
                build.digest,
                started,
                dockerConfig,
              )
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
      await new JobSummary()
        .facts({
          signed: describeSigner(signing),
          'SBOM attestation': made ? `CycloneDX, ${made.components} components` : 'not made (attest: false)',
          'provenance attestation': made ? 'SLSA v1' : 'not made (attest: false)',
          'transparency log': values['transparency-log'] ? 'recorded' : 'off',
        })
        .write();
    } else {
      out.set('signature', '');
      out.set('sbom', '');
      out.set('provenance', '');
    }

    async function attestImage(
      sc: typeof supplychain,
      cosign: InstanceType<typeof supplychain.Cosign>,
      signer: ReturnType<typeof supplychain.signerFor>,
      options: { transparencyLog: boolean },
      ref: string,
      digest: string,
      startedOn: Date,
      registryConfig: string | undefined,
    ): Promise<{ sbom: string; provenance: string; components: number }> {
      const { installTrivy } = await import('@swiss-deploy/scan');
      const trivy = await installTrivy(values['trivy-version'], { mirror: values['trivy-mirror'] });
      const name = digest.replace(/^sha256:/, '').slice(0, 16);
      const sbom = path.join(tempDir, `sbom-${name}.cdx.json`);
      const facts = await sc.generateSbom(trivy.path, ref, {
        output: sbom,
        cacheDir: path.join(tempDir, 'swiss-deploy-trivy-cache'),
        dockerConfig: registryConfig,
      });
      log.info(`SBOM: ${facts.format}, ${facts.components} components (${sbom})`);
      await cosign.attest(ref, 'sbom', sbom, signer, options);
      const provenance = path.join(tempDir, `provenance-${name}.json`);
      const predicate = sc.slsaProvenance(
        sc.workflowRunFromEnv(),
        {
          context: values.context,
          file: values.file,
          target: values.target,
          platforms: values.platforms,
          buildArgNames: values['build-args'].map((arg) => arg.split('=')[0] ?? '').filter(Boolean),
        },
        { startedOn, finishedOn: new Date() },
      );
      writeFileSync(provenance, `${JSON.stringify(predicate, null, 2)}\n`);
      await cosign.attest(ref, 'provenance', provenance, signer, options);
      log.info(`attested ${ref}: CycloneDX SBOM and SLSA v1 provenance`);
      return { sbom, provenance, components: facts.components };
    }

    out.set('image', plan.name.repository);
    out.set('digest', build.digest);
    out.set('image-ref', imageRef);
    out.set('tags', plan.references.join('\n'));
    out.set('size', size?.bytes ?? 0);
    out.set('metadata', {
      image: plan.name.repository,
      digest: build.digest,
      'image-ref': imageRef,
      tags: plan.references,
      version: plan.version,
      labels: plan.labels,
      size: size ?? null,
      build: { ...stats, uncached: build.steps.filter((step) => !step.cached).map((step) => step.name) },
      buildx: build.metadata,
    });
  },
  post: async () => {
    const saved = session.load();
    if (!saved) return;
    const { logoutFromRegistry } = await import('@swiss-deploy/image');
    const { loggedOut, detail } = await logoutFromRegistry(saved.dockerConfig, saved.registry);
    log.info(loggedOut ? `logged out of ${saved.registry}` : `logout of ${saved.registry}: ${detail}`);
  },
});
