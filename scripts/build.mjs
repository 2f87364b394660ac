#!/usr/bin/env node
// Bundles every action entry with ncc into dist/<name>/: actions/<name>/main.ts, and src/main.ts (the root action) into dist/deploy.
// Usage: node scripts/build.mjs [name...]   (no names: all entries; stale dist folders are removed)
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ncc from '@vercel/ncc';

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
 * Bundles one entry into outDir: index.js (an ES module, because @actions/core 3 and friends are
 * ESM-only), any lazily loaded chunks, the package.json that tells Node it is ESM, and the licenses
 * of the bundled dependencies.
 */
export async function bundle(entry, outDir) {
  const { code, assets } = await ncc(path.resolve(root, entry), {
    cache: false,
    minify: false,
    sourceMap: false,
    license: 'licenses.txt',
    quiet: true,
    target: 'es2023',
  });
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets)) {
    const target = path.join(outDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, asset.source);
  }
  if (!existsSync(path.join(outDir, 'package.json'))) {
    await writeFile(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  }
  return (await stat(path.join(outDir, 'index.js'))).size;
}

async function main(names) {
  const entries = (await findEntries()).filter((e) => names.length === 0 || names.includes(e.name));
  const distDir = path.join(root, 'dist');
  if (names.length === 0 && existsSync(distDir)) {
    const wanted = new Set(entries.map((e) => e.name));
    for (const existing of await readdir(distDir)) {
      if (!wanted.has(existing)) await rm(path.join(distDir, existing), { recursive: true, force: true });
    }
  }
  for (const { name, entry } of entries) {
    const started = Date.now();
    const size = await bundle(entry, path.join(distDir, name));
    console.log(`dist/${name}/index.js  ${(size / 1024).toFixed(0)} KiB  ${Date.now() - started} ms`);
  }
  if (entries.length === 0) console.log('no entries to build');
}

async function cli(args) {
  // --entry <file> --out <dir>: bundle one entry elsewhere (the test fixtures use this).
  const entryAt = args.indexOf('--entry');
  if (entryAt >= 0) {
    const entry = args[entryAt + 1];
    const out = args[args.indexOf('--out') + 1];
    if (!entry || !out || args.indexOf('--out') < 0)
      throw new Error('usage: build.mjs --entry <file> --out <dir>');
    await bundle(entry, path.resolve(root, out));
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
