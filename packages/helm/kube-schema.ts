import { gunzipSync } from 'node:zlib';
import type { default as Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { UserError } from '@swiss-deploy/kit';
import { SUPPORTED_KUBE_VERSIONS, loadPackedSchemas } from './kube-schemas/versions';
import { describeObject } from './manifests';
import type { KubeSchemas, ObjectId, RenderedDocument, SchemaProblem } from './types';

/** `1.36`, `v1.36` or `1.36.3` → `1.36`, or undefined when that minor's schemas do not ship. */
export function supportedKubeMinor(kubeVersion: string): string | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(kubeVersion.trim());
  if (!match) return undefined;
  const minor = `${match[1]}.${match[2]}`;
  return minor in SUPPORTED_KUBE_VERSIONS ? minor : undefined;
}

export function supportedKubeVersions(): string[] {
  return Object.keys(SUPPORTED_KUBE_VERSIONS);
}

/** The newest Kubernetes minor whose schemas ship: the default target. */
export function newestKubeVersion(): string {
  return supportedKubeVersions().at(-1) as string;
}

export async function loadKubeSchemas(kubeVersion: string): Promise<KubeSchemas> {
  const minor = supportedKubeMinor(kubeVersion);
  const loading = minor === undefined ? undefined : loadPackedSchemas(minor);
  if (!loading) {
    throw new UserError(`Kubernetes ${kubeVersion} has no bundled schemas.`, {
      hint: `Use one of: ${supportedKubeVersions().join(', ')}.`,
    });
  }
  const { packed } = await loading;
  return JSON.parse(gunzipSync(Buffer.from(packed, 'base64')).toString('utf8')) as KubeSchemas;
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
}

/** Nulls mean "unset" to the API server; a template that renders `resources: null` is not wrong. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) out[key] = withoutNulls(child);
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `/spec/containers/0/image` → `spec.containers[0].image`; keys with dots or slashes are quoted. */
export function fieldPath(pointer: string, extra?: string): string {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/');
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

const ARTICLE: Record<string, string> = {
  integer: 'an integer',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** Turns ajv's errors into one readable line per field. */
function describeErrors(errors: readonly ErrorObject[]): { field: string; message: string }[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    const list = byPath.get(error.instancePath) ?? [];
    list.push(error);
    byPath.set(error.instancePath, list);
  }
  const out: { field: string; message: string }[] = [];
  for (const [pointer, list] of byPath) {
    const choice = list.find((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
    if (choice) {
      const data = choice.data;
      if (choice.schemaPath.includes('Quantity')) {
        out.push({
          field: fieldPath(pointer),
          message: `is not a Kubernetes quantity such as 500m, 128Mi or 2 (got ${shown(data)})`,
        });
        continue;
      }
      const types = list
        .filter((e) => e.keyword === 'type')
        .map((e) => ARTICLE[String(e.params.type)] ?? String(e.params.type));
      out.push({
        field: fieldPath(pointer),
        message: `must be ${types.join(' or ') || 'one of the allowed forms'}, got ${typeName(data)} ${shown(data)}`,
      });
      continue;
    }
    for (const error of list) {
      switch (error.keyword) {
        case 'additionalProperties':
          out.push({
            field: fieldPath(pointer, String(error.params.additionalProperty)),
            message: 'is not a field of this object',
          });
          break;
        case 'required':
          out.push({
            field: fieldPath(pointer, String(error.params.missingProperty)),
            message: 'is required',
          });
          break;
        case 'type': {
          const expected = [error.params.type].flat().map((t) => ARTICLE[String(t)] ?? String(t));
          out.push({
            field: fieldPath(pointer),
            message: `must be ${expected.join(' or ')}, got ${typeName(error.data)} ${shown(error.data)}`,
          });
          break;
        }
        case 'enum':
          out.push({
            field: fieldPath(pointer),
            message: `must be one of ${(error.params.allowedValues as unknown[]).map(shown).join(', ')}, got ${shown(error.data)}`,
          });
          break;
        default:
          out.push({ field: fieldPath(pointer), message: error.message ?? error.keyword });
      }
    }
  }
  return out;
}

export interface SchemaReport {
  problems: SchemaProblem[];
  /** Objects of kinds the bundled schemas do not know (custom resources): not validated. */
  unchecked: ObjectId[];
  checked: number;
}

/**
 * Checks every rendered object against the Kubernetes schemas of one minor, offline: a kind that
 * minor does not serve, a field it does not have, a value of the wrong type. Unknown fields are errors
 * (the API server would drop them silently, which hides typos).
 */
export class KubeSchemaValidator {
  private readonly groups: Set<string>;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(
    readonly schemas: KubeSchemas,
    private readonly ajv: Ajv,
  ) {
    this.groups = new Set(Object.keys(schemas.kinds).map((key) => groupOf(key.split(' ')[0] as string)));
  }

  static async create(kubeVersion: string): Promise<KubeSchemaValidator> {
    const schemas = await loadKubeSchemas(kubeVersion);
    // Loaded only now: a failed input check never pays for the schema compiler.
    const { default: AjvClass } = await import('ajv');
    const ajv = new AjvClass({ allErrors: true, strict: false, verbose: true, allowUnionTypes: true });
    ajv.addSchema({ $id: 'kube', definitions: schemas.definitions });
    return new KubeSchemaValidator(schemas, ajv);
  }

  get kubeVersion(): string {
    return this.schemas.kubeVersion;
  }

  isClusterScoped = (apiVersion: string, kind: string): boolean =>
    this.schemas.kinds[`${apiVersion} ${kind}`]?.namespaced === false;

  private validatorFor(schema: string): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.getSchema(`kube#/definitions/${schema}`);
      if (!validate) throw new Error(`bundled schema ${schema} is missing`);
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  /** The served apiVersions of a kind, to suggest when a template uses one that is gone. */
  private servedVersions(kind: string): string[] {
    return Object.keys(this.schemas.kinds)
      .filter((key) => key.endsWith(` ${kind}`))
      .map((key) => key.split(' ')[0] as string);
  }

  validate(documents: readonly RenderedDocument[], ids: readonly ObjectId[]): SchemaReport {
    const problems: SchemaProblem[] = [];
    const unchecked: ObjectId[] = [];
    let checked = 0;
    const minor = this.kubeVersion.split('.').slice(0, 2).join('.');
    documents.forEach((document, index) => {
      const id = ids[index] as ObjectId;
      const object = describeObject(id);
      const entry = this.schemas.kinds[`${id.apiVersion} ${id.kind}`];
      if (!entry) {
        if (!this.groups.has(groupOf(id.apiVersion))) {
          unchecked.push(id);
          return;
        }
        const served = this.servedVersions(id.kind);
        problems.push({
          object,
          source: document.source,
          field: 'apiVersion',
          message:
            served.length > 0
              ? `${id.apiVersion} ${id.kind} is not served by Kubernetes ${minor}; use ${served.join(' or ')}`
              : `Kubernetes ${minor} has no kind ${id.kind} in ${id.apiVersion}`,
        });
        return;
      }
      checked++;
      const validate = this.validatorFor(entry.schema);
      if (validate(withoutNulls(document.object))) return;
      for (const { field, message } of describeErrors(validate.errors ?? [])) {
        problems.push({ object, source: document.source, field, message });
      }
    });
    return { problems, unchecked, checked };
  }
}

/** One line per problem: object, template, field, what is wrong. */
export function formatSchemaProblem(problem: SchemaProblem): string {
  const where = problem.source ? ` (${problem.source})` : '';
  return `${problem.object}${where}: ${problem.field === '' ? '' : `${problem.field} `}${problem.message}`;
}
