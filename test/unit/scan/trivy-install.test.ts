import * as path from 'node:path';
import { currentTarget, UserError } from '@swiss-deploy/kit';
import { installTrivy } from '@swiss-deploy/scan';
import {
  TRIVY_DEFAULT_VERSION,
  TRIVY_RELEASES,
  normalizeTrivyVersion,
  trivyToolSpec,
} from '../../../packages/scan/trivy';
import { dbCachePlan, restoreDb, saveDb } from '../../../packages/scan/db-cache';

describe('the pinned Trivy release', () => {
  const spec = trivyToolSpec(TRIVY_DEFAULT_VERSION);

  it('downloads the official archive of each platform, verified by its published sha256', () => {
    const paths = Object.fromEntries(
      (['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'] as const).map((key) => {
        const [platform, arch] = key.split('-') as ['linux' | 'darwin', 'x64' | 'arm64'];
        return [key, spec.archivePath(currentTarget(spec.version, { platform, arch }))];
      }),
    );
    expect(paths).toEqual({
      'linux-x64': 'v0.70.0/trivy_0.70.0_Linux-64bit.tar.gz',
      'linux-arm64': 'v0.70.0/trivy_0.70.0_Linux-ARM64.tar.gz',
      'darwin-x64': 'v0.70.0/trivy_0.70.0_macOS-64bit.tar.gz',
      'darwin-arm64': 'v0.70.0/trivy_0.70.0_macOS-ARM64.tar.gz',
    });
    expect(Object.keys(spec.sha256).sort()).toEqual(Object.keys(paths).sort());
    for (const sha of Object.values(TRIVY_RELEASES['0.70.0'] ?? {})) expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(spec.baseUrl).toBe('https://github.com/aquasecurity/trivy/releases/download');
  });

  it('recognises the version a trivy binary prints, so a preinstalled one is reused', () => {
    expect(spec.versionPattern?.exec('Version: 0.70.0\nVulnerability DB:\n  Version: 2\n')?.[1]).toBe(
      '0.70.0',
    );
    expect(normalizeTrivyVersion('v0.70.0')).toBe('0.70.0');
  });

  it('refuses a version without pinned checksums unless that exact version is on PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(__dirname, 'no-such-dir');
    try {
      await expect(installTrivy('0.12.3')).rejects.toThrow(UserError);
      await expect(installTrivy('0.12.3')).rejects.toThrow(
        /Input "trivy-version" is "0.12.3": this release pins checksums for 0.70.0 only/,
      );
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe('the vulnerability DB cache', () => {
  it('is keyed per platform and UTC day, and restores the newest older day as a fallback', () => {
    const plan = dbCachePlan('/runner/_temp/trivy', new Date('2026-11-21T23:30:00Z'), 'linux-x64');
    expect(plan).toEqual({
      key: 'swiss-deploy-trivy-db-linux-x64-2026-11-21',
      restoreKeys: ['swiss-deploy-trivy-db-linux-x64-'],
      paths: ['/runner/_temp/trivy/db', '/runner/_temp/trivy/java-db'],
    });
    expect(dbCachePlan('/c', new Date('2026-11-22T00:00:01Z'), 'linux-x64').key).toBe(
      'swiss-deploy-trivy-db-linux-x64-2026-11-22',
    );
  });

  it('is skipped, not failed, where the runner has no cache service (self-hosted, act)', async () => {
    const plan = dbCachePlan('/nonexistent/trivy-cache', new Date('2026-11-21T00:00:00Z'), 'linux-x64');
    await expect(restoreDb(plan)).resolves.toBe('unavailable');
    await expect(saveDb(plan, 'unavailable')).resolves.toBeUndefined();
  });
});
