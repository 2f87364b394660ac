import { UserError, YamlError, parseYaml, parseYamlDocuments } from '@swiss-deploy/kit';
import { MAX_YAML_ALIASES } from '../../../packages/kit/yaml';
import { aliasBomb, deepNesting } from '../../support/yaml-bombs';

function yamlError(run: () => unknown): YamlError {
  try {
    run();
  } catch (error) {
    if (error instanceof YamlError) return error;
    throw error;
  }
  throw new Error('expected a YamlError');
}

describe('parseYamlDocuments', () => {
  it('refuses an alias bomb as a named limit, with the file and the line of its document', () => {
    const error = yamlError(() =>
      parseYamlDocuments(`kind: ConfigMap\n---\n${aliasBomb()}`, { source: 'deploy/app.yaml', file: true }),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.limit).toBe('aliases');
    expect(error.message).toBe(
      `deploy/app.yaml is not valid YAML at line 3: it expands more than ${MAX_YAML_ALIASES} aliases, the limit that stops an alias bomb (anchors that alias each other until the data is gigabytes)`,
    );
    expect(error.location).toEqual({ file: 'deploy/app.yaml', line: 3 });
    expect(error.message).not.toMatch(/Excessive alias count/);
  });

  it('refuses nesting deeper than the parser follows as a named limit, with its line', () => {
    const error = yamlError(() => parseYamlDocuments(`a: 1\n${deepNesting()}`, { source: 'values.yaml' }));
    expect(error.limit).toBe('nesting');
    expect(error.message).toMatch(/^values\.yaml is not valid YAML at line 2, column \d+: it nests deeper/);
    expect(error.location).toBeUndefined();
  });

  it('still reads the few aliases real files use', () => {
    const { documents } = parseYamlDocuments('base: &b { a: 1 }\none: *b\ntwo: *b\n', { source: 'f.yaml' });
    expect(documents[0]?.value).toEqual({ base: { a: 1 }, one: { a: 1 }, two: { a: 1 } });
  });

  it('reads the manifest dialect, YAML 1.1, unless told otherwise', () => {
    expect(parseYaml('a: on\nb: 0755\n', { source: 'f' })).toEqual({ a: true, b: 493 });
    expect(parseYaml('a: on\nb: 0755\n', { source: 'f', version: '1.2' })).toEqual({ a: 'on', b: 755 });
  });

  it('names a syntax error by source, line and column, and each document by its first line', () => {
    const parsed = parseYamlDocuments('a: 1\n---\n# c\nb: 2\n', { source: 'x' });
    expect(parsed.documents.map((d) => d.line)).toEqual([1, 4]);
    const error = yamlError(() => parseYaml('a: 1\na: 2\n', { source: 'Input "values"' }));
    expect(error.message).toBe(
      'Input "values" is not valid YAML at line 2, column 1: Map keys must be unique',
    );
    expect(error.limit).toBeUndefined();
  });

  it('gives only the kind of error for a secret, never the text around it', () => {
    const error = yamlError(() =>
      parseYaml('token: "s3cr3t-value\nuser: *s3cr3t-anchor\n', { source: 'the kubeconfig', secret: true }),
    );
    expect(error.message).toMatch(/^the kubeconfig is not valid YAML at line \d+, column \d+: [a-z ]+$/);
    expect(error.message).not.toContain('s3cr3t');
    const alias = yamlError(() => parseYaml('user: *s3cr3t\n', { source: 'the kubeconfig', secret: true }));
    expect(alias.message).toBe('the kubeconfig is not valid YAML at line 1: unresolved alias');
  });

  it('counts lines from the offset of the part it was given', () => {
    const error = yamlError(() => parseYaml('a: [\n', { source: 'helm output', lineOffset: 10 }));
    expect(error.line).toBeGreaterThan(10);
  });
});
