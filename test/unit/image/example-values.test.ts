import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../support/versions';

describe('the example app values', () => {
  it('are valid for the built-in chart and agree with the image: port 8080, the app health endpoints', () => {
    const schema = JSON.parse(
      readFileSync(path.join(repoRoot, 'charts', 'swiss-app', 'values.schema.json'), 'utf8'),
    );
    const values = parseYaml(readFileSync(path.join(repoRoot, 'examples', 'app', 'values.yaml'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const valid = validate(values);
    expect(valid ? [] : validate.errors).toEqual([]);
    expect(values.port).toBe(8080);
    expect(values.probes.readiness.path).toBe('/readyz');
    const server = readFileSync(path.join(repoRoot, 'examples', 'app', 'server.js'), 'utf8');
    for (const endpoint of ['/healthz', '/readyz', '/version'])
      expect(server).toContain(`case '${endpoint}':`);
  });
});
