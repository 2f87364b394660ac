/**
 * How manifests are read everywhere in the suite, from render to apply: YAML 1.1, as the API server's and
 * kubectl's YAML decoder reads it (`on`, `yes` are booleans, `0755` is octal), with duplicate keys refused.
 */
export const MANIFEST_YAML = { version: '1.1', uniqueKeys: true, maxAliasCount: 100 } as const;

/** JSON with sorted keys, so the same objects always make the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The one identity of a manifest set, from render-helm's output to the revision store: the sha256 of the
 * objects' canonical JSON, so formatting, comments and key order do not change it, and re-running the same
 * manifests makes the same digest.
 */
export function manifestDigest(objects: readonly unknown[]): string {
  // Taken on use: this module is part of every action's start (MANIFEST_YAML), the digest is not.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return `sha256:${createHash('sha256').update(canonicalJson(objects)).digest('hex')}`;
}
