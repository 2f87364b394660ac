const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Parses `90s`, `5m`, `1h30m`, `250ms` into milliseconds. A bare number is refused: "90" could mean
 * seconds or minutes, and a deploy timeout off by 60× is worth one more character.
 * Returns undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === '') return undefined;
  const match = DURATION.exec(value);
  if (!match || match.slice(1).every((part) => part === undefined)) return undefined;
  const [, h, m, s, ms] = match;
  return (
    Number(h ?? 0) * (UNIT_MS.h as number) +
    Number(m ?? 0) * (UNIT_MS.m as number) +
    Number(s ?? 0) * (UNIT_MS.s as number) +
    Number(ms ?? 0)
  );
}

/** Formats milliseconds the way people read them: `850ms`, `12.3s`, `4m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}
