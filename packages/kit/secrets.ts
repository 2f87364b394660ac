import { runner } from './runner';

/**
 * Every secret value this process knows about. The runner masks what `::add-mask::` announced in the
 * log it shows, but captured tool output, saved state and error messages are ours to clean.
 */
const registry = new Set<string>();

/** Parts of a line of a multi-line secret shorter than this are structure (`kind: Config`), not secret. */
const MIN_LINE_SECRET = 16;

/** The pieces of a multi-line secret (a kubeconfig, a key file) that are worth masking line by line. */
function secretLines(value: string): string[] {
  const parts: string[] = [];
  for (const line of value.split(/\r?\n/)) {
    // `key: value` (YAML, INI-ish): the value is the secret material, the key is structure.
    const keyed = /^\s*-?\s*[\w.-]+\s*[:=]\s*(.*)$/.exec(line);
    const part = (keyed ? (keyed[1] as string) : line).trim().replace(/^["']|["']$/g, '');
    if (part.length >= MIN_LINE_SECRET) parts.push(part);
  }
  return parts;
}

/**
 * Announce a secret to the runner and remember it for masking. A multi-line secret is masked whole and,
 * line by line, in the parts long enough to be secret material (tokens, keys, certificate data), so a
 * kubeconfig does not turn every `apiVersion: v1` in the log into ***. Values shorter than 4 characters
 * are not masked (the runner ignores them too).
 */
export function registerSecret(value: string | undefined, options: { anyLength?: boolean } = {}): void {
  if (!value) return;
  const candidates = value.includes('\n') ? [value, ...secretLines(value)] : [value];
  for (const candidate of candidates) {
    const trimmed = candidate.trim();
    // A value known to be a credential (a kubeconfig's password) is masked however short it is.
    const tooShort = !options.anyLength && trimmed.length < 4;
    if (trimmed === '' || tooShort || registry.has(trimmed)) continue;
    registry.add(trimmed);
    runner.setSecret(trimmed);
  }
}

/** Replaces every known secret in `text` with `***`, longest first so overlapping secrets vanish whole. */
export function maskSecrets(text: string): string {
  if (registry.size === 0 || text.length === 0) return text;
  let masked = text;
  for (const secret of [...registry].sort((a, b) => b.length - a.length)) {
    masked = masked.split(secret).join('***');
  }
  return masked;
}

export function containsSecret(text: string): boolean {
  for (const secret of registry) if (text.includes(secret)) return true;
  return false;
}

/** For tests: forget every registered secret. */
export function clearSecretsForTesting(): void {
  registry.clear();
}
