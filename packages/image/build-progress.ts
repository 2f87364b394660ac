import type { BuildStats, BuildStep } from './types';

interface Vertex {
  digest: string;
  name: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

interface SolveStatus {
  vertexes?: Vertex[];
  logs?: { vertex: string; data?: string }[];
}

/** A Dockerfile step, as BuildKit names it: `[2/4] RUN …`, `[build 3/5] COPY …`, `[linux/arm64 deps 1/3] FROM …`. */
const STEP_NAME = /^\[(?:[^\]]*\s)?\d+\/\d+\]\s/;

/**
 * Reads `docker buildx build --progress=rawjson` output as it streams: one pretty-printed JSON
 * SolveStatus after another on stderr, with the client's own plain lines (the failing Dockerfile
 * excerpt, `ERROR: …`) in between. It keeps every vertex's last state and writes one log line per
 * step state change, numbered like BuildKit's plain progress.
 */
export class BuildProgress {
  private readonly vertices = new Map<
    string,
    Vertex & { number: number; announced: boolean; done: boolean }
  >();
  private readonly plain: string[] = [];
  private buffer: string[] | undefined;
  private startedCount = 0;
  private readonly partialLogs = new Map<string, string>();

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  /** Feed each line of buildx's stderr, in order. */
  feed(line: string): void {
    if (this.buffer === undefined) {
      if (line === '{') this.buffer = [line];
      else if (line.trim() !== '') this.plain.push(line);
      return;
    }
    this.buffer.push(line);
    if (line !== '}') return;
    const text = this.buffer.join('\n');
    this.buffer = undefined;
    let status: SolveStatus;
    try {
      status = JSON.parse(text) as SolveStatus;
    } catch {
      this.plain.push(...text.split('\n'));
      return;
    }
    this.apply(status);
  }

  private apply(status: SolveStatus): void {
    for (const update of status.vertexes ?? []) {
      let vertex = this.vertices.get(update.digest);
      if (!vertex) {
        vertex = { ...update, number: 0, announced: false, done: false };
        this.vertices.set(update.digest, vertex);
      } else {
        Object.assign(vertex, update);
      }
      // A step served from the cache may arrive with `cached` and no timestamps at all.
      const finished = Boolean(vertex.completed || vertex.error || vertex.cached);
      if (!vertex.announced && (vertex.started || finished)) this.announce(vertex);
      if (!vertex.done && finished) {
        vertex.done = true;
        if (vertex.error) this.log(`#${vertex.number} ERROR: ${vertex.error}`);
        else if (vertex.cached) this.log(`#${vertex.number} CACHED`);
        else this.log(`#${vertex.number} DONE ${seconds(vertex)}`);
      }
    }
    for (const entry of status.logs ?? []) {
      const vertex = this.vertices.get(entry.vertex);
      const data = Buffer.from(entry.data ?? '', 'base64').toString('utf8');
      const text = (this.partialLogs.get(entry.vertex) ?? '') + data;
      const lines = text.split(/\r?\n/);
      this.partialLogs.set(entry.vertex, lines.pop() ?? '');
      for (const line of lines) this.log(`#${vertex?.number ?? '?'} ${line}`);
    }
  }

  /** Numbered as they start, like BuildKit's plain progress. */
  private announce(vertex: { number: number; announced: boolean; name: string }): void {
    vertex.announced = true;
    vertex.number = ++this.startedCount;
    this.log(`#${vertex.number} ${vertex.name}`);
  }

  /**
   * The Dockerfile steps of the build: BuildKit's internal vertices are left out, and so are the FROM
   * lines, which resolve a base image rather than compute a layer (with an imported cache BuildKit
   * reports them as fresh even though nothing ran).
   */
  steps(): BuildStep[] {
    const steps: BuildStep[] = [];
    for (const vertex of this.vertices.values()) {
      const step = STEP_NAME.exec(vertex.name);
      if (!step || vertex.name.slice(step[0].length).startsWith('FROM ')) continue;
      steps.push({
        name: vertex.name,
        cached: vertex.cached === true,
        durationMs: duration(vertex),
        ...(vertex.error ? { error: vertex.error } : {}),
      });
    }
    // In Dockerfile order: BuildKit announces vertices in whatever order its solver reaches them.
    return steps.sort((a, b) => stepOrder(a.name).localeCompare(stepOrder(b.name), 'en', { numeric: true }));
  }

  stats(durationMs: number): BuildStats {
    const steps = this.steps();
    return { steps: steps.length, cached: steps.filter((step) => step.cached).length, durationMs };
  }

  /** What buildx printed outside the JSON stream: warnings, the failing Dockerfile excerpt, `ERROR: …`. */
  plainLines(): string[] {
    return [...this.plain];
  }
}

/** `[build 2/5] RUN …` sorts as `build 0002`, so stages stay together and steps in order. */
function stepOrder(name: string): string {
  const match = /^\[(?:([^\]]*)\s)?(\d+)\/\d+\]/.exec(name);
  return `${match?.[1] ?? ''} ${(match?.[2] ?? '').padStart(4, '0')}`;
}

function duration(vertex: Vertex): number | undefined {
  if (!vertex.started || !vertex.completed) return undefined;
  return Math.max(0, Date.parse(vertex.completed) - Date.parse(vertex.started));
}

function seconds(vertex: Vertex): string {
  const ms = duration(vertex);
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)}s`;
}
