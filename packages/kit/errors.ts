/** Where in a file a problem sits, so the runner can annotate that line. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

interface UserErrorOptions {
  hint?: string;
  location?: SourceLocation;
  cause?: unknown;
}

/**
 * The user must change something: an input, a chart, a manifest, a lock held by someone else.
 * Printed as a plain `::error::` with the hint; no stack trace, because the code is not at fault.
 */
export class UserError extends Error {
  readonly hint?: string;
  readonly location?: SourceLocation;

  constructor(message: string, options: UserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.hint = options.hint;
    this.location = options.location;
  }
}

/** Several input problems reported at once, so a user fixes them in one round trip. */
export class InputError extends UserError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} inputs are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { hint: 'Fix the inputs in the workflow step; nothing was changed.' },
    );
    this.name = 'InputError';
    this.problems = problems;
  }
}

interface WorldErrorOptions {
  cause?: unknown;
  /** What the failure left as it was, e.g. "live traffic still goes to blue". */
  untouched?: string;
  hint?: string;
}

/**
 * The world failed: an API is down, a tool crashed, a wait timed out. Printed with its cause and with
 * what was left untouched, so the person on call knows the state they are in.
 */
export class WorldError extends Error {
  readonly untouched?: string;
  readonly hint?: string;

  constructor(message: string, options: WorldErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorldError';
    this.untouched = options.untouched;
    this.hint = options.hint;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The chain of causes as one line each, innermost last. */
export function causeChain(error: unknown): string[] {
  const chain: string[] = [];
  let current: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    chain.push(errorMessage(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}
