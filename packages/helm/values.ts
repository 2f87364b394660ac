import type { Assignment, ImageRef, ImageValuePath, RenderOptions } from './types';

/**
 * Reads one `key=value` line of `set`, `set-string` or `set-file`. The key ends at the first `=`;
 * everything after it is the value, commas and further `=` included.
 */
export function parseAssignment(line: string): Assignment | { reason: string } {
  const eq = line.indexOf('=');
  if (eq < 0) return { reason: 'has no "=": write key=value' };
  const key = line.slice(0, eq).trim();
  if (key === '') return { reason: 'has no key before "="' };
  if (/\s/.test(key)) return { reason: `has a key with spaces ("${key}")` };
  return { key, value: line.slice(eq + 1) };
}

/**
 * Helm's `--set` parser splits a value on commas and reads backslashes as escapes. A value from a
 * workflow line is meant literally, so both are escaped; only helm's list syntax `{a,b}` is kept, since
 * writing braces says the commas are meant.
 */
export function literalSetValue(value: string): string {
  if (/^\{.*\}$/s.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
}

const DIGEST_REF =
  /^((?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::[\w][\w.-]{0,127})?@(sha256:[a-f0-9]{64})$/;

/** `repo@sha256:…` (a tag before the digest is allowed and dropped): what build-image hands on. */
export function parseImageRef(text: string): ImageRef | undefined {
  const match = DIGEST_REF.exec(text.trim());
  if (!match) return undefined;
  return { ref: `${match[1]}@${match[2]}`, repository: match[1] as string, digest: match[2] as string };
}

const VALUE_PATH = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/**
 * One line of `image-value-paths`: a prefix (`image` → `image.repository` and `image.digest`), or the
 * two paths themselves separated by a space (`app.image.name app.image.sha`).
 */
export function parseImageValuePath(line: string): ImageValuePath | { reason: string } {
  const parts = line.trim().split(/\s+/);
  if (parts.some((part) => !VALUE_PATH.test(part)))
    return { reason: 'is not a dotted value path such as image or app.image' };
  if (parts.length === 1) return { repository: `${parts[0]}.repository`, digest: `${parts[0]}.digest` };
  if (parts.length === 2) return { repository: parts[0] as string, digest: parts[1] as string };
  return { reason: 'has more than two paths: give a prefix, or a repository path and a digest path' };
}

/** The helm flags that carry values, in the order helm layers them. Shared by lint and template. */
export function valueArgs(options: RenderOptions): string[] {
  const args: string[] = [];
  for (const file of options.valuesFiles) args.push('--values', file);
  for (const { key, value } of options.set) args.push('--set', `${key}=${literalSetValue(value)}`);
  for (const { key, value } of options.setString)
    args.push('--set-string', `${key}=${literalSetValue(value)}`);
  for (const { key, value } of options.setFile) args.push('--set-file', `${key}=${literalSetValue(value)}`);
  // Last, so the digest from build-image wins over anything a values file says.
  if (options.image) {
    for (const target of options.image.paths) {
      args.push('--set-string', `${target.repository}=${literalSetValue(options.image.ref.repository)}`);
      args.push('--set-string', `${target.digest}=${options.image.ref.digest}`);
    }
  }
  return args;
}

/** `--kube-version` as helm wants it: a full semver, `1.36` → `v1.36.0`. */
export function helmKubeVersion(kubeVersion: string): string {
  const text = kubeVersion.replace(/^v/, '');
  return `v${/^\d+\.\d+$/.test(text) ? `${text}.0` : text}`;
}

/** Flags that describe the target cluster, for lint and template alike. */
export function capabilityArgs(options: RenderOptions): string[] {
  const args = ['--namespace', options.namespace, '--kube-version', helmKubeVersion(options.kubeVersion)];
  for (const apiVersion of options.apiVersions) args.push('--api-versions', apiVersion);
  return args;
}
