import * as path from 'node:path';
import { UserError, WorldError, type SourceLocation } from '@swiss-deploy/kit';

export interface BuildFailure {
  /** The `ERROR: …` line without its prefix. */
  message: string;
  location?: SourceLocation;
  /** The Dockerfile excerpt buildx printed around the failing line. */
  excerpt: string[];
}

/**
 * Finds where a failed build points: buildx prints `Dockerfile:12`, a ruler, the lines around it with
 * `>>>` on the failing one, another ruler, then `ERROR: …`. Parse errors name the line in the message
 * instead (`dockerfile parse error on line 4`). The location is given relative to the workspace, the
 * way annotations want it.
 */
export function locateBuildFailure(
  plainLines: readonly string[],
  dockerfile: string,
  workspace: string,
): BuildFailure {
  const errorLine = [...plainLines].reverse().find((line) => line.startsWith('ERROR:'));
  const message = (errorLine ?? plainLines[plainLines.length - 1] ?? 'the build failed')
    .replace(/^ERROR:\s*/, '')
    .trim();
  const relative = path.relative(workspace, dockerfile) || path.basename(dockerfile);
  const shownFile = (name: string) =>
    path.basename(name) === path.basename(dockerfile) ? relative : name.replace(/^\/+/, '');

  let location: SourceLocation | undefined;
  const excerpt: string[] = [];
  for (let i = 0; i < plainLines.length - 1; i++) {
    const header = /^(.+):(\d+)$/.exec(plainLines[i] as string);
    if (!header || !/^-{10,}$/.test(plainLines[i + 1] as string)) continue;
    location = { file: shownFile(header[1] as string), line: Number(header[2]) };
    for (let j = i + 2; j < plainLines.length && !/^-{10,}$/.test(plainLines[j] as string); j++)
      excerpt.push(plainLines[j] as string);
  }
  const parseError = /dockerfile parse error on line (\d+)/i.exec(message);
  if (parseError) location = { file: relative, line: Number(parseError[1]) };
  return { message, location, excerpt };
}

/**
 * Turns a failed build into the right error: a failing Dockerfile step or parse error is the user's
 * (annotated on its line); a registry or engine problem is the world's.
 */
export function buildFailureError(failure: BuildFailure, failedStep?: string): UserError | WorldError {
  const where = failure.location ? `${failure.location.file}:${failure.location.line}` : undefined;
  const userFault =
    failure.location !== undefined ||
    failedStep !== undefined ||
    /dockerfile|failed to compute cache key|not found|did not complete successfully|unknown instruction/i.test(
      failure.message,
    );
  const excerpt = failure.excerpt.length > 0 ? `\n${failure.excerpt.join('\n')}` : '';
  if (/push-by-digest is currently not implemented for docker driver/.test(failure.message)) {
    return new UserError(
      'No tag rule yields a tag for this event, and the docker driver cannot push by digest alone.',
      {
        hint: 'Add a rule that always applies (type=sha), or use a docker-container builder (docker/setup-buildx-action).',
      },
    );
  }
  if (userFault) {
    return new UserError(
      `The image build failed${where ? ` at ${where}` : ''}${failedStep ? ` in step ${failedStep}` : ''}: ${failure.message}${excerpt}`,
      {
        hint: 'Fix the Dockerfile or the files it copies; nothing was pushed.',
        location: failure.location,
      },
    );
  }
  if (REFUSED_CREDENTIALS.test(failure.message)) {
    return new UserError(`The registry refused the push: ${failure.message}`, {
      hint: 'Check username and password, and that they may push to this repository (packages: write for ghcr.io); nothing was pushed.',
    });
  }
  if (REFUSED_ARGUMENTS.test(failure.message)) {
    return new UserError(`buildx refused the build: ${failure.message}`, {
      hint: 'Fix the inputs of the step (context, file, target, platforms, cache-from, cache-to, builder); nothing was pushed.',
    });
  }
  // Only a failure of the world is worth running again; anything else would fail the same way.
  const transient = TRANSIENT.test(failure.message);
  return new WorldError(`The image build failed: ${failure.message}`, {
    untouched: 'nothing was pushed',
    hint: transient
      ? 'The registry or the engine was unavailable; re-run the job once it is back.'
      : "buildx's message above says what went wrong.",
  });
}

const TRANSIENT =
  /connection refused|connection reset|i\/o timeout|timed? ?out|tls handshake|temporary failure|no such host|too many requests|toomanyrequests|unexpected status(?: code)?:? 5\d\d|\b50[234]\b|service unavailable|bad gateway|cannot connect to the docker daemon|no space left|unexpected eof/i;
const REFUSED_CREDENTIALS = /unauthorized|authentication required|denied|forbidden|\b401\b|\b403\b/i;
const REFUSED_ARGUMENTS =
  /invalid reference format|invalid tag|invalid argument|unknown flag|failed to parse platform|unknown operating system or architecture|invalid platform|unable to prepare context|no such file or directory|target stage .* could not be found|failed to read dockerfile|invalid cache|unknown cache/i;
