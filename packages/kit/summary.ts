import { runner } from './runner';
import { maskSecrets } from './secrets';

export type Cell = string | number | boolean | undefined;

function text(cell: Cell): string {
  return maskSecrets(cell === undefined || cell === '' ? '–' : String(cell));
}

/** Escapes text for the HTML tables of the job summary. */
function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Builds a job summary section by section and writes it once. Values are masked and escaped; links and
 * code are the only markup a caller adds, through `link` and `code`.
 */
export class JobSummary {
  private readonly parts: string[] = [];

  heading(title: string, level: 2 | 3 = 3): this {
    this.parts.push(`<h${level}>${escape(maskSecrets(title))}</h${level}>`);
    return this;
  }

  paragraph(content: string): this {
    this.parts.push(`<p>${escape(maskSecrets(content))}</p>`);
    return this;
  }

  /** A table with a header row. Cells given as `{ html }` are trusted markup from `link`/`code`. */
  table(headers: readonly string[], rows: readonly (readonly (Cell | { html: string })[])[]): this {
    const head = `<tr>${headers.map((h) => `<th>${escape(h)}</th>`).join('')}</tr>`;
    const body = rows
      .map(
        (row) =>
          `<tr>${row
            .map((cell) =>
              typeof cell === 'object' ? `<td>${cell.html}</td>` : `<td>${escape(text(cell))}</td>`,
            )
            .join('')}</tr>`,
      )
      .join('');
    this.parts.push(`<table>${head}${body}</table>`);
    return this;
  }

  /** A two-column table of labelled values, the usual "what happened" block. */
  facts(entries: Readonly<Record<string, Cell | { html: string }>>): this {
    return this.table(
      ['', ''],
      Object.entries(entries).map(([label, value]) => [label, value]),
    );
  }

  details(label: string, content: string): this {
    this.parts.push(
      `<details><summary>${escape(maskSecrets(label))}</summary>\n\n<pre>${escape(maskSecrets(content))}</pre>\n</details>`,
    );
    return this;
  }

  toString(): string {
    return this.parts.join('\n');
  }

  /** Appends to the step summary; outside a runner (no GITHUB_STEP_SUMMARY) it does nothing. */
  write(): Promise<void> {
    runner.appendSummary(this.toString());
    return Promise.resolve();
  }
}

export function link(label: string, url: string): { html: string } {
  return { html: `<a href="${escape(url).replace(/"/g, '&quot;')}">${escape(maskSecrets(label))}</a>` };
}

export function code(value: string): { html: string } {
  return { html: `<code>${escape(maskSecrets(value))}</code>` };
}
