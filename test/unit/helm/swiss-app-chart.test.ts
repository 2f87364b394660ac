import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../support/versions';

const chart = path.join(repoRoot, 'charts', 'swiss-app');
const values = parseYaml(readFileSync(path.join(chart, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(path.join(chart, 'values.schema.json'), 'utf8')) as object;

/** Every value path: leaves, and mappings or lists that a user replaces as a whole. */
function leaves(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0)
    return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

function documentedValues(): string[] {
  const readme = readFileSync(path.join(chart, 'README.md'), 'utf8');
  return [...readme.matchAll(/^\| `([\w.]+)` \|/gm)].map((m) => m[1] as string);
}

describe('the swiss-app chart', () => {
  it('lists every value in its README', () => {
    const documented = documentedValues();
    const missing = leaves(values).filter(
      (leaf) => !documented.some((row) => leaf === row || leaf.startsWith(`${row}.`)),
    );
    expect(missing).toEqual([]);
  });

  it('documents no value it does not have', () => {
    const known = new Set(
      leaves(values).flatMap((leaf) => leaf.split('.').map((_, i, all) => all.slice(0, i + 1).join('.'))),
    );
    expect(documentedValues().filter((row) => !known.has(row))).toEqual([]);
  });

  it('accepts its own defaults and the example values with its values.schema.json', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(values) ? [] : validate.errors).toEqual([]);
    const example = parseYaml(
      readFileSync(path.join(repoRoot, 'test', 'fixtures', 'helm', 'example-values.yaml'), 'utf8'),
    ) as Record<string, unknown>;
    const merged = { ...values, ...example };
    expect(validate(merged) ? [] : validate.errors).toEqual([]);
  });

  it('refuses unknown keys, so a typo fails the render instead of being ignored', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate({ ...values, replicas: 3 })).toBe(false);
    expect(validate({ ...values, ingress: { enabled: true, host: '' } })).toBe(false);
    expect(validate({ ...values, httpRoute: { enabled: true, parentRefs: [] } })).toBe(false);
    expect(validate({ ...values, httpRoute: { enabled: true, parentRefs: [{ namespace: 'gw' }] } })).toBe(
      false,
    );
    expect(validate({ ...values, httpRoute: { enabled: true, parentRefs: [{ name: 'gw' }] } })).toBe(true);
    expect(validate({ ...values, image: { repository: 'r/app', digest: 'sha256:short' } })).toBe(false);
  });

  it('hardens the pods by default: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp', () => {
    expect(values.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(values.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(values.networkPolicy).toMatchObject({ enabled: true });
    expect(values.resources).toMatchObject({
      limits: { cpu: expect.any(String), memory: expect.any(String) },
    });
  });
});
