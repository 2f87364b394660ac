import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  UserError,
  parseYamlDocuments,
  resolveInWorkspace,
  type ContainmentOptions,
} from '@swiss-deploy/kit';
import type { KubeObject } from '@swiss-deploy/kube';
import type { ManifestObject } from './types';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

export interface ManifestReadOptions {
  /**
   * Where the files must stay, judged by real path: the action passes GITHUB_WORKSPACE and RUNNER_TEMP, so
   * a `manifests` value (or a symlink in its folder) cannot make it read and apply a file of the runner.
   * Without it, as in the package's own callers and tests, any path is read.
   */
  confine?: ContainmentOptions;
}

/** The manifest files behind the `manifests` input: files as given, directories by their YAML/JSON files. */
export function manifestFiles(
  inputs: readonly string[],
  cwd = process.cwd(),
  options: ManifestReadOptions = {},
): string[] {
  const files: string[] = [];
  const { confine } = options;
  const contained = (entry: string) =>
    confine ? resolveInWorkspace('manifests', entry, confine) : path.resolve(cwd, entry);
  for (const entry of inputs) {
    const full = contained(entry);
    if (!existsSync(full)) {
      throw new UserError(`Input "manifests": ${entry} does not exist.`, {
        hint: 'Pass the manifests file of render-helm (its `manifests` output) or a folder of YAML files.',
      });
    }
    if (statSync(full).isDirectory()) {
      const inside = readdirSync(full, { recursive: true })
        .map(String)
        .filter((file) => MANIFEST_FILE.test(file))
        .sort()
        .map((file) => path.join(full, file));
      // A symlink checked into the folder is judged like the folder itself.
      files.push(...(confine ? inside.map((file) => contained(file)) : inside));
    } else {
      files.push(full);
    }
  }
  return files;
}

/**
 * Reads every object of the manifests, with the file and line it starts on. `kind: List` is unpacked and
 * empty documents are skipped; anything that is not a Kubernetes object is an error on its line.
 */
export function loadManifests(
  inputs: readonly string[],
  cwd = process.cwd(),
  options: ManifestReadOptions = {},
): ManifestObject[] {
  const objects: ManifestObject[] = [];
  const files = manifestFiles(inputs, cwd, options);
  for (const file of files) {
    const shown = path.relative(cwd, file) || file;
    const text = readFileSync(file, 'utf8');
    const { documents } = parseYamlDocuments(text, { source: shown, file: true });
    for (const { value, line: start } of documents) {
      if (value === null || value === undefined) continue;
      const location = { file: shown, line: start };
      for (const object of unpack(value, location)) objects.push({ object, source: location });
    }
  }
  if (objects.length === 0) {
    throw new UserError(
      files.length === 0
        ? `Input "manifests": ${inputs.join(', ') || '(empty)'} holds no YAML or JSON files.`
        : `The manifests (${files.map((f) => path.relative(cwd, f) || f).join(', ')}) hold no Kubernetes objects.`,
      { hint: 'Check the render step: an empty manifest set would deploy nothing. Nothing was changed.' },
    );
  }
  return objects;
}

function unpack(value: unknown, location: { file: string; line: number }): KubeObject[] {
  const fail = (what: string): never => {
    throw new UserError(`${location.file}:${location.line}: ${what}`, {
      hint: 'Every document must be a Kubernetes object with apiVersion, kind and metadata.name. Nothing was changed.',
      location,
    });
  };
  if (typeof value !== 'object' || Array.isArray(value) || value === null)
    fail('the document is not a mapping.');
  const object = value as KubeObject;
  if (typeof object.kind === 'string' && object.kind === 'List' && Array.isArray(object.items)) {
    return (object.items as unknown[]).flatMap((item) => unpack(item, location));
  }
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '')
    fail('the object has no apiVersion.');
  if (typeof object.kind !== 'string' || object.kind === '') fail('the object has no kind.');
  if (
    typeof object.metadata !== 'object' ||
    object.metadata === null ||
    typeof object.metadata.name !== 'string' ||
    object.metadata.name === ''
  ) {
    fail(
      `the ${object.kind} has no metadata.name${object.metadata?.generateName ? ' (generateName cannot be applied)' : ''}.`,
    );
  }
  return [object];
}
