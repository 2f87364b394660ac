// Medians and ranges of a handful of runs, and the rows of the result table.
import * as os from 'node:os';

export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
  unit: string;
}

export function stat(values: readonly number[], unit: string): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: NaN, min: NaN, max: NaN, n, unit };
  const mid = Math.floor(n / 2);
  const median =
    n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[n - 1] as number, n, unit };
}

/** The targets of issue #21 that every run reports on, met or missed (see `goalsTable`). */
export const GOALS = {
  startup: "every action's spawn → input-error exit ≤ 2× bare Node (same run)",
  cpu: "deploy-blue-green's own CPU per update of a 3-object app ≤ 200 ms",
  'deploy-wall': 'deploy wall time ≤ 1.1× kubectl apply + rollout status, 1 replica',
  rollback: '`rollback to: previous`, process start → exit ≤ 0.6 s on the kwok cluster',
} as const;
export type Goal = keyof typeof GOALS;

export interface Row {
  suite: string;
  measurement: string;
  stat: Stat;
  /** e.g. "≤ 100 ms"; the verdict compares the median. */
  target?: string;
  met?: boolean;
  note?: string;
  /** The issue target this row decides; the target is met when every row of it is. */
  goal?: Goal;
}

export interface Skip {
  suite: string;
  reason: string;
}

/** The load average now, for the record: numbers taken on a loaded machine read differently. */
export function load(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  if (unit === 'ms') return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
  if (unit === '×') return `${value.toFixed(2)}×`;
  if (unit === 'KiB') return `${value.toFixed(0)} KiB`;
  if (unit === 'req/s') return `${Math.round(value)} req/s`;
  if (Number.isInteger(value)) return `${value}${unit ? ` ${unit}` : ''}`;
  return `${value.toFixed(1)}${unit ? ` ${unit}` : ''}`;
}

export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| Suite | Measurement | Median | Min | Max | n | Target | Met |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) {
    const s = r.stat;
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    const measurement = r.note ? `${r.measurement} (${r.note})` : r.measurement;
    lines.push(
      `| ${r.suite} | ${measurement} | ${fmt(s.median, s.unit)} | ${fmt(s.min, s.unit)} | ${fmt(s.max, s.unit)} | ${s.n} | ${r.target ?? ''} | ${met} |`,
    );
  }
  return lines.join('\n');
}

/** One line per target of GOALS: met when every row that decides it is met, or not measured in this run. */
export function goalsTable(rows: readonly Row[]): string {
  const lines = ['| Target | Rows | Worst median | Met |', '| --- | ---: | ---: | --- |'];
  for (const [goal, text] of Object.entries(GOALS)) {
    const of = rows.filter((r) => r.goal === goal);
    if (!of.length) {
      lines.push(`| ${text} | 0 | – | not measured |`);
      continue;
    }
    const worst = of.reduce((a, b) => (b.stat.median > a.stat.median ? b : a));
    const missed = of.filter((r) => !r.met).length;
    lines.push(
      `| ${text} | ${of.length} | ${fmt(worst.stat.median, worst.stat.unit)} (${worst.measurement}) | ${missed ? `**no** (${missed} of ${of.length} missed)` : 'yes'} |`,
    );
  }
  return lines.join('\n');
}
