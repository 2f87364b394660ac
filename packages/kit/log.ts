import { runner, type AnnotationProperties } from './runner';
import { maskSecrets } from './secrets';

/**
 * The runner reads workflow commands from every line a step prints, on stdout and stderr alike:
 * `::name …::data` when the line starts with `::` after its leading whitespace is trimmed, and the legacy
 * `##[name …]data` anywhere in a line. A line ends at `\n`, `\r\n` or a bare `\r`. So a value from an input
 * or a repository file that holds a line break followed by `::set-output …` or `::stop-commands::…`, or
 * holds `##[` at all, would speak to the runner if printed as it is.
 *
 * Neutralising puts a backslash into the pattern: `:\:` at the start of a line, `##\[` inside one. A
 * zero-width character would read better, but the runner (.NET) matches `StartsWith`/`IndexOf` with the
 * current culture, where ICU ignores zero-width characters, so `\u200B::` can still match `::`; a
 * backslash is an ordinary character in every culture and shows the reader that the text was escaped.
 */
const LEADING_COMMAND = /^(\s*):(?=:)/;
const LEGACY_COMMAND = /##\[/g;

function neutraliseLine(line: string): string {
  return line.replace(LEADING_COMMAND, '$1:\\').replace(LEGACY_COMMAND, '##\\[');
}

/**
 * Text as it may be printed: registered secrets masked, every line neutralised so the runner reads no
 * command from it. Line breaks stay (as `\n`), so a multi-line message is still several log lines.
 */
export function neutralise(text: string): string {
  return maskSecrets(text)
    .split(/\r\n|\r|\n/)
    .map(neutraliseLine)
    .join('\n');
}

/**
 * A value from an input or a file, made fit to sit inside one log line: line breaks and other control
 * characters shown as escapes (`\n`, `\r`, `\t`, `\u001b`), so the value cannot start a line of its own or
 * move the cursor, and a reader sees exactly what it holds. The line it goes into is neutralised by `log`.
 */
export function safe(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export type { AnnotationProperties };

function annotationProperties(properties: AnnotationProperties | undefined): AnnotationProperties {
  if (!properties) return {};
  return properties.title === undefined ? properties : { ...properties, title: oneLine(properties.title) };
}

/** A title is one line: masked, neutralised, line breaks shown as escapes. */
function oneLine(text: string): string {
  return neutraliseLine(safe(maskSecrets(text)));
}

/** What packages that log take: the kit's `log`, or a test's recorder. */
export interface Logger {
  info(text: string): void;
  warning(text: string): void;
}

/**
 * The one way the suite prints. Every line is masked and neutralised; annotations keep their file and
 * line; group titles are always one line. Wrap values from inputs and files in `safe()` as well, so a
 * value stays on the line it belongs to.
 */
export const log = {
  info(text: string): void {
    runner.info(neutralise(text));
  },
  warning(text: string, properties?: AnnotationProperties): void {
    runner.annotate('warning', neutralise(text), annotationProperties(properties));
  },
  error(text: string, properties?: AnnotationProperties): void {
    runner.annotate('error', neutralise(text), annotationProperties(properties));
  },
  notice(text: string, properties?: AnnotationProperties): void {
    runner.annotate('notice', neutralise(text), annotationProperties(properties));
  },
  /** A titled, collapsible log section around one phase of the work. */
  async group<T>(title: string, work: () => Promise<T>): Promise<T> {
    runner.startGroup(oneLine(title));
    try {
      return await work();
    } finally {
      runner.endGroup();
    }
  },
};
