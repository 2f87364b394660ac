import { UserError, YamlError, parseYaml } from '@swiss-deploy/kit';
import type { ObjectId, RenderedDocument } from './types';

/**
 * Splits helm's output into its documents, keeping the template each came from (`# Source:`) and the
 * line where it starts. Documents are read as YAML 1.1, the way the API server and kubectl read them
 * (`on` is true there).
 */
export function splitManifests(text: string): RenderedDocument[] {
  const lines = text.split('\n');
  const documents: RenderedDocument[] = [];
  let start = 0;
  const flush = (end: number) => {
    const chunk = lines.slice(start, end);
    const sourceLine = chunk.find((line) => line.startsWith('# Source: '));
    const source = sourceLine?.slice('# Source: '.length).trim();
    const body = chunk.join('\n');
    if (body.trim() !== '') {
      let value: unknown;
      try {
        value = parseYaml(body, { source: 'helm output', uniqueKeys: false, lineOffset: start });
      } catch (error) {
        if (!(error instanceof YamlError)) throw error;
        const at = error.line === undefined ? '' : ` (line ${error.line} of the output)`;
        throw new UserError(
          `The rendered output of ${source ?? 'a template'} is not valid YAML${at}: ${error.reason}`,
          {
            hint: error.limit
              ? `Change the template so it writes the values out; the YAML goes over the parser's ${error.limit} limit.`
              : 'Fix the template so it renders one YAML document per object.',
          },
        );
      }
      if (value !== null && value !== undefined) {
        if (typeof value !== 'object' || Array.isArray(value)) {
          throw new UserError(
            `${source ?? 'A template'} renders a YAML ${Array.isArray(value) ? 'list' : typeof value} where a Kubernetes object belongs.`,
            {
              hint: 'Each document a template renders must be one object with apiVersion, kind and metadata.',
            },
          );
        }
        documents.push({ source, line: start + 1, object: value as Record<string, unknown> });
      }
    }
  };
  for (let i = 0; i < lines.length; i++) {
    if (/^---\s*$/.test(lines[i] as string)) {
      flush(i);
      start = i + 1;
    }
  }
  flush(lines.length);
  return documents;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Who an object is. An object without a namespace lands in the release namespace, unless its kind is
 * cluster-scoped; `isClusterScoped` knows the built-in kinds.
 */
export function objectId(
  document: RenderedDocument,
  releaseNamespace: string,
  isClusterScoped: (apiVersion: string, kind: string) => boolean,
): ObjectId {
  const { object, source } = document;
  const apiVersion = text(object.apiVersion);
  const kind = text(object.kind);
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const name = text(metadata.name);
  const where = source ?? `the document at line ${document.line}`;
  if (!apiVersion || !kind || !name) {
    const missing = [!apiVersion && 'apiVersion', !kind && 'kind', !name && 'metadata.name'].filter(Boolean);
    throw new UserError(`${where} renders an object without ${missing.join(', ')}.`, {
      hint: 'Every rendered object needs apiVersion, kind and metadata.name.',
    });
  }
  const clusterScoped = isClusterScoped(apiVersion, kind);
  const namespace = clusterScoped ? undefined : (text(metadata.namespace) ?? releaseNamespace);
  return { apiVersion, kind, ...(namespace === undefined ? {} : { namespace }), name };
}

export function describeObject(id: Pick<ObjectId, 'kind' | 'name'>): string {
  return `${id.kind} "${id.name}"`;
}

/** Fails when two documents are the same object: the second would silently overwrite the first. */
export function assertUnique(ids: readonly ObjectId[], documents: readonly RenderedDocument[]): void {
  const seen = new Map<string, number>();
  ids.forEach((id, index) => {
    const group = id.apiVersion.includes('/') ? id.apiVersion.split('/')[0] : '';
    const key = `${group}/${id.kind}/${id.namespace ?? ''}/${id.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      const where = (i: number) => documents[i]?.source ?? `line ${documents[i]?.line}`;
      throw new UserError(
        `${describeObject(id)} is rendered twice, by ${where(first)} and by ${where(index)}; the second would overwrite the first.`,
        { hint: 'Give each object its own name, or render it from one template only.' },
      );
    }
    seen.set(key, index);
  });
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];

/**
 * Every container image an object runs, wherever its pod template sits (Deployment, CronJob, a custom
 * resource that embeds a pod spec): any `containers`-style list of objects with an `image`.
 */
export function imagesOf(object: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (CONTAINER_LISTS.includes(key) && Array.isArray(value)) {
        for (const container of value) {
          const image = (container as Record<string, unknown> | null)?.image;
          if (typeof image === 'string') found.push(image);
        }
      }
      visit(value);
    }
  };
  visit(object);
  return found;
}

export function isPinnedByDigest(image: string): boolean {
  return /@sha256:[a-f0-9]{64}$/.test(image);
}
