import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '@swiss-deploy/kit';
import { loadManifests } from '@swiss-deploy/bluegreen';
import { aliasBomb } from '../../support/yaml-bombs';

function dir(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'manifests-unit-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('loadManifests', () => {
  it('reads every document of files and folders with the line it starts on, unpacking Lists', () => {
    const root = dir({
      'a.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n---\n\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata: { name: two }\n',
      'more/b.yml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: three }\n',
      'more/notes.txt': 'ignored',
    });
    const objects = loadManifests(['a.yaml', 'more'], root);
    expect(objects.map((o) => [o.object.metadata.name, o.source.file, o.source.line])).toEqual([
      ['one', 'a.yaml', 1],
      ['two', 'a.yaml', 8],
      ['three', path.join('more', 'b.yml'), 1],
    ]);
  });

  it.each([
    [
      'a document without a kind',
      'apiVersion: v1\nmetadata: { name: x }\n',
      /a\.yaml:1: the object has no kind/,
    ],
    [
      'an object without a name',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { generateName: x- }\n',
      /has no metadata.name \(generateName cannot be applied\)/,
    ],
    ['a list at the top', '- a\n- b\n', /the document is not a mapping/],
    [
      'duplicate keys',
      'apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: { name: x }\n',
      /^a\.yaml is not valid YAML at line 3, column 1: Map keys must be unique/,
    ],
  ])('refuses %s, naming file and line', (_what, text, message) => {
    const root = dir({ 'a.yaml': text });
    expect(() => loadManifests(['a.yaml'], root)).toThrow(UserError);
    expect(() => loadManifests(['a.yaml'], root)).toThrow(message);
  });

  it('names a path that does not exist', () => {
    expect(() => loadManifests(['missing.yaml'], dir({}))).toThrow(
      'Input "manifests": missing.yaml does not exist.',
    );
  });

  it('refuses an alias bomb as the alias limit, naming the file and the line of its document', () => {
    const root = dir({
      'a.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n---\n${aliasBomb()}`,
    });
    expect(() => loadManifests(['a.yaml'], root)).toThrow(
      /^a\.yaml is not valid YAML at line 5: it expands more than 100 aliases, the limit that stops an alias bomb/,
    );
  });

  it('keeps manifests inside the workspace or RUNNER_TEMP when the action confines them', () => {
    const workspace = dir({ 'deploy/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n' });
    const runnerTemp = dir({
      'render/shop.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n',
    });
    const outside = dir({ 'x.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: { name: stolen }\n' });
    symlinkSync(path.join(outside, 'x.yaml'), path.join(workspace, 'deploy', 'link.yaml'));
    const confine = { workspace, runnerTemp };
    const rendered = path.join(runnerTemp, 'render', 'shop.yaml');
    expect(loadManifests([rendered], workspace, { confine }).map((o) => o.object.metadata.name)).toEqual([
      'b',
    ]);
    expect(() => loadManifests([path.join(outside, 'x.yaml')], workspace, { confine })).toThrow(
      `Input "manifests" is ${JSON.stringify(path.join(outside, 'x.yaml'))}: it must stay inside the workspace ${workspace} or RUNNER_TEMP ${runnerTemp}.`,
    );
    // A symlink inside a manifests folder is judged by where it leads.
    expect(() => loadManifests(['deploy'], workspace, { confine })).toThrow(
      /^Input "manifests" is ".*link\.yaml": it must stay inside the workspace .* \(it resolves to .*x\.yaml\)\.$/,
    );
    // The package's own callers, without confinement, read any path they are given.
    expect(loadManifests([path.join(outside, 'x.yaml')], workspace)).toHaveLength(1);
  });
});
