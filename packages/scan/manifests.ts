import { isMap, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { parseYamlDocuments } from '@swiss-deploy/kit';

export type YamlPath = readonly (string | number)[];

/** One Kubernetes object of a rendered manifest, with a way back to the line of any of its fields. */
export interface ManifestObject {
  /** The manifest file, as it should appear in annotations and SARIF (relative to the workspace). */
  file: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The Helm template that produced it, from the `# Source:` comment helm writes. */
  source?: string;
  value: Record<string, unknown>;
  /** The 1-based line of the field at `path`, or of its nearest present parent. */
  lineOf(path: YamlPath): number;
}

/** `Kind/namespace/name`, or `Kind/name` for an object without a namespace. */
export function objectName(object: ManifestObject): string {
  return [object.kind, object.namespace, object.name].filter(Boolean).join('/');
}

/**
 * Parses a multi-document manifest, keeping positions. A document that is not YAML is the user's
 * problem (a broken template), reported with its file and line.
 */
export function parseManifests(text: string, file: string): ManifestObject[] {
  // The manifest dialect (YAML 1.1), as deploy reads them; a duplicate key is deploy's to refuse, not scan's.
  const { documents, lineCounter } = parseYamlDocuments(text, {
    source: file,
    file: true,
    uniqueKeys: false,
  });
  const objects: ManifestObject[] = [];
  for (const { document: doc, value } of documents) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const record = value as Record<string, unknown>;
    if (typeof record.kind !== 'string') continue;
    const metadata = (record.metadata ?? {}) as Record<string, unknown>;
    objects.push({
      file,
      kind: record.kind,
      name: typeof metadata.name === 'string' ? metadata.name : '(unnamed)',
      namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
      source: helmSource(doc),
      value: record,
      lineOf: (path) => lineOfPath(doc, lineCounter, path),
    });
  }
  return objects;
}

function helmSource(doc: Document): string | undefined {
  // helm writes it right after `---`: the yaml parser hangs it on the document or on its first node
  const contents = doc.contents as { commentBefore?: string | null } | null;
  const match = /Source:\s*(\S+)/.exec(`${doc.commentBefore ?? ''}\n${contents?.commentBefore ?? ''}`);
  return match?.[1];
}

function lineOfPath(doc: Document, lineCounter: LineCounter, path: YamlPath): number {
  let node: Node | null | undefined = doc.contents as Node | null;
  let best = node?.range ? node.range[0] : 0;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const key = item.key as { value?: unknown } | null;
        return key !== null && typeof key === 'object' && key.value === step;
      });
      if (!pair) break;
      const key = pair.key as Node;
      if (key.range) best = key.range[0];
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step] as Node | undefined;
      if (!item) break;
      if (item.range) best = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return lineCounter.linePos(best).line;
}
