// GitHub's published OpenAPI description (api.github.com, from @octokit/openapi) as request routes and
// JSON Schema validators. The file is 13 MB: it is read once per process, on the first request that needs it.
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const SPEC_FILE = '@octokit/openapi/generated/api.github.com.json';
const SPEC_ID = 'https://api.github.com/openapi.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  /** Path parameters that may hold slashes (a commit ref like heads/main). */
  multiSegment: boolean;
  /** JSON pointer (inside the spec) to the parameter's schema. */
  schemaPointer: string;
}

export interface Operation {
  operationId: string;
  method: string;
  /** The path template as the description spells it, e.g. /repos/{owner}/{repo}/deployments. */
  template: string;
  docsUrl: string;
  parameters: Parameter[];
  /** JSON pointer to the application/json request body schema, when the operation takes a body. */
  requestBody?: { required: boolean; schemaPointer: string };
  /** Documented response codes: JSON pointer to the application/json schema, or null when none is described. */
  responses: Map<string, string | null>;
}

export interface OperationMatch {
  operation: Operation;
  params: Record<string, string>;
}

export interface SchemaProblem {
  /** Where in the checked value, GitHub style: `properties/environment`, or `` for the whole value. */
  where: string;
  message: string;
}

interface Route {
  operation: Operation;
  pattern: RegExp;
  names: string[];
  literalSegments: number;
}

/** The API description, its routes and compiled validators; made once per process. */
export class GitHubOpenApi {
  private readonly routes: Route[] = [];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  readonly spec: JsonObject;

  constructor(spec: JsonObject) {
    this.spec = spec;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
    addFormats(this.ajv);
    // Formats GitHub's description uses that are OpenAPI type hints, not string formats JSON Schema knows.
    for (const hint of ['int32', 'int64', 'double', 'timestamp', 'binary', 'repo.nwo'])
      this.ajv.addFormat(hint, true);
    // Only paths and components are needed: refs inside them are all `#/components/...` of this document.
    this.ajv.addSchema({ $id: SPEC_ID, paths: spec.paths, components: spec.components } as object);
    this.buildRoutes();
  }

  /** The operation a request addresses, or undefined when GitHub's API has no such endpoint. */
  match(method: string, pathname: string): OperationMatch | undefined {
    let best: { route: Route; values: string[] } | undefined;
    for (const route of this.routes) {
      if (route.operation.method !== method) continue;
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      if (!best || route.literalSegments > best.route.literalSegments)
        best = { route, values: found.slice(1) };
    }
    if (!best) return undefined;
    const params: Record<string, string> = {};
    best.route.names.forEach((name, i) => {
      params[name] = decodeURIComponent(best.values[i] ?? '');
    });
    return { operation: best.route.operation, params };
  }

  /** Whether GitHub's API has this path with any method (to tell 404 from a wrong method). */
  knowsPath(pathname: string): string[] {
    return this.routes.filter((r) => r.pattern.test(pathname)).map((r) => r.operation.method.toUpperCase());
  }

  /** Validates a value against the schema at a JSON pointer of the description; [] when valid. */
  validate(schemaPointer: string, value: unknown): SchemaProblem[] {
    let validator = this.validators.get(schemaPointer);
    if (!validator) {
      validator = this.ajv.compile({ $ref: `${SPEC_ID}#${schemaPointer}` });
      this.validators.set(schemaPointer, validator);
    }
    if (validator(value)) return [];
    return describeErrors(validator.errors ?? [], value);
  }

  /** The `type` of the schema at a pointer (through $ref and the null alternative of a nullable). */
  typeOf(schemaPointer: string): string | undefined {
    const type = this.schemaAt(schemaPointer).type;
    return typeof type === 'string' ? type : undefined;
  }

  /**
   * The properties an object schema names when it leaves others open: GitHub ignores the others, which
   * makes a misspelt one a silent bug. Undefined when the schema says nothing or allows any.
   */
  declaredProperties(schemaPointer: string): string[] | undefined {
    const schema = this.schemaAt(schemaPointer);
    const properties = schema.properties;
    if (!properties || typeof properties !== 'object' || schema.additionalProperties !== undefined)
      return undefined;
    return Object.keys(properties);
  }

  private schemaAt(pointer: string): JsonObject {
    let schema = this.resolve(pointer) as JsonObject;
    for (let hops = 0; hops < 10; hops++) {
      if (typeof schema.$ref === 'string') {
        schema = this.resolve(schema.$ref.slice(1)) as JsonObject;
        continue;
      }
      const anyOf = schema.anyOf as JsonObject[] | undefined;
      if (anyOf?.length === 2 && (anyOf[0] as JsonObject).type === 'null') {
        schema = anyOf[1] as JsonObject;
        continue;
      }
      break;
    }
    return schema;
  }

  private buildRoutes(): void {
    const paths = this.spec.paths as Record<string, Record<string, JsonObject>>;
    for (const [template, item] of Object.entries(paths)) {
      const shared = (item.parameters as unknown as JsonObject[] | undefined) ?? [];
      for (const [method, raw] of Object.entries(item)) {
        if (!['get', 'put', 'post', 'patch', 'delete', 'head', 'options'].includes(method)) continue;
        const base = `/paths/${escapePointer(template)}/${method}`;
        const operation = this.toOperation(template, method, raw, base, shared);
        this.routes.push(toRoute(operation));
      }
    }
  }

  private toOperation(
    template: string,
    method: string,
    raw: JsonObject,
    base: string,
    shared: JsonObject[],
  ): Operation {
    const parameters: Parameter[] = [];
    const declared = [...shared, ...((raw.parameters as JsonObject[] | undefined) ?? [])];
    declared.forEach((entry, index) => {
      const pointer = typeof entry.$ref === 'string' ? entry.$ref.slice(1) : `${base}/parameters/${index}`;
      const param = this.resolve(pointer) as JsonObject;
      parameters.push({
        name: String(param.name),
        in: param.in as Parameter['in'],
        required: param.required === true,
        multiSegment: param['x-multi-segment'] === true,
        schemaPointer: `${pointer}/schema`,
      });
    });
    let requestBody: Operation['requestBody'];
    const body = raw.requestBody as JsonObject | undefined;
    if (body) {
      const pointer = typeof body.$ref === 'string' ? body.$ref.slice(1) : `${base}/requestBody`;
      const resolved = this.resolve(pointer) as JsonObject;
      const content = resolved.content as Record<string, JsonObject> | undefined;
      if (content?.['application/json']) {
        requestBody = {
          required: resolved.required === true,
          schemaPointer: `${pointer}/content/application~1json/schema`,
        };
      }
    }
    const responses = new Map<string, string | null>();
    for (const [code, entry] of Object.entries((raw.responses as Record<string, JsonObject>) ?? {})) {
      const pointer = typeof entry.$ref === 'string' ? entry.$ref.slice(1) : `${base}/responses/${code}`;
      const resolved = this.resolve(pointer) as JsonObject;
      const content = resolved.content as Record<string, JsonObject> | undefined;
      const json = content?.['application/json'] ?? content?.['application/scim+json'];
      responses.set(code, json?.schema ? `${pointer}/content/application~1json/schema` : null);
    }
    const docs = raw.externalDocs as JsonObject | undefined;
    return {
      operationId: String(raw.operationId),
      method,
      template,
      docsUrl: typeof docs?.url === 'string' ? docs.url : 'https://docs.github.com/rest',
      parameters,
      requestBody,
      responses,
    };
  }

  private resolve(pointer: string): Json {
    let node: Json = this.spec;
    for (const part of pointer.split('/').slice(1)) {
      if (node === null || typeof node !== 'object')
        throw new Error(`no ${pointer} in GitHub's API description`);
      node = (node as JsonObject)[unescapePointer(part)] as Json;
    }
    return node;
  }
}

function toRoute(operation: Operation): Route {
  const names: string[] = [];
  let literalSegments = 0;
  const source = operation.template
    .split('/')
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      if (!param) {
        literalSegments += 1;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      const name = param[1] as string;
      names.push(name);
      const multi = operation.parameters.some((p) => p.name === name && p.in === 'path' && p.multiSegment);
      return multi ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { operation, pattern: new RegExp(`^${source}$`), names, literalSegments };
}

function escapePointer(part: string): string {
  // JSON pointer escaping, then URI-fragment escaping of what a fragment may not hold ({, }).
  return encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1')).replace(/%7E/gi, '~');
}

function unescapePointer(part: string): string {
  return decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
}

/** GitHub's wording for schema failures: "For 'properties/environment', 5 is not a string." */
function describeErrors(errors: ErrorObject[], root: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // anyOf/oneOf report each failed branch and then themselves; the summary line is enough.
    if (error.keyword === 'if' || error.keyword === 'false schema') continue;
    const segments = error.instancePath.split('/').slice(1).map(unescapePointer);
    const where = segments.map((s) => (/^\d+$/.test(s) ? `items/${s}` : `properties/${s}`)).join('/');
    const value = valueAt(root, segments);
    let message: string;
    switch (error.keyword) {
      case 'required':
        message = `"${String(error.params.missingProperty)}" wasn't supplied.`;
        break;
      case 'type':
        message = `${JSON.stringify(value)} is not ${article(String(error.params.type))}.`;
        break;
      case 'enum':
        message = `${JSON.stringify(value)} is not a member of ${JSON.stringify(error.params.allowedValues)}.`;
        break;
      case 'additionalProperties':
        message = `"${String(error.params.additionalProperty)}" is not a permitted key.`;
        break;
      case 'format':
        message = `${JSON.stringify(value)} is not a valid ${String(error.params.format)}.`;
        break;
      default:
        message = `${JSON.stringify(value)} ${error.message ?? 'is invalid'}.`;
    }
    const key = `${where}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ where, message });
  }
  return problems;
}

function article(type: string): string {
  const name = type.replace(/,/g, ' or ');
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

function valueAt(root: unknown, segments: string[]): unknown {
  let node = root;
  for (const s of segments)
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[s] : undefined;
  return node;
}

/**
 * OpenAPI 3.0 → JSON Schema, in place, where the two differ for GitHub's description:
 * - `nullable: true` becomes `anyOf: [{type: null}, the rest]` (Ajv only understands it beside a `type`,
 *   and an `enum` beside it must then list null, which GitHub's description often does not);
 * - a `format` whose own `default` is "" also accepts "" (deployment statuses answer `"target_url": ""`).
 */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  for (const [key, value] of Object.entries(node)) {
    if (value !== null && typeof value === 'object') node[key] = toJsonSchema(value);
  }
  if (typeof node.format === 'string' && node.default === '') {
    node.anyOf = [{ const: '' }, { format: node.format }];
    delete node.format;
  }
  if (node.nullable === true) {
    const rest: JsonObject = { ...node };
    delete rest.nullable;
    for (const key of Object.keys(node)) delete node[key];
    if (rest.description !== undefined) node.description = rest.description;
    node.anyOf = [{ type: 'null' }, rest];
  } else if (node.nullable === false) {
    delete node.nullable;
  }
  return node;
}

let loaded: GitHubOpenApi | undefined;

/** The description of api.github.com, loaded and prepared on first use. */
export function githubOpenApi(): GitHubOpenApi {
  if (!loaded) {
    const file = require.resolve(SPEC_FILE);
    const spec = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
    toJsonSchema(spec.paths as Json);
    toJsonSchema(spec.components as Json);
    loaded = new GitHubOpenApi(spec);
  }
  return loaded;
}
