import type * as Yaml from 'yaml';
import type { Document, LineCounter } from 'yaml';
import { UserError } from './errors';
import { MANIFEST_YAML } from './manifest';

type YamlLibrary = typeof Yaml;
let library: YamlLibrary | undefined;

/**
 * The YAML library, initialised when a document is first read rather than when the kit loads: every action
 * starts through the kit, and one that fails on its inputs reads no YAML (docs/performance.md).
 */
function yamlLibrary(): YamlLibrary {
  // A require, not an import: the bundler keeps it as a call made on first use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (library ??= require('yaml') as YamlLibrary);
}

/**
 * How many alias expansions one document may make. A handful of anchors that alias each other ("billion
 * laughs") expand into gigabytes; real manifests, charts and checks files use a few aliases at most.
 */
export const MAX_YAML_ALIASES = MANIFEST_YAML.maxAliasCount;

export interface YamlReadOptions {
  /** What the text is, as messages and annotations name it: a file path, `Input "values"`. */
  source: string;
  /** `source` is a file whose line an annotation may point at. */
  file?: boolean;
  /** Default: the manifest dialect, YAML 1.1 (see MANIFEST_YAML). */
  version?: '1.1' | '1.2';
  /** Default true: a repeated key is an error, as the API server's strict decoding makes it. */
  uniqueKeys?: boolean;
  /** The text is a secret (a kubeconfig): messages give the position and the kind of error, never text. */
  secret?: boolean;
  /** Added to every line number: the text is a part of a larger file starting after this many lines. */
  lineOffset?: number;
}

/** A YAML document that cannot be read, or that goes over a limit; the message names source, line and limit. */
export class YamlError extends UserError {
  /** What is wrong, without the source and position: fits after "expected YAML: ". */
  readonly reason: string;
  /** The limit the document went over, when that is the problem. */
  readonly limit?: 'aliases' | 'nesting';
  readonly line?: number;
  readonly column?: number;

  constructor(
    options: YamlReadOptions,
    reason: string,
    position: { line?: number; column?: number },
    limit?: 'aliases' | 'nesting',
  ) {
    const at =
      position.line === undefined
        ? ''
        : ` at line ${position.line}${position.column === undefined ? '' : `, column ${position.column}`}`;
    super(`${options.source} is not valid YAML${at}: ${reason}`, {
      hint: limit
        ? 'Write the values out instead of nesting or aliasing them this much; nothing was changed.'
        : 'Fix the YAML; nothing was changed.',
      ...(options.file ? { location: { file: options.source, ...position } } : {}),
    });
    this.name = 'YamlError';
    this.reason = reason;
    this.limit = limit;
    this.line = position.line;
    this.column = position.column;
  }
}

export interface YamlDocument {
  /** The parsed document, for callers that need the nodes and their positions. */
  document: Document.Parsed;
  /** The document as plain data. */
  value: unknown;
  /** The 1-based line its content starts on. */
  line: number;
}

export interface ParsedYaml {
  documents: YamlDocument[];
  /** Turns an offset of a node's range into a 1-based line and column (lineOffset not added). */
  lineCounter: LineCounter;
}

const ALIAS_LIMIT_REASON = `it expands more than ${MAX_YAML_ALIASES} aliases, the limit that stops an alias bomb (anchors that alias each other until the data is gigabytes)`;
const NESTING_LIMIT_REASON =
  'it nests deeper than the parser can follow (the limit on nesting depth, thousands of levels)';

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** The reason of a parse error; for a secret, only its kind (`duplicate key`), never the text it quotes. */
function describeParseError(error: { code: string; message: string }, secret: boolean): string {
  if (secret) return error.code.toLowerCase().replace(/_/g, ' ');
  return (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * The one way the suite reads YAML from inputs and files: every document parsed and turned into data, with
 * the alias and nesting limits applied, and every failure a YamlError naming the source, the line and, for
 * a limit, which one. A parser exception never escapes as "Unexpected error".
 */
export function parseYamlDocuments(text: string, options: YamlReadOptions): ParsedYaml {
  const { LineCounter, parseAllDocuments } = yamlLibrary();
  const lineCounter = new LineCounter();
  const offset = options.lineOffset ?? 0;
  const position = (at: number) => {
    const { line, col } = lineCounter.linePos(at);
    return { line: line + offset, column: col };
  };
  let parsed: Document.Parsed[];
  try {
    const result = parseAllDocuments(text, {
      lineCounter,
      version: options.version ?? MANIFEST_YAML.version,
      uniqueKeys: options.uniqueKeys ?? true,
      prettyErrors: false,
    });
    parsed = Array.isArray(result) ? result : [];
  } catch (error) {
    if (isStackOverflow(error)) throw new YamlError(options, NESTING_LIMIT_REASON, {}, 'nesting');
    throw error;
  }
  const documents: YamlDocument[] = [];
  for (const document of parsed) {
    const line = position(document.contents?.range?.[0] ?? document.range[0]).line;
    const first = document.errors[0];
    if (first) {
      if (first.code === 'RESOURCE_EXHAUSTION')
        throw new YamlError(options, NESTING_LIMIT_REASON, position(first.pos[0]), 'nesting');
      throw new YamlError(
        options,
        describeParseError(first, options.secret ?? false),
        position(first.pos[0]),
      );
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (error) {
      // The parser knows no position for these; the document's first line is the nearest one it can give.
      if (isStackOverflow(error)) throw new YamlError(options, NESTING_LIMIT_REASON, { line }, 'nesting');
      if (error instanceof ReferenceError && /excessive alias count/i.test(error.message))
        throw new YamlError(options, ALIAS_LIMIT_REASON, { line }, 'aliases');
      if (error instanceof ReferenceError && /unresolved alias/i.test(error.message)) {
        const reason = options.secret ? 'unresolved alias' : (error.message.split('\n')[0] as string);
        throw new YamlError(options, reason, { line });
      }
      throw error;
    }
    documents.push({ document, value, line });
  }
  return { documents, lineCounter };
}

/** One YAML document as data (`null` for an empty text); more than one document is an error. */
export function parseYaml(text: string, options: YamlReadOptions): unknown {
  const { documents } = parseYamlDocuments(text, options);
  if (documents.length > 1) {
    throw new YamlError(options, 'it holds more than one document (a second `---`)', {
      line: documents[1]?.line,
    });
  }
  return documents[0]?.value ?? null;
}
