// Supply chain for real: build-image signs and attests a pushed digest with a key (cosign from the test
// environment, reused from PATH at the pinned version), cosign verifies what it made, and deploy-blue-green
// deploys it under a verification policy, and refuses, with nothing changed in the cluster, an image that is
// unsigned (re-pushed under the same tag), signed by another key, referenced by tag, without a required
// attestation, or built from another repository. Sigstore's services are not reachable here: signing skips
// the transparency log (transparency-log: false), verification does not ask for it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Kube } from '@swiss-deploy/kube';
import { runAction } from '../../support/runner';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import {
  cosignCli,
  cosignKeyPair,
  cosignOnPath,
  deleteRepository,
  pushStampedImage,
  registryDockerConfig,
  removeLocalImages,
  type KeyPair,
} from '../../support/supply-chain';
import {
  adminKube,
  appObjects,
  createNamespace,
  deleteNamespace,
  deploy,
  requireKwok,
  snapshotNamespace,
  writeManifests,
} from '../deploy/cluster';

jest.setTimeout(600_000);

const stamp = randomBytes(6).toString('hex');
const repositoryPath = `supply/app-${stamp}`;
const repository = `${testEnv('REGISTRY')}/${repositoryPath}`;
const work = mkdtempSync(path.join(os.tmpdir(), 'supply-sign-'));
const dockerConfig = registryDockerConfig(path.join(work, 'docker'));
const cosign = cosignCli(path.join(work, 'scratch'), dockerConfig);
// The runner "has" cosign and trivy of the pinned versions: the installer must reuse them, never download.
const bin = cosignOnPath(path.join(work, 'bin'));
symlinkSync(testEnv('TRIVY'), path.join(bin, 'trivy'));
const toolPath = `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
const workspace = mkdtempSync(path.join(os.tmpdir(), 'supply-workspace-'));
const buildDir = path.join(repoRoot, 'actions', 'build-image');
const deployDir = path.join(repoRoot, 'actions', 'deploy-blue-green');
const rollbackDir = path.join(repoRoot, 'actions', 'rollback');
const namespaces: string[] = [];

let ours: KeyPair;
let theirs: KeyPair;
let kube: Kube;
let namespace: string;
let signedRef = '';
let build: Awaited<ReturnType<typeof runAction>>;

function buildInputs(extra: Record<string, string>): Record<string, string> {
  return {
    context: 'test/fixtures/env/image',
    image: repository,
    tags: 'type=raw,value=v1',
    'build-args': `BASE_IMAGE_DEBIAN=${testEnv('BASE_IMAGE_DEBIAN')}\nSTAMP=${stamp}-${Object.keys(extra).join('')}`,
    username: testEnv('REGISTRY_USER'),
    password: testEnv('REGISTRY_PASSWORD'),
    'transparency-log': 'false',
    ...extra,
  };
}

function runBuild(inputs: Record<string, string>) {
  return runAction({
    actionDir: buildDir,
    workspace: repoRoot,
    timeoutMs: 600_000,
    inputs,
    env: { DOCKER_HOST: testEnv('DOCKER_HOST'), PATH: toolPath },
  });
}

function runDeploy(image: string, policy: Record<string, string>) {
  return runAction({
    actionDir: deployDir,
    workspace,
    inputs: {
      manifests: writeManifests(appObjects({ version: stamp, image }), workspace),
      app: 'shop',
      namespace,
      'verify-transparency-log': 'false',
      ...policy,
    },
    // cosign reads signatures with the registry login of the job (a DOCKER_CONFIG, as docker/login-action leaves)
    env: { KUBECONFIG: testEnv('KUBECONFIG'), DOCKER_CONFIG: dockerConfig, PATH: toolPath },
  });
}

beforeAll(async () => {
  requireKwok();
  ours = await cosignKeyPair(path.join(work, 'ours'), `ours-${stamp}`);
  theirs = await cosignKeyPair(path.join(work, 'theirs'), `theirs-${stamp}`);
  kube = await adminKube();
  namespace = await createNamespace(kube, 'supply');
  build = await runBuild(
    buildInputs({ sign: 'key', 'signing-key': ours.keyPem, 'signing-key-password': ours.password }),
  );
  signedRef = build.main.outputs['image-ref'] ?? '';
}, 600_000);

afterAll(async () => {
  for (const ns of [namespace, ...namespaces]) if (ns) await deleteNamespace(kube, ns);
  await deleteRepository(repositoryPath);
  await removeLocalImages(repositoryPath);
  rmSync(work, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
});

describe('build-image signs and attests the pushed digest', () => {
  it('outputs the signature, the SBOM file and the provenance file, and keeps the key out of logs and files', () => {
    expect(build.main.exitCode).toBe(0);
    expect(signedRef).toMatch(new RegExp(`^${repository}@sha256:[0-9a-f]{64}$`));
    expect(JSON.parse(build.main.outputs.signature as string)).toEqual({
      'image-ref': signedRef,
      signer: 'key',
      'transparency-log': false,
    });
    expect(build.main.log).toMatch(/cosign 3\.1\.3 \(preinstalled\)/);

    const sbom = JSON.parse(readFileSync(build.main.outputs.sbom as string, 'utf8')) as {
      bomFormat: string;
      components: unknown[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.components.length).toBeGreaterThan(10);

    const provenance = JSON.parse(readFileSync(build.main.outputs.provenance as string, 'utf8'));
    expect(provenance.buildDefinition.externalParameters.workflow).toEqual({
      ref: 'refs/heads/main',
      repository: 'https://github.com/swiss/example-app',
      path: '.github/workflows/deploy.yml',
    });
    expect(provenance.buildDefinition.resolvedDependencies).toEqual([
      {
        uri: 'git+https://github.com/swiss/example-app@refs/heads/main',
        digest: { gitCommit: '9f3c2a1b7e6d5c4b3a29180716f5e4d3c2b1a098' },
      },
    ]);
    expect(provenance.runDetails.builder.id).toBe(
      'https://github.com/swiss/example-app/.github/workflows/deploy.yml@refs/heads/main',
    );
    expect(provenance.runDetails.metadata.invocationId).toBe(
      'https://github.com/swiss/example-app/actions/runs/7001/attempts/1',
    );

    const keyBody = ours.keyPem.split('\n')[1] as string;
    expect(build.main.log).not.toContain(keyBody);
    expect(build.main.log).not.toContain(ours.password);
    // the key file lived in a scratch folder under RUNNER_TEMP, removed at the end of the step
    const temp = build.job.context.RUNNER_TEMP as string;
    expect(readdirSync(temp).filter((name) => name.startsWith('swiss-deploy-sign-'))).toEqual([]);
    expect(build.main.summary).toContain('CycloneDX');
  });

  it('made a signature and both attestations that cosign verifies with the public key', async () => {
    const signature = await cosign(['verify', '--key', ours.pub, '--insecure-ignore-tlog=true', signedRef]);
    expect(signature.code).toBe(0);
    for (const type of ['cyclonedx', 'slsaprovenance1']) {
      const attestation = await cosign([
        'verify-attestation',
        '--type',
        type,
        '--key',
        ours.pub,
        '--insecure-ignore-tlog=true',
        signedRef,
      ]);
      expect(attestation.code).toBe(0);
    }
    const foreign = await cosign(['verify', '--key', theirs.pub, '--insecure-ignore-tlog=true', signedRef]);
    expect(foreign.code).not.toBe(0);
  });
});

describe('deploy-blue-green verifies every image before anything is applied', () => {
  async function expectRefused(image: string, policy: Record<string, string>, reason: RegExp) {
    const before = await snapshotNamespace(kube, namespace);
    const { main } = await runDeploy(image, policy);
    expect(main.exitCode).not.toBe(0);
    expect(main.log).toMatch(reason);
    expect(await snapshotNamespace(kube, namespace)).toEqual(before);
    return main;
  }

  it('refuses an image signed by another key, with nothing created in the cluster', async () => {
    const main = await expectRefused(signedRef, { 'verify-key': theirs.pubPem }, /\(untrusted-signer\)/);
    expect(main.log).toMatch(/is not signed by public key sha256:[0-9a-f]{16}/);
    expect(await snapshotNamespace(kube, namespace)).not.toHaveProperty('Deployment/shop-blue');
  });

  it('refuses a tampered image: other content pushed under the same tag has a digest nobody signed', async () => {
    const tampered = await pushStampedImage(repositoryPath, 'v1', `${stamp}-tampered`, dockerConfig, work);
    expect(`${repository}@${tampered}`).not.toBe(signedRef);
    await expectRefused(`${repository}@${tampered}`, { 'verify-key': ours.pubPem }, /\(unsigned\)/);
  });

  it('refuses an image referenced by tag, before any registry is asked', async () => {
    const main = await expectRefused(`${repository}:v1`, { 'verify-key': ours.pubPem }, /\(tag-reference\)/);
    expect(main.log).not.toMatch(/cosign 3\.1\.3/);
  });

  it('refuses provenance from another repository', async () => {
    await expectRefused(
      signedRef,
      { 'verify-key': ours.pubPem, 'verify-source-repository': 'someone/else' },
      /was built from swiss\/example-app, not from someone\/else \(provenance-source\)/,
    );
  });

  it('refuses a signed image without the required attestations', async () => {
    const bare = await runBuild(
      buildInputs({
        sign: 'key',
        attest: 'false',
        'signing-key': ours.keyPem,
        'signing-key-password': ours.password,
      }),
    );
    expect(bare.main.exitCode).toBe(0);
    expect(bare.main.outputs.sbom).toBe('');
    const ref = bare.main.outputs['image-ref'] as string;
    expect((await cosign(['verify', '--key', ours.pub, '--insecure-ignore-tlog=true', ref])).code).toBe(0);
    await expectRefused(
      ref,
      { 'verify-key': ours.pubPem },
      /has no provenance attestation .*\(missing-attestation\)/,
    );
    await expectRefused(
      ref,
      { 'verify-key': ours.pubPem, 'verify-attestations': 'sbom' },
      /has no sbom attestation .*\(missing-attestation\)/,
    );
    // signed is enough when the policy asks for no attestation
    const { main } = await runDeploy(ref, { 'verify-key': ours.pubPem, 'verify-attestations': 'none' });
    expect(main.exitCode).toBe(0);
    expect(main.summary).toContain('none required');
  });

  it('deploys the signed, attested image and shows what it verified in the summary', async () => {
    const { main } = await runDeploy(signedRef, { 'verify-key': ours.pubPem });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.status).toBe('succeeded');
    expect(main.summary).toContain('<h3>Images verified before deploy</h3>');
    expect(main.summary).toContain(`<code>${signedRef}</code>`);
    expect(main.summary).toMatch(/provenance: SLSA v1 from swiss\/example-app/);
    expect(main.summary).toMatch(/sbom: CycloneDX, \d+ components/);
  });
});

describe('rollback re-verifies the images of the revision it redeploys', () => {
  /** Three deploys, the previous color scaled to zero each time: a rollback to 1 must redeploy it. */
  async function history(first: string): Promise<string> {
    const ns = await createNamespace(kube, 'supply-rb');
    namespaces.push(ns);
    await deploy(kube, ns, appObjects({ version: '1', image: first }));
    await deploy(kube, ns, appObjects({ version: '2', image: signedRef }), { previousReplicas: 0 });
    await deploy(kube, ns, appObjects({ version: '3', image: signedRef }), { previousReplicas: 0 });
    return ns;
  }

  function runRollback(ns: string, policy: Record<string, string>) {
    return runAction({
      actionDir: rollbackDir,
      inputs: {
        app: 'shop',
        namespace: ns,
        to: '1',
        reason: 'revision 2 broke checkout',
        'verify-transparency-log': 'false',
        ...policy,
      },
      env: { KUBECONFIG: testEnv('KUBECONFIG'), DOCKER_CONFIG: dockerConfig, PATH: toolPath },
    });
  }

  it('refuses to bring back an unsigned image, with no record, object or scale change', async () => {
    const unsigned = await pushStampedImage(repositoryPath, 'old', `${stamp}-old`, dockerConfig, work);
    const ns = await history(`${repository}@${unsigned}`);
    const before = await snapshotNamespace(kube, ns);
    const { main } = await runRollback(ns, { 'verify-key': ours.pubPem });
    expect(main.exitCode).not.toBe(0);
    expect(main.log).toMatch(/is not signed \(unsigned\)/);
    expect(await snapshotNamespace(kube, ns)).toEqual(before);
  });

  it('redeploys a revision whose images still verify, and says so in the summary', async () => {
    const ns = await history(signedRef);
    const { main } = await runRollback(ns, { 'verify-key': ours.pubPem });
    expect(main.exitCode).toBe(0);
    expect(main.outputs.mode).toBe('redeploy');
    expect(main.summary).toContain('<h3>Images verified before deploy</h3>');
    expect(main.summary).toContain(`<code>${signedRef}</code>`);
  });
});

describe('swiss/deploy@v1 verifies image-ref and every rendered image before the lock and the first apply', () => {
  function runRoot(policy: Record<string, string>) {
    return runAction({
      actionDir: repoRoot,
      workspace,
      timeoutMs: 240_000,
      inputs: {
        app: 'shop',
        namespace,
        'image-ref': signedRef,
        'verify-transparency-log': 'false',
        ...policy,
      },
      env: {
        KUBECONFIG: testEnv('KUBECONFIG'),
        DOCKER_CONFIG: dockerConfig,
        PATH: `${testEnv('TOOLS_BIN_DIR')}:${toolPath}`,
      },
    });
  }

  it('refuses an image-ref signed by another key, with the live app untouched', async () => {
    const before = await snapshotNamespace(kube, namespace);
    const { main } = await runRoot({ 'verify-key': theirs.pubPem });
    expect(main.exitCode).not.toBe(0);
    expect(main.log).toMatch(/is not signed by public key sha256:[0-9a-f]{16} .*\(untrusted-signer\)/);
    expect(await snapshotNamespace(kube, namespace)).toEqual(before);
  });

  it('refuses a verify-key that is no public key, naming the input, before anything runs', async () => {
    const before = await snapshotNamespace(kube, namespace);
    const { main } = await runRoot({ 'verify-key': 'ssh-ed25519 AAAA' });
    expect(main.exitCode).not.toBe(0);
    expect(main.log).toContain('Input "verify-key" is "ssh-ed25519 AAAA": expected a PEM public key');
    expect(main.log).not.toMatch(/cosign 3\.1\.3/);
    expect(await snapshotNamespace(kube, namespace)).toEqual(before);
  });
});
