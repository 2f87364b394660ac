const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** The pattern the `size-budget` input must match. */
export const SIZE_PATTERN = /^\s*\d+(?:\.\d+)?\s*(?:B|kB|KB|MB|GB|KiB|MiB|GiB)\s*$/i;

/** `150MB` (decimal), `120MiB` (binary), `800kB`, `2GB` → bytes. Undefined when not a size with a unit. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  if (!match) return undefined;
  const factor = UNITS[(match[2] as string).toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}

/** Bytes as people read image sizes: `48.2 MB` (decimal units, as registries show them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}
