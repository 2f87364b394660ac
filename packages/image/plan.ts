import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { UserError, registerSecret } from '@swiss-deploy/kit';
import type { BuildSecret } from './build';
import { parseImageName } from './image-name';
import { ociLabels, parseKeyValues } from './labels';
import { parseSize } from './size';
import { computeTags, parseTagRules } from './tag-rules';
import type { EventContext, ImageName, LatestPolicy } from './types';
import { checkPlatforms, checkRegistry } from './validate';
import { resolveBuildPath } from './workspace-path';

/** The build inputs as the action reads them. */
export interface ImageRequest {
  image: string;
  tags: readonly string[];
  latest: LatestPolicy;
  labels: readonly string[];
  buildArgs: readonly string[];
  secrets: readonly string[];
  registry?: string;
  username?: string;
  password?: string;
  sizeBudget?: string;
  /** The build context: a folder in the workspace, or a Git/HTTP URL. Default `.`. */
  context?: string;
  /** The Dockerfile, in the workspace. */
  file?: string;
  platforms?: readonly string[];
  /** Relative context and file paths are read from here. */
  workspace?: string;
}

/** Everything decided before anything runs: names, tags, labels, args, secrets, login, budget. */
export interface ImagePlan {
  name: ImageName;
  /** Bare tags, e.g. `1.2.3`. */
  tags: string[];
  /** Full references, e.g. `ghcr.io/swiss/app:1.2.3`. */
  references: string[];
  version: string;
  /** Why some rules yielded no tag, for the log. */
  notes: string[];
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  secrets: BuildSecret[];
  login?: { registry: string; username: string; password: string };
  sizeBudget?: number;
  /** The context's real path inside the workspace, or the remote context URL as given. */
  context: string;
  /** The Dockerfile's real path inside the workspace, when the `file` input gives one. */
  file?: string;
}

const SECRET_ID = /^[A-Za-z0-9_.-]+$/;
/** What buildx fetches itself instead of reading a folder: a Git or HTTP(S) URL. */
const REMOTE_CONTEXT = /^(?:https?:\/\/|git@|git:\/\/|ssh:\/\/)/i;

/** `id=value` lines into build secrets; the message never shows a value. */
export function parseBuildSecrets(lines: readonly string[]): BuildSecret[] {
  const secrets: BuildSecret[] = [];
  lines.forEach((line, index) => {
    const eq = line.indexOf('=');
    const id = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!SECRET_ID.test(id)) {
      throw new UserError(
        `Input "secrets" line ${index + 1} is not id=value with an id of letters, digits, ".", "_" or "-".`,
        {
          hint: 'Write one secret per line, e.g. npm_token=${{ secrets.NPM_TOKEN }}, and read it in a RUN --mount=type=secret,id=npm_token step.',
        },
      );
    }
    if (secrets.some((secret) => secret.id === id))
      throw new UserError(`Input "secrets" gives the secret "${id}" twice.`);
    const value = line.slice(eq + 1);
    registerSecret(value);
    secrets.push({ id, value });
  });
  return secrets;
}

/**
 * Decides the whole build from the inputs and the event, before any side effect: every problem with
 * a tag rule, a label, a build arg, a secret, the login or the budget surfaces here.
 */
export function planImage(request: ImageRequest, context: EventContext): ImagePlan {
  const name = parseImageName(request.image);
  if (request.registry) checkRegistry(request.registry);
  checkPlatforms(request.platforms ?? []);
  const workspace = request.workspace ?? process.cwd();
  const given = request.context ?? '.';
  // A remote context is fetched by BuildKit itself; only local paths could reach outside the workspace.
  const buildContext = REMOTE_CONTEXT.test(given)
    ? given
    : resolveBuildPath('context', given, workspace, 'folder');
  let file = request.file ? resolveBuildPath('file', request.file, workspace, 'file') : undefined;
  // The default Dockerfile is read too: a checked-in symlink there must not lead out of the workspace.
  const defaultFile = path.join(buildContext, 'Dockerfile');
  if (!file && buildContext !== given && existsSync(defaultFile))
    file = resolveBuildPath('file', path.relative(workspace, defaultFile), workspace, 'file');
  const rules = parseTagRules(request.tags);
  const { tags, version, notes } = computeTags(rules, context, request.latest);
  const labels = ociLabels(context, version, request.labels);
  const buildArgs = parseKeyValues('build-args', request.buildArgs);
  const secrets = parseBuildSecrets(request.secrets);

  let login: ImagePlan['login'];
  if (request.username || request.password) {
    if (!request.username || !request.password) {
      throw new UserError(
        `Inputs "username" and "password" go together; only ${request.username ? '"username"' : '"password"'} is set.`,
        { hint: 'Set both to log in, or neither to use the credentials the runner already has.' },
      );
    }
    login = {
      registry: request.registry || name.registry,
      username: request.username,
      password: request.password,
    };
  }
  let sizeBudget: number | undefined;
  if (request.sizeBudget) {
    sizeBudget = parseSize(request.sizeBudget);
    if (sizeBudget === undefined || sizeBudget <= 0) {
      throw new UserError(
        `Input "size-budget" is "${request.sizeBudget}": expected a size such as 150MB, 120MiB or 800kB.`,
      );
    }
  }
  return {
    name,
    tags,
    references: tags.map((tag) => `${name.repository}:${tag}`),
    version,
    notes,
    labels,
    buildArgs,
    secrets,
    login,
    sizeBudget,
    context: buildContext,
    file,
  };
}

/** Fails when the image is larger than its budget, saying by how much. */
export function checkSizeBudget(
  bytes: number,
  budget: number | undefined,
  format: (n: number) => string,
): void {
  if (budget === undefined || bytes <= budget) return;
  const over = bytes - budget;
  throw new UserError(
    `The image is ${format(bytes)}, ${format(over)} (${((over / budget) * 100).toFixed(1)}%) over its size budget of ${format(budget)}.`,
    {
      hint:
        'Make the image smaller (a slimmer runtime base, fewer files copied, dev dependencies left in the build stage) ' +
        'or raise size-budget. The image was pushed, but this step sets no outputs, so later steps do not deploy it.',
    },
  );
}
