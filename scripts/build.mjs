#!/usr/bin/env node
// Bundles every action entry in one esbuild run: actions/<name>/main.ts into dist/<name>/index.js, and
// src/main.ts (the root action) into dist/deploy/index.js. Code two entries share, and whatever an entry
// loads with `await import()`, goes to dist/chunks/ once, so the runner's checkout carries one copy of each
// dependency and an entry file holds little more than its own action.
// Usage: node scripts/build.mjs            (all entries; stale dist folders are removed)
//        node scripts/build.mjs --analyze  (also prints what each output file is made of)
//        node scripts/build.mjs --entry <file> --out <dir>   (one entry elsewhere; the test fixtures use this)
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every bundle this repository ships, as { name, entry } with paths relative to the root. */
export async function findEntries() {
  const entries = [];
  // The root action (uses: swiss/deploy@v1) is built from src/ into dist/deploy.
  if (existsSync(path.join(root, 'src', 'main.ts'))) entries.push({ name: 'deploy', entry: 'src/main.ts' });
  const actionsDir = path.join(root, 'actions');
  if (existsSync(actionsDir)) {
    for (const name of (await readdir(actionsDir)).sort()) {
      const entry = path.join('actions', name, 'main.ts');
      if (existsSync(path.join(root, entry))) entries.push({ name, entry });
    }
  }
  return entries;
}

/**
 * The bundles are ES modules (@actions/core 3 and friends are ESM-only), but some dependencies are
 * CommonJS and call require() for Node's built-ins: give every output file a real require.
 */
const BANNER =
  "import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);";

/**
 * @kubernetes/client-node's index re-exports every API group and its generated models (tens of MB). The
 * kube package imports the few modules it needs (KubeConfig, PortForward) directly; this marks the
 * library's modules free of side effects, so the generated clients and models those modules reference only
 * through re-exports (config.js imports the generated configuration from gen/index.js) are left out.
 */
const kubeClientSideEffectFree = {
  name: 'kube-client-side-effect-free',
  setup(build) {
    const library = `${path.sep}@kubernetes${path.sep}client-node${path.sep}`;
    // Its modules import one another by relative paths with their extension (it is ESM for Node), so the
    // path is the file; other imports are not its own.
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.includes(library)) return undefined;
      return { path: path.join(args.resolveDir, args.path), sideEffects: false };
    });
  },
};

/**
 * Node's built-ins, taken with require() rather than import. Importing one as an ES module builds its
 * ESM facade, which reads every export, lazy ones included: `node:http` alone then loads Node's internal
 * undici for its WebSocket and EventSource exports, about 30 ms of every action's start.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    const builtins = new Set(builtinModules.filter((name) => !name.startsWith('_')));
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (args.kind !== 'import-statement') return undefined;
      // The OpenTelemetry SDK is loaded only by a traced step: its built-ins stay plain imports inside its
      // chunk, so the shims the kit shares with every entry are not split into chunks of their own.
      if (args.importer.includes(`${path.sep}@opentelemetry${path.sep}`))
        return { path: args.path, external: true };
      const name = args.path.replace(/^node:/, '');
      if (!builtins.has(name) && !builtins.has(name.split('/')[0])) return undefined;
      return { path: `node:${name}`, namespace: 'node-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * @actions/core imports its OIDC client at load time, and with it @actions/http-client and all of the
 * undici package (most of what an action parses before it can say an input is wrong). Only getIDToken
 * uses that client, and it is async: it gets a stand-in that imports the real module when called.
 */
const lazyActionsOidc = {
  name: 'lazy-actions-oidc',
  setup(build) {
    const core = `${path.sep}@actions${path.sep}core${path.sep}lib${path.sep}core.js`;
    build.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) => {
      if (!args.importer.endsWith(core)) return undefined;
      return { path: path.join(args.resolveDir, 'oidc-utils.js'), namespace: 'lazy-oidc' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-oidc' }, (args) => ({
      contents: [
        'export class OidcClient {',
        '  static async getIDToken(audience) {',
        `    const { OidcClient: Client } = await import(${JSON.stringify(args.path)});`,
        '    return Client.getIDToken(audience);',
        '  }',
        '}',
      ].join('\n'),
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/** Options shared by the release build and the single-entry build of the fixtures. */
function options(outdir) {
  return {
    absWorkingDir: root,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // Prefer the ESM build of a dual package: esbuild can tree-shake it, not its CommonJS twin.
    mainFields: ['module', 'main'],
    chunkNames: 'chunks/[name]-[hash]',
    entryNames: '[dir]/[name]',
    minify: true,
    // Class and function names stay as written: error names (UserError, KubeApiError…) are part of messages.
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    banner: { js: BANNER },
    // Optional native speed-ups that ws tries to require and does without.
    external: ['bufferutil', 'utf-8-validate'],
    tsconfig: path.join(root, 'tsconfig.json'),
    metafile: true,
    logLevel: 'warning',
    plugins: [kubeClientSideEffectFree, builtinsByRequire, lazyActionsOidc],
  };
}

/** The license of every bundled package, read from node_modules, in a stable order. */
async function licenses(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (match) packages.set(match[2], match[1]);
  }
  const parts = [];
  for (const name of [...packages.keys()].sort()) {
    const dir = path.join(root, packages.get(name));
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const files = (await readdir(dir)).filter((f) => /^(licen[cs]e|copying)/i.test(f)).sort();
    const text = files.length ? (await readFile(path.join(dir, files[0]), 'utf8')).trim() : '';
    const license = typeof manifest.license === 'string' ? manifest.license : 'see its package';
    parts.push(`${name}@${manifest.version}\n${license}${text ? `\n${text}` : ''}\n`);
  }
  return parts.join('\n');
}

/**
 * Builds `entries` ({ name, entry }) into outDir: `<name>/index.js` for each, the shared chunks/, a
 * package.json that tells Node the files are ES modules, and licenses.txt of the bundled dependencies.
 */
export async function build(entries, outDir, { analyze = false } = {}) {
  await rm(outDir, { recursive: true, force: true });
  const result = await esbuild.build({
    ...options(outDir),
    entryPoints: entries.map(({ name, entry }) => ({ in: entry, out: name ? `${name}/index` : 'index' })),
  });
  await writeFile(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  await writeFile(path.join(outDir, 'licenses.txt'), await licenses(result.metafile));
  if (analyze) console.log(await esbuild.analyzeMetafile(result.metafile, { verbose: false }));
  return result.metafile;
}

async function main(args) {
  const entries = await findEntries();
  const distDir = path.join(root, 'dist');
  const started = Date.now();
  const metafile = await build(entries, distDir, { analyze: args.includes('--analyze') });
  let total = 0;
  for (const file of Object.keys(metafile.outputs).sort()) {
    const size = (await stat(path.join(root, file))).size;
    total += size;
    if (!file.includes('/chunks/') || size > 256 * 1024)
      console.log(`${file}  ${(size / 1024).toFixed(0)} KiB`);
  }
  console.log(
    `${entries.length} entries, ${Object.keys(metafile.outputs).length} files, ${(total / 1024).toFixed(0)} KiB of JavaScript, ${Date.now() - started} ms`,
  );
}

async function cli(args) {
  const entryAt = args.indexOf('--entry');
  if (entryAt >= 0) {
    const entry = args[entryAt + 1];
    const out = args[args.indexOf('--out') + 1];
    if (!entry || !out || args.indexOf('--out') < 0)
      throw new Error('usage: build.mjs --entry <file> --out <dir>');
    await build([{ name: '', entry }], path.resolve(root, out));
    return;
  }
  await main(args);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
