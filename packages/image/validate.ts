import { UserError } from '@swiss-deploy/kit';

/** The OCI distribution spec's tag grammar. */
export const TAG_GRAMMAR = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const TAG_ALLOWED =
  'a tag is 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-" ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})';

/** Refuses a tag the user wrote that a registry would not take; derived tags are sanitised instead. */
export function checkGivenTag(rule: string, tag: string): void {
  if (TAG_GRAMMAR.test(tag)) return;
  throw new UserError(
    `Input "tags" has the rule "${rule}", whose tag "${tag}" is not a valid tag: ${TAG_ALLOWED}.`,
    {
      hint: 'Write the tag as it should be pushed; only tags derived from the branch, tag or PR are rewritten.',
    },
  );
}

const OS = ['linux', 'windows', 'darwin', 'freebsd'];
const ARCH = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le', 'loong64'];
const VARIANTS: Record<string, readonly string[]> = {
  arm: ['v5', 'v6', 'v7'],
  arm64: ['v8'],
  amd64: ['v1', 'v2', 'v3', 'v4'],
};

/** `os/arch[/variant]` with a known os, arch and variant; buildx drops or rejects the rest late. */
export function checkPlatforms(platforms: readonly string[]): void {
  const bad = platforms.filter((platform) => {
    const [os, arch, variant, ...rest] = platform.split('/');
    if (rest.length > 0 || !os || !arch || !OS.includes(os) || !ARCH.includes(arch)) return true;
    return variant !== undefined && !(VARIANTS[arch] ?? []).includes(variant);
  });
  if (bad.length === 0) return;
  const variants = Object.entries(VARIANTS)
    .map(([arch, list]) => `${arch}/${list.join('|')}`)
    .join(', ');
  throw new UserError(
    `Input "platforms" has ${bad.map((p) => `"${p}"`).join(', ')}: expected os/arch[/variant] with os one of ` +
      `${OS.join(', ')}; arch one of ${ARCH.join(', ')}; variants ${variants} (e.g. linux/amd64, linux/arm64, linux/arm/v7).`,
  );
}

/** `registry` is where to log in: a host with an optional port, as docker login takes it. */
export function checkRegistry(registry: string): void {
  const hostPort =
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
  if (hostPort.test(registry)) return;
  const withoutScheme = registry.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  throw new UserError(
    `Input "registry" is "${registry}": expected a host with an optional port (host[:port]), without a scheme or a path.`,
    { hint: withoutScheme && hostPort.test(withoutScheme) ? `Write registry: ${withoutScheme}` : undefined },
  );
}
