import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The SARIF 2.1.0 JSON schema (rtm.5, as shipped in @microsoft/jest-sarif, MIT). It is a draft-04
 * schema; its root `id` is the only draft-04 keyword it uses, so it is renamed for Ajv 8, and one
 * of its patterns (language) is only valid without the u flag.
 */
export function sarifValidator() {
  const file = path.join(__dirname, '..', '..', 'fixtures', 'scan', 'sarif-schema-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const { id, $schema: _draft, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile({ ...rest, $id: String(id) });
}
