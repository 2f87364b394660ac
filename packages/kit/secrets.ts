import * as core from '@actions/core';

/**
 * Every secret value this process knows about. The runner masks what `::add-mask::` announced in the
 * log it shows, but captured tool output, saved state and error messages are ours to clean.
 */
const registry = new Set<string>();

/** Announce a secret to the runner and remember it for masking. Values shorter than 4 characters are not masked (the runner ignores them too). */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  for (const candidate of [value, ...value.split(/\r?\n/)]) {
    const trimmed = candidate.trim();
    if (trimmed.length < 4 || registry.has(trimmed)) continue;
    registry.add(trimmed);
    core.setSecret(trimmed);
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
