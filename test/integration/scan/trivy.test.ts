import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction, type StepResult } from '../../support/runner';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { sarifValidator } from '../../unit/scan/sarif-schema';

const actionDir = path.join(repoRoot, 'actions', 'scan');

/** A PATH whose `trivy` is the binary the test environment built from the Go module proxy. */
function pathWithTrivy(): string {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'trivy-bin-'));
  symlinkSync(testEnv('TRIVY'), path.join(bin, 'trivy'));
  return `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
}

/** A token in GitHub's personal access token format, made here so no secret-looking text is committed. */
const fakeToken = () => `ghp_${'x7Kq2Lm9'.repeat(4)}Ab12`;

function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scan-trivy-ws-'));
  cpSync(path.join(repoRoot, 'test', 'fixtures', 'scan', 'config'), path.join(dir, 'config'), {
    recursive: true,
  });
  mkdirSync(path.join(dir, 'config', 'env'));
  writeFileSync(
    path.join(dir, 'config', 'env', 'deploy.env'),
    `REGION=eu-central-2\nGITHUB_TOKEN=${fakeToken()}\n`,
  );
  return dir;
}

interface Report {
  passed: boolean;
  findings: {
    ruleId: string;
    aliases?: string[];
    kind: string;
    severity: string;
    tool: string;
    location: { file: string; line?: number };
  }[];
}

describe('the scan action with a real Trivy', () => {
  it('is the pinned version, built with the release version stamp', () => {
    const out = execFileSync(testEnv('TRIVY'), ['--version'], { encoding: 'utf8' });
    expect(out).toMatch(/^Version: 0\.70\.0$/m);
    expect(testEnv('TRIVY_VERSION')).toBe('v0.70.0');
  });

  describe('on Dockerfile, Kubernetes YAML and a leaked token, offline', () => {
    let main: StepResult;
    let report: Report;
    beforeAll(async () => {
      ({ main } = await runAction({
        actionDir,
        workspace: workspace(),
        inputs: { 'config-paths': 'config\nconfig/Dockerfile', 'fail-on': 'critical' },
        env: { PATH: pathWithTrivy() },
        timeoutMs: 300_000,
      }));
      report = JSON.parse(readFileSync(main.outputs.report as string, 'utf8')) as Report;
    }, 320_000);

    it('reuses the trivy of the pinned version found on PATH instead of downloading', () => {
      expect(main.log).toContain('Trivy 0.70.0 (preinstalled)');
    });

    it('finds the Dockerfile and Kubernetes misconfigurations with their file and line', () => {
      const misconfigs = report.findings.filter((f) => f.kind === 'misconfiguration');
      const files = new Set(misconfigs.map((f) => f.location.file));
      expect(files).toEqual(new Set(['config/Dockerfile', 'config/k8s/pod.yaml']));
      expect(misconfigs).toContainEqual(
        expect.objectContaining({
          ruleId: 'KSV-0017',
          severity: 'HIGH',
          location: { file: 'config/k8s/pod.yaml', line: 8, endLine: 11 },
        }),
      );
      expect(misconfigs).toContainEqual(
        expect.objectContaining({
          ruleId: 'DS-0029',
          severity: 'HIGH',
          location: { file: 'config/Dockerfile', line: 2, endLine: 2 },
        }),
      );
      expect(misconfigs.every((f) => f.tool === 'trivy')).toBe(true);
    });

    it('finds the token with its line, without copying it anywhere', () => {
      const secrets = report.findings.filter((f) => f.kind === 'secret');
      expect(secrets).toEqual([
        expect.objectContaining({
          ruleId: 'github-pat',
          severity: 'CRITICAL',
          location: { file: 'config/env/deploy.env', line: 2, endLine: 2 },
        }),
      ]);
      const sarif = readFileSync(main.outputs['sarif-file'] as string, 'utf8');
      expect(sarif).not.toContain(fakeToken());
      expect(readFileSync(main.outputs.report as string, 'utf8')).not.toContain(fakeToken());
      expect(main.log).not.toContain(fakeToken());
    });

    it('gates them like any other finding, with SARIF that agrees', () => {
      expect(main.exitCode).toBe(1);
      expect(main.outputs.passed).toBe('false');
      const sarif = JSON.parse(readFileSync(main.outputs['sarif-file'] as string, 'utf8')) as {
        runs: { results: { level: string }[] }[];
      };
      const validate = sarifValidator();
      expect(validate(sarif) ? [] : validate.errors).toEqual([]);
      expect(sarif.runs[0]?.results.filter((r) => r.level === 'error')).toHaveLength(
        Number(main.outputs.blocking),
      );
      expect(Number(main.outputs.critical)).toBe(
        report.findings.filter((f) => f.severity === 'CRITICAL').length,
      );
      expect(main.annotations).toContainEqual(
        expect.objectContaining({ level: 'error', file: 'config/env/deploy.env', line: 2 }),
      );
    });
  });

  describe('on an image in the registry, secret scanning only (no DB reachable here)', () => {
    let main: StepResult;
    let imageRef: string;
    beforeAll(async () => {
      imageRef = pushImageWithSecret();
      ({ main } = await runAction({
        actionDir,
        workspace: workspace(),
        inputs: { 'image-ref': imageRef, 'image-scanners': 'secret', 'fail-on': 'high' },
        env: {
          PATH: pathWithTrivy(),
          TRIVY_USERNAME: testEnv('REGISTRY_USER'),
          TRIVY_PASSWORD: testEnv('REGISTRY_PASSWORD'),
        },
        timeoutMs: 300_000,
      }));
    }, 400_000);

    it('pulls the image by digest with the registry credentials and asks no DB repository', () => {
      expect(main.log).toContain(`trivy image --scanners secret --format json`);
      expect(main.log).not.toContain('--db-repository');
      expect(main.log).toContain(imageRef);
    });

    it('fails the gate on the token inside the image, pointing into the image, not the repository', () => {
      expect(main.exitCode).toBe(1);
      expect(main.outputs).toMatchObject({ passed: 'false', critical: '1', total: '1', blocking: '1' });
      const report = JSON.parse(readFileSync(main.outputs.report as string, 'utf8')) as {
        findings: { ruleId: string; artifact?: string; location: { file: string; line?: number } }[];
      };
      expect(report.findings).toEqual([
        expect.objectContaining({
          ruleId: 'github-pat',
          artifact: imageRef,
          location: { file: '/app/deploy.env', line: 2, endLine: 2 },
        }),
      ]);
      expect(main.annotations.filter((a) => a.file !== undefined)).toEqual([]);
      expect(main.log).not.toContain(fakeToken());
      expect(readFileSync(main.outputs['sarif-file'] as string, 'utf8')).not.toContain(fakeToken());
    });
  });
});

/**
 * Pushes a one-file image holding a token to the test registry (docker import, a private docker
 * config for the login) and returns its reference by digest.
 */
function pushImageWithSecret(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'scan-image-'));
  mkdirSync(path.join(root, 'fs', 'app'), { recursive: true });
  writeFileSync(
    path.join(root, 'fs', 'app', 'deploy.env'),
    `REGION=eu-central-2\nGITHUB_TOKEN=${fakeToken()}\n`,
  );
  execFileSync('tar', ['-C', path.join(root, 'fs'), '-cf', path.join(root, 'image.tar'), 'app']);
  const registry = testEnv('REGISTRY');
  const tag = `${registry}/swiss-deploy/scan-fixture:secret`;
  const docker = (args: string[], input?: string) =>
    execFileSync('docker', ['--config', path.join(root, 'docker'), ...args], {
      encoding: 'utf8',
      input,
      env: { ...process.env, DOCKER_HOST: testEnv('DOCKER_HOST') },
    });
  docker(['import', path.join(root, 'image.tar'), tag]);
  docker(
    ['login', '-u', testEnv('REGISTRY_USER'), '--password-stdin', registry],
    testEnv('REGISTRY_PASSWORD'),
  );
  const pushed = docker(['push', tag]);
  docker(['rmi', tag]);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  if (!digest) throw new Error(`docker push printed no digest:\n${pushed}`);
  return `${registry}/swiss-deploy/scan-fixture@${digest}`;
}
