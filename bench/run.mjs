#!/usr/bin/env node
// `npm run bench`: bundles the TypeScript harness (bench/main.ts, which imports the packages through their
// @swiss-deploy/* doors) with the repository's ncc into a temporary folder, then runs it with this node.
// Arguments pass through, e.g. `npm run bench -- --runs 3 --only startup,smoke`.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ncc from '@vercel/ncc';
import { build } from '../scripts/build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(path.join(os.tmpdir(), 'swiss-bench-'));
try {
  // transpileOnly: the harness is type-checked on its own (tsc -p bench), so a
  // half-edited file elsewhere in the repository cannot stop a benchmark run.
  const options = {
    cache: false,
    minify: false,
    sourceMap: false,
    quiet: true,
    target: 'es2023',
    transpileOnly: true,
  };
  const { code, assets } = await ncc(path.join(root, 'bench', 'main.ts'), options);
  const entry = path.join(out, 'index.js');
  // The startup probes (bench/probes/*.ts), bundled by the actions' own build, run by the startup suite.
  for (const file of readdirSync(path.join(root, 'bench', 'probes')).filter((f) => f.endsWith('.ts'))) {
    const entry = path.relative(root, path.join(root, 'bench', 'probes', file));
    await build([{ name: '', entry }], path.join(out, 'probes', path.basename(file, '.ts')));
  }
  // The bundle is an ES module; test/support/versions.ts finds the repository from its own __dirname.
  const dirname = JSON.stringify(path.join(root, 'test', 'support'));
  writeFileSync(entry, `const __dirname = ${dirname};\n${code}`);
  for (const [file, asset] of Object.entries(assets)) {
    mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
    writeFileSync(path.join(out, file), asset.source);
  }
  writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  const { status, signal } = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SWISS_BENCH_PROBES: path.join(out, 'probes') },
  });
  process.exitCode = status ?? (signal ? 1 : 0);
  // The results are committed: format them as the repository's prettier would, so `npm run lint` stays green.
  const at = process.argv.indexOf('--out');
  const results = path.resolve(at >= 0 ? process.argv[at + 1] : path.join(root, 'bench', 'results.json'));
  if (existsSync(results)) {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(results)) ?? {};
    const text = readFileSync(results, 'utf8');
    writeFileSync(results, await prettier.format(text, { ...config, filepath: results }));
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
