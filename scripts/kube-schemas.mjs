#!/usr/bin/env node
// Generates the offline Kubernetes schemas render-helm validates against, from the OpenAPI v3 spec that
// ships in the k8s.io/kubernetes Go module (api/openapi-spec/v3). One compressed module per minor:
//   packages/helm/kube-schemas/kube-<minor>.ts  and the index  packages/helm/kube-schemas/versions.ts
// Usage: node scripts/kube-schemas.mjs v1.34.4 v1.35.4 v1.36.3
// The module is fetched with `go mod download` when the Go module cache does not hold it yet.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'packages', 'helm', 'kube-schemas');
const REF_PREFIX = '#/components/schemas/';

function specDir(version) {
  const cache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  let dir = path.join(cache, 'k8s.io', `kubernetes@${version}`);
  if (!existsSync(dir)) {
    const info = JSON.parse(
      execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
        encoding: 'utf8',
        cwd: outDir,
      }),
    );
    dir = info.Dir;
  }
  return path.join(dir, 'api', 'openapi-spec', 'v3');
}

/** Every kind a client can create (a POST on a collection), with its scope and its schema's name. */
function creatableKinds(specs) {
  const kinds = new Map();
  for (const spec of specs) {
    for (const [route, item] of Object.entries(spec.paths ?? {})) {
      const post = item.post;
      const gvk = post?.['x-kubernetes-group-version-kind'];
      if (!gvk || post['x-kubernetes-action'] !== 'post') continue;
      // Collections end in their plural; subresources (…/{name}/eviction) are not objects of their own.
      if (/\{name\}/.test(route)) continue;
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      const key = `${apiVersion} ${gvk.kind}`;
      const schema = findSchema(spec, gvk);
      if (!schema) continue;
      const namespaced = route.includes('{namespace}');
      const known = kinds.get(key);
      kinds.set(key, { schema, namespaced: (known?.namespaced ?? false) || namespaced });
    }
  }
  return kinds;
}

function findSchema(spec, gvk) {
  for (const [name, schema] of Object.entries(spec.components?.schemas ?? {})) {
    const list = schema['x-kubernetes-group-version-kind'] ?? [];
    if (list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind))
      return name;
  }
  return undefined;
}

// A quantity as the API server parses it: 500m, 1.5Gi, 1e3, 128974848.
const QUANTITY = '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[mkMGTPE])?$';

/** Keeps what validation needs: types, properties, required, enums; unknown fields become errors. */
function compact(schema, name) {
  if (Array.isArray(schema)) return schema.map((s) => compact(s, undefined));
  if (schema === null || typeof schema !== 'object') return schema;
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties) return {};
  if (schema['x-kubernetes-int-or-string']) return { oneOf: [{ type: 'integer' }, { type: 'string' }] };
  if (schema.allOf?.length === 1 && schema.allOf[0].$ref && Object.keys(schema).every(droppedOr('allOf'))) {
    return { $ref: shortRef(schema.allOf[0].$ref) };
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref') out.$ref = shortRef(value);
    else if (key === 'properties')
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
    else if (['items', 'additionalProperties', 'oneOf', 'anyOf', 'allOf', 'not'].includes(key))
      out[key] = typeof value === 'boolean' ? value : compact(value);
    else if (['type', 'required', 'enum', 'pattern', 'minimum', 'maximum'].includes(key)) out[key] = value;
  }
  if (schema.nullable && out.type) out.type = [].concat(out.type, 'null');
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    !schema['x-kubernetes-preserve-unknown-fields']
  )
    out.additionalProperties = false;
  if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity')
    return { oneOf: [{ type: 'string', pattern: QUANTITY }, { type: 'number' }] };
  return out;
}

const droppedOr = (kept) => (key) =>
  key === kept || key === 'description' || key === 'default' || key.startsWith('x-kubernetes-');

function shortRef(ref) {
  if (!ref.startsWith(REF_PREFIX)) throw new Error(`unexpected $ref ${ref}`);
  return `#/definitions/${ref.slice(REF_PREFIX.length)}`;
}

/** The schemas reachable from the kinds, and nothing else. */
function reachable(allSchemas, roots) {
  const seen = new Set();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    JSON.stringify(allSchemas[name], (key, value) => {
      if (key === '$ref' && typeof value === 'string') stack.push(value.slice(REF_PREFIX.length));
      return value;
    });
  }
  return [...seen].sort();
}

function generate(version) {
  const dir = specDir(version);
  const specs = readdirSync(dir)
    .filter((file) => file.endsWith('_openapi.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  const allSchemas = {};
  for (const spec of specs) Object.assign(allSchemas, spec.components?.schemas ?? {});
  const kinds = creatableKinds(specs);
  const names = reachable(
    allSchemas,
    [...kinds.values()].map((k) => k.schema),
  );
  const definitions = Object.fromEntries(names.map((name) => [name, compact(allSchemas[name], name)]));
  const minor = version.replace(/^v/, '').split('.').slice(0, 2).join('.');
  const bundle = {
    kubeVersion: version.replace(/^v/, ''),
    kinds: Object.fromEntries([...kinds.entries()].sort(([a], [b]) => a.localeCompare(b))),
    definitions,
  };
  const json = JSON.stringify(bundle);
  const packed = gzipSync(json, { level: 9 }).toString('base64');
  const file = path.join(outDir, `kube-${minor}.ts`);
  const lines = [
    `// Generated by scripts/kube-schemas.mjs from k8s.io/kubernetes@${version} api/openapi-spec/v3. Do not edit.`,
    `// ${kinds.size} kinds, ${names.length} definitions; gzip, base64.`,
    `export const kubeVersion = '${bundle.kubeVersion}';`,
    `export const packed =`,
    `  '${packed}';`,
    '',
  ];
  writeFileSync(file, lines.join('\n'));
  console.log(
    `${path.relative(root, file)}  ${kinds.size} kinds  ${names.length} definitions  ${(json.length / 1024).toFixed(0)} KiB → ${(packed.length / 1024).toFixed(0)} KiB`,
  );
  return { minor, version: bundle.kubeVersion };
}

function writeIndex(generated) {
  const sorted = [...generated].sort((a, b) => compareMinor(a.minor, b.minor));
  const lines = [
    '// Generated by scripts/kube-schemas.mjs. Do not edit.',
    "import type { PackedKubeSchemas } from '../types';",
    '',
    '/** The Kubernetes minors whose schemas ship with render-helm, oldest first, and the patch each was taken from. */',
    'export const SUPPORTED_KUBE_VERSIONS: Readonly<Record<string, string>> = {',
    ...sorted.map((g) => `  '${g.minor}': '${g.version}',`),
    '};',
    '',
    '/** Loads one minor lazily: each is its own chunk in the bundle. */',
    'export function loadPackedSchemas(minor: string): Promise<PackedKubeSchemas> | undefined {',
    '  switch (minor) {',
    ...sorted.flatMap((g) => [`    case '${g.minor}':`, `      return import('./kube-${g.minor}');`]),
    '    default:',
    '      return undefined;',
    '  }',
    '}',
    '',
  ];
  writeFileSync(path.join(outDir, 'versions.ts'), lines.join('\n'));
}

function compareMinor(a, b) {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am - bm || an - bn;
}

const versions = process.argv.slice(2);
if (versions.length === 0) {
  console.error('usage: node scripts/kube-schemas.mjs v1.34.4 v1.35.4 v1.36.3');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
writeIndex(versions.map(generate));
