#!/usr/bin/env node
// `npm run bench`: bundles the TypeScript harness (bench/main.ts, which imports the packages through their
// @swiss-deploy/* doors) with esbuild into a temporary folder, then runs it with this node.
// Arguments pass through, e.g. `npm run bench -- --runs 3 --only startup,smoke`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { build } from '../scripts/build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(path.join(os.tmpdir(), 'swiss-bench-'));
try {
  // Transpiled, not type-checked: the harness is type-checked on its own (tsc -p bench), so a half-edited
  // file elsewhere in the repository cannot stop a benchmark run. esbuild takes a second where ncc took half
  // a minute of this machine's CPU.
  const entry = path.join(out, 'index.js');
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'bench', 'main.ts')],
    outfile: entry,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    tsconfig: path.join(root, 'tsconfig.json'),
    external: ['bufferutil', 'utf-8-validate'],
    logLevel: 'warning',
    // The bundle is an ES module; CommonJS dependencies call require(), and test/support/versions.ts finds
    // the repository from its own __dirname.
    banner: {
      js: [
        "import { createRequire as __benchRequire } from 'node:module';",
        'const require = __benchRequire(import.meta.url);',
        `const __dirname = ${JSON.stringify(path.join(root, 'test', 'support'))};`,
      ].join('\n'),
    },
  });
  // The startup probes (bench/probes/*.ts), bundled by the actions' own build, run by the startup suite.
  for (const file of readdirSync(path.join(root, 'bench', 'probes')).filter((f) => f.endsWith('.ts'))) {
    const probe = path.relative(root, path.join(root, 'bench', 'probes', file));
    await build([{ name: '', entry: probe }], path.join(out, 'probes', path.basename(file, '.ts')));
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
