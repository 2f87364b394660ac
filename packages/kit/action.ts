import { UserError, WorldError, causeChain, errorMessage } from './errors';
import { log } from './log';
import { isPostStep, markPostPending } from './state';

export interface ActionHandlers {
  main: () => Promise<void>;
  /** Runs in the runner's post phase (`runs.post`), also when the job failed or was cancelled. */
  post?: () => Promise<void>;
}

/**
 * The one way every action starts. One bundle serves both `main` and `post`: main leaves a flag in
 * the saved state, and the runner hands it back only to the post step.
 */
export async function runAction(handlers: ActionHandlers): Promise<void> {
  const post = isPostStep();
  try {
    if (post) {
      await handlers.post?.();
      return;
    }
    if (handlers.post) markPostPending();
    await handlers.main();
  } catch (error) {
    reportFailure(error);
  }
}

/** Prints an error the way its kind deserves and fails the step. */
export function reportFailure(error: unknown): void {
  process.exitCode = 1;
  if (error instanceof UserError) {
    const message = error.hint ? `${error.message}\n${error.hint}` : error.message;
    const location = error.location;
    log.error(
      message,
      location
        ? {
            title: location.file,
            file: location.file,
            startLine: location.line,
            startColumn: location.column,
          }
        : {},
    );
    return;
  }
  if (error instanceof WorldError) {
    const lines = [error.message];
    for (const cause of causeChain(error)) lines.push(`Cause: ${cause}`);
    if (error.untouched) lines.push(`Left untouched: ${error.untouched}`);
    if (error.hint) lines.push(error.hint);
    log.error(lines.join('\n'));
    return;
  }
  log.error(`Unexpected error: ${errorMessage(error)}`);
  if (error instanceof Error && error.stack) log.info(error.stack);
}

/** A titled, collapsible log section around one phase of the work; the title is always one line. */
export function group<T>(title: string, work: () => Promise<T>): Promise<T> {
  return log.group(title, work);
}
