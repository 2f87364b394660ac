import { DEFAULT_HELM_VERSION } from '@swiss-deploy/helm';
import { HELM_RELEASES, helmToolSpec, resolveHelmVersion } from '../../../packages/helm/helm-versions';

describe('the pinned helm', () => {
  it('defaults to a release with a checksum for every runner platform', () => {
    expect(Object.keys(HELM_RELEASES[DEFAULT_HELM_VERSION] ?? {}).sort()).toEqual([
      'darwin-arm64',
      'darwin-x64',
      'linux-arm64',
      'linux-x64',
      'win32-arm64',
      'win32-x64',
    ]);
    for (const checksums of Object.values(HELM_RELEASES))
      for (const sha of Object.values(checksums)) expect(sha).toMatch(/^[a-f0-9]{64}$/);
  });

  it('offers both helm 3 and helm 4', () => {
    const majors = new Set(Object.keys(HELM_RELEASES).map((v) => v.split('.')[0]));
    expect([...majors].sort()).toEqual(['3', '4']);
  });

  it('takes an exact version or major.minor, which means the newest pinned patch', () => {
    expect(resolveHelmVersion('4.1.4')).toEqual({ version: '4.1.4' });
    expect(resolveHelmVersion('v4.1.4')).toEqual({ version: '4.1.4' });
    expect(resolveHelmVersion('4.1')).toEqual({ version: '4.1.4' });
    expect(resolveHelmVersion('3.20')).toEqual({ version: '3.20.2' });
  });

  it('never resolves a moving version, and lists the pinned ones when it refuses', () => {
    for (const wanted of ['latest', '4', '', '4.x'])
      expect(resolveHelmVersion(wanted)).toEqual({ reason: expect.stringContaining('4.1.4, 3.20.2') });
    expect(resolveHelmVersion('4.9.9')).toEqual({
      reason: expect.stringContaining('no pinned checksum for 4.9.9'),
    });
    expect(resolveHelmVersion('4.9')).toEqual({ reason: expect.stringContaining('no pinned 4.9.x release') });
  });

  it('downloads the official archive for the platform and finds the binary inside', () => {
    const spec = helmToolSpec('4.1.4');
    const linux = { version: '4.1.4', platform: 'linux', arch: 'x64', goArch: 'amd64' } as const;
    const windows = { version: '4.1.4', platform: 'win32', arch: 'arm64', goArch: 'arm64' } as const;
    expect(spec.baseUrl).toBe('https://get.helm.sh');
    expect(spec.archivePath(linux)).toBe('helm-v4.1.4-linux-amd64.tar.gz');
    expect(spec.binaryPath(linux)).toBe('linux-amd64/helm');
    expect(spec.archivePath(windows)).toBe('helm-v4.1.4-windows-arm64.zip');
    expect(spec.binaryPath(windows)).toBe('windows-arm64/helm.exe');
    expect(spec.versionPattern?.exec('v4.1.4+g05fa379')?.[1]).toBe('4.1.4');
    expect(spec.versionPattern?.exec('v3.20.2+g8fb76d6')?.[1]).toBe('3.20.2');
  });
});
