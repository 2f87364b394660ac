#!/usr/bin/env node
// Lists, per package door (packages/<pkg>/index.ts), the names it exports that no file outside the package
// imports from it: a door exports what other packages, the entries, scripts, benchmarks and tests use through
// it, nothing else (a package's own files and tests may import its internal modules by path).
//
//   node scripts/unused-exports.mjs [root] [--json]
//
// Exits 1 when a door exports something unused, printing each name; with --json, prints { pkg: [names] }.
// Reads syntax only (the TypeScript parser, no type check), so it takes a second or two.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Where importers live, relative to the root; node_modules and dist are never read. */
const IMPORTER_DIRS = ['actions', 'src', 'packages', 'scripts', 'bench', 'test'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage']);
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const DOOR = /^@swiss-deploy\/([^/]+)$/;

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) files.push(...sourceFiles(full));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

function parse(file) {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

function resolveModule(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

const hasExport = (node) => node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;

/** Every name a module exports, following `export … from` and `export *` through the package's files. */
function exportedNames(file, seen = new Set()) {
  if (seen.has(file)) return new Set();
  seen.add(file);
  const names = new Set();
  for (const statement of parse(file).statements) {
    if (ts.isExportDeclaration(statement)) {
      const from = statement.moduleSpecifier?.text;
      if (!statement.exportClause) {
        for (const name of exportedNames(resolveModule(file, from), seen)) names.add(name);
      } else if (ts.isNamespaceExport(statement.exportClause)) {
        names.add(statement.exportClause.name.text);
      } else {
        for (const element of statement.exportClause.elements) names.add(element.name.text);
      }
    } else if (hasExport(statement)) {
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
        }
      } else if (statement.name) names.add(statement.name.text);
    }
  }
  return names;
}

/** The door a specifier names, if any: `@swiss-deploy/<pkg>`, or a relative path to packages/<pkg>/index. */
function doorOf(file, specifier, root) {
  const named = DOOR.exec(specifier);
  if (named) return named[1];
  if (!specifier.startsWith('.')) return undefined;
  const target = path.relative(path.join(root, 'packages'), path.resolve(path.dirname(file), specifier));
  const parts = target.split(path.sep);
  if (parts.length === 1 && parts[0] && !parts[0].startsWith('..')) return parts[0];
  if (parts.length === 2 && /^index(\.ts)?$/.test(parts[1])) return parts[0];
  return undefined;
}

/** An identifier that is a declaration's or a member's name (`{ a: 1 }`, `x.a`), not a reference. */
function namesSomethingElse(node) {
  const parent = node.parent;
  if (ts.isShorthandPropertyAssignment(parent)) return false;
  return (
    parent.name === node ||
    parent.propertyName === node ||
    (ts.isQualifiedName(parent) && parent.right === node)
  );
}

/**
 * What a namespace (`import * as ns`, `const ns = await import(…)`) takes: the names `ns.<name>` in values
 * and types, or everything (`*`) once `ns` itself goes anywhere else, e.g. into a function.
 */
function memberNames(source, identifier) {
  const names = [];
  const visit = (node) => {
    if (ts.isIdentifier(node) && node.text === identifier) {
      const parent = node.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node) names.push(parent.name.text);
      else if (ts.isQualifiedName(parent) && parent.left === node) names.push(parent.right.text);
      else if (!namesSomethingElse(node)) names.push('*');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/**
 * What a dynamic `import('@swiss-deploy/pkg')` takes: destructured names, a namespace's members, `(…).name`;
 * through a loader (`const pkg = () => import(…)`), what each `await pkg()` takes.
 */
function dynamicImportNames(source, call) {
  const loader = call.parent;
  if (ts.isArrowFunction(loader) && loader.body === call && ts.isVariableDeclaration(loader.parent)) {
    const name = loader.parent.name;
    if (ts.isIdentifier(name)) return loaderNames(source, name.text, call);
  }
  return awaitedNames(source, call, call);
}

function loaderNames(source, loader, call) {
  const names = [];
  const visit = (node) => {
    if (ts.isIdentifier(node) && node.text === loader && !namesSomethingElse(node)) {
      if (ts.isCallExpression(node.parent) && node.parent.expression === node)
        names.push(...awaitedNames(source, node.parent, call));
      else names.push('*');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/** What `await <promise of the module>` takes, or a refusal naming the import's line. */
function awaitedNames(source, promise, call) {
  let node = promise.parent;
  const awaited = ts.isAwaitExpression(node);
  if (awaited) node = node.parent;
  while (ts.isParenthesizedExpression(node)) node = node.parent;
  if (awaited && ts.isVariableDeclaration(node)) {
    if (ts.isObjectBindingPattern(node.name)) {
      return node.name.elements.map((element) => (element.propertyName ?? element.name).text);
    }
    if (ts.isIdentifier(node.name)) return memberNames(source, node.name.text);
  }
  if (awaited && ts.isPropertyAccessExpression(node)) return [node.name.text];
  const { line } = source.getLineAndCharacterOfPosition(call.getStart());
  throw new Error(
    `${source.fileName}:${line + 1}: cannot tell which names this import() takes; destructure it, or use (await import(…)).name`,
  );
}

/** Per door, the names one file imports from it. */
function importsOf(file, root) {
  const text = readFileSync(file, 'utf8');
  // Most files name no door at all: skip parsing them.
  if (!text.includes('@swiss-deploy/') && !text.includes('packages/')) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const uses = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const door = doorOf(file, node.moduleSpecifier.text, root);
      if (door) {
        if (ts.isImportDeclaration(node)) {
          const clause = node.importClause;
          if (clause?.name) uses.push([door, 'default']);
          const bindings = clause?.namedBindings;
          if (bindings && ts.isNamespaceImport(bindings)) {
            for (const name of memberNames(source, bindings.name.text)) uses.push([door, name]);
          } else if (bindings) {
            for (const element of bindings.elements)
              uses.push([door, (element.propertyName ?? element.name).text]);
          }
        } else if (!node.exportClause || ts.isNamespaceExport(node.exportClause)) {
          uses.push([door, '*']);
        } else {
          for (const element of node.exportClause.elements)
            uses.push([door, (element.propertyName ?? element.name).text]);
        }
      }
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      const door = doorOf(file, node.arguments[0].text, root);
      if (door) for (const name of dynamicImportNames(source, node)) uses.push([door, name]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const door = doorOf(file, node.argument.literal.text, root);
      if (door) {
        let qualifier = node.qualifier;
        while (qualifier && ts.isQualifiedName(qualifier)) qualifier = qualifier.left;
        uses.push([door, qualifier ? qualifier.text : '*']);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/** `{ pkg: [names] }`: per door, the exported names no file outside its package imports through it. */
export function unusedExports(root) {
  const packagesDir = path.join(root, 'packages');
  const doors = new Map();
  for (const name of existsSync(packagesDir) ? readdirSync(packagesDir).sort() : []) {
    const door = path.join(packagesDir, name, 'index.ts');
    if (existsSync(door)) doors.set(name, exportedNames(door));
  }
  const used = new Map([...doors.keys()].map((name) => [name, new Set()]));
  for (const dir of IMPORTER_DIRS) {
    for (const file of sourceFiles(path.join(root, dir))) {
      const owner = path.relative(packagesDir, file).split(path.sep);
      const inside = owner.length > 1 && !owner[0].startsWith('..') ? owner[0] : undefined;
      for (const [door, name] of importsOf(file, root)) {
        if (door === inside || !used.has(door)) continue;
        if (name === '*') for (const exported of doors.get(door)) used.get(door).add(exported);
        else used.get(door).add(name);
      }
    }
  }
  const unused = {};
  for (const [name, exported] of doors) {
    const names = [...exported].filter((e) => !used.get(name).has(e)).sort();
    if (names.length > 0) unused[name] = names;
  }
  return unused;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const root = path.resolve(
    args.find((a) => !a.startsWith('--')) ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'),
  );
  const unused = unusedExports(root);
  if (json) console.log(JSON.stringify(unused, null, 2));
  else {
    for (const [name, names] of Object.entries(unused))
      console.log(
        `packages/${name}/index.ts exports what nothing outside the package imports: ${names.join(', ')}`,
      );
    if (Object.keys(unused).length === 0)
      console.log('Every door exports only what is used outside its package.');
  }
  process.exit(Object.keys(unused).length > 0 ? 1 : 0);
}
