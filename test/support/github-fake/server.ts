// The HTTP side of the GitHub fake: routes each request to an operation of GitHub's API description,
// checks the request against it (auth, Accept, path, query, body) and the answer against the documented
// response, and records every request and every violation.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { githubOpenApi, type GitHubOpenApi, type Operation, type SchemaProblem } from './openapi';
import { ApiRefusal, GitHubState } from './state';

export type ViolationKind =
  | 'unknown-endpoint'
  | 'unimplemented'
  | 'auth'
  | 'accept'
  | 'api-version'
  | 'path'
  | 'query'
  | 'body'
  | 'response';

/** Something the client did that GitHub's API does not allow (or the fake answered wrongly). */
export interface Violation {
  kind: ViolationKind;
  method: string;
  path: string;
  operationId?: string;
  message: string;
}

export interface RecordedRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: Record<string, string>;
  operationId?: string;
  /** Request headers, lower-case, Authorization redacted. */
  headers: Record<string, string>;
  body: unknown;
  status: number;
  response: unknown;
}

export interface GitHubFakeOptions {
  /** When set, only this token is accepted; another one gets 401 Bad credentials (like a revoked token). */
  token?: string;
  /** Branch/tag names → SHA. Without it any ref resolves to a stable made-up SHA. */
  refs?: Record<string, string>;
  /** Environments every repository starts with (GitHub also creates one when a deployment names it). */
  environments?: string[];
  /** The user writes are attributed to; default github-actions[bot]. */
  user?: { login: string; id: number; type?: string };
  /** Base of html_url links; default https://github.com. */
  serverUrl?: string;
}

export interface GitHubFake {
  /** Base URL of the API, e.g. http://127.0.0.1:43121 (use as GITHUB_API_URL). */
  url: string;
  requests: RecordedRequest[];
  violations: Violation[];
  state: GitHubState;
  /** Returns the violations so far and forgets them (for tests that provoke one on purpose). */
  takeViolations(): Violation[];
  /** The next `times` requests to operationId (e.g. repos/create-deployment) get this status instead. */
  failNext(operationId: string, status: number, options?: { times?: number; message?: string }): void;
  close(): Promise<void>;
}

const API_VERSIONS = ['2022-11-28', '2026-03-10'];
const DOCS = 'https://docs.github.com/rest';
/** GitHub answers these on any endpoint, documented there or not (missing resource, no access). */
const ALWAYS_POSSIBLE = new Set(['401', '403', '404']);

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Context {
  repo: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** The request URL, for pagination links. */
  url: URL;
}

type Handler = (state: GitHubState, ctx: Context) => Answer;

const HANDLERS: Record<string, Handler> = {
  'repos/create-deployment': (state, ctx) => ({
    status: 201,
    body: state.createDeployment(ctx.repo, ctx.body),
  }),
  'repos/list-deployments': (state, ctx) => {
    const q = ctx.query;
    const items = state
      .deploymentsOf(ctx.repo)
      .map((d) => d.deployment)
      .filter(
        (d) =>
          (q.sha === undefined || d.sha === q.sha) &&
          (q.ref === undefined || d.ref === q.ref) &&
          (q.task === undefined || d.task === q.task) &&
          (q.environment === undefined || d.environment === q.environment),
      );
    return paginate(items, ctx);
  },
  'repos/get-deployment': (state, ctx) => ({
    status: 200,
    body: state.findDeployment(ctx.repo, Number(ctx.params.deployment_id)).deployment,
  }),
  'repos/delete-deployment': (state, ctx) => {
    state.deleteDeployment(ctx.repo, Number(ctx.params.deployment_id));
    return { status: 204 };
  },
  'repos/create-deployment-status': (state, ctx) => ({
    status: 201,
    body: state.createDeploymentStatus(ctx.repo, Number(ctx.params.deployment_id), ctx.body),
  }),
  'repos/list-deployment-statuses': (state, ctx) => {
    const stored = state.findDeployment(ctx.repo, Number(ctx.params.deployment_id));
    return paginate([...stored.statuses].reverse(), ctx);
  },
  'repos/get-deployment-status': (state, ctx) => {
    const stored = state.findDeployment(ctx.repo, Number(ctx.params.deployment_id));
    const status = stored.statuses.find((s) => s.id === Number(ctx.params.status_id));
    if (!status) throw new ApiRefusal(404, 'Not Found');
    return { status: 200, body: status };
  },
  'repos/get-all-environments': (state, ctx) => {
    const all = state.environmentsOf(ctx.repo);
    const page = paginate(all, ctx);
    return { ...page, body: { total_count: all.length, environments: page.body } };
  },
  'repos/get-environment': (state, ctx) => ({
    status: 200,
    body: state.findEnvironment(ctx.repo, ctx.params.environment_name ?? ''),
  }),
  'repos/create-or-update-environment': (state, ctx) => ({
    status: 200,
    body: state.ensureEnvironment(ctx.repo, ctx.params.environment_name ?? '', ctx.body),
  }),
  'repos/delete-an-environment': (state, ctx) => {
    state.deleteEnvironment(ctx.repo, ctx.params.environment_name ?? '');
    return { status: 204 };
  },
  'repos/create-commit-status': (state, ctx) => {
    const status = state.createCommitStatus(ctx.repo, ctx.params.sha ?? '', ctx.body);
    return { status: 201, body: status, headers: { location: status.url } };
  },
  'repos/list-commit-statuses-for-ref': (state, ctx) =>
    paginate(state.commitStatusesFor(ctx.repo, ctx.params.ref ?? ''), ctx),
  'issues/list-comments': (state, ctx) =>
    paginate(state.commentsOf(ctx.repo, Number(ctx.params.issue_number)), ctx),
  'issues/create-comment': (state, ctx) => {
    const comment = state.createComment(ctx.repo, Number(ctx.params.issue_number), ctx.body);
    return { status: 201, body: comment, headers: { location: comment.url } };
  },
  'issues/get-comment': (state, ctx) => ({
    status: 200,
    body:
      state.comments.find((c) => c.comment.id === Number(ctx.params.comment_id))?.comment ??
      (() => {
        throw new ApiRefusal(404, 'Not Found');
      })(),
  }),
  'issues/update-comment': (state, ctx) => ({
    status: 200,
    body: state.updateComment(ctx.repo, Number(ctx.params.comment_id), ctx.body),
  }),
};

/** One page of a list, with GitHub's Link header (rel next/last/first/prev) when there is more than one. */
function paginate<T>(items: T[], ctx: Context): Answer {
  const perPage = Math.min(Math.max(Number(ctx.query.per_page ?? 30), 1), 100);
  const page = Math.max(Number(ctx.query.page ?? 1), 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number): string => {
    const url = new URL(ctx.url);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(n));
    return `<${url}>`;
  };
  const rels: string[] = [];
  if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) rels.push(`${link(1)}; rel="first"`, `${link(Math.min(page - 1, last))}; rel="prev"`);
  return {
    status: 200,
    body: items.slice((page - 1) * perPage, page * perPage),
    headers: rels.length > 0 ? { link: rels.join(', ') } : {},
  };
}

class Refused extends Error {
  constructor(readonly answer: Answer) {
    super(String((answer.body as { message?: string } | undefined)?.message ?? answer.status));
  }
}

export async function startGitHubFake(options: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const api = githubOpenApi();
  const requests: RecordedRequest[] = [];
  const violations: Violation[] = [];
  const failures = new Map<string, { status: number; times: number; message?: string }>();
  let requestCounter = 0;

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const answer = handle(req, raw);
      const headers: Record<string, string> = {
        'x-github-request-id': `FAKE:${(++requestCounter).toString(16).toUpperCase()}`,
        'x-github-api-version-selected': String(req.headers['x-github-api-version'] ?? API_VERSIONS[0]),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(Math.max(5000 - requestCounter, 0)),
        'x-ratelimit-used': String(requestCounter),
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-resource': 'core',
        ...answer.headers,
      };
      if (answer.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
      res.writeHead(answer.status, headers);
      res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  });

  function handle(req: IncomingMessage, raw: string): Answer {
    const method = (req.method ?? 'GET').toLowerCase();
    const url = new URL(req.url ?? '/', fake.url);
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const record: RecordedRequest = {
      method: method.toUpperCase(),
      path,
      query,
      headers: redactHeaders(req.headers),
      body: raw === '' ? undefined : safeJson(raw),
      status: 0,
      response: undefined,
    };
    requests.push(record);
    const finish = (answer: Answer): Answer => {
      record.status = answer.status;
      record.response = answer.body;
      return answer;
    };
    const violate = (kind: ViolationKind, message: string, operationId?: string): void => {
      violations.push({ kind, method: method.toUpperCase(), path, operationId, message });
    };

    const match = api.match(method, path);
    if (!match) {
      const methods = api.knowsPath(path);
      violate(
        'unknown-endpoint',
        methods.length > 0
          ? `GitHub's API has no ${method.toUpperCase()} ${path}; that path takes ${methods.join(', ')}`
          : `GitHub's API has no endpoint ${method.toUpperCase()} ${path}`,
      );
      return finish(error(404, 'Not Found', DOCS));
    }
    const { operation } = match;
    record.operationId = operation.operationId;
    try {
      checkHeaders(req, operation, violate);
      const params = checkParameters(api, operation, match.params, 'path', violate);
      const checkedQuery = checkParameters(api, operation, query, 'query', violate);
      const body = checkBody(api, operation, raw, req, violate);
      const failure = failures.get(operation.operationId);
      if (failure && failure.times > 0) {
        failure.times -= 1;
        return finish(error(failure.status, failure.message ?? 'Injected failure', operation.docsUrl));
      }
      const handler = HANDLERS[operation.operationId];
      if (!handler) {
        violate(
          'unimplemented',
          `${operation.operationId} (${operation.method.toUpperCase()} ${operation.template}) is in GitHub's API but not in the fake: add it to test/support/github-fake`,
          operation.operationId,
        );
        return finish(
          error(501, `The GitHub fake does not implement ${operation.operationId}`, operation.docsUrl),
        );
      }
      let answer: Answer;
      try {
        answer = handler(state, {
          repo: `${params.owner}/${params.repo}`,
          params: params as Record<string, string>,
          query: checkedQuery,
          body: (body ?? {}) as Record<string, unknown>,
          url,
        });
      } catch (refusal) {
        if (!(refusal instanceof ApiRefusal)) throw refusal;
        answer = error(refusal.status, refusal.message, operation.docsUrl, refusal.extra);
      }
      const problems = checkResponse(api, operation, answer);
      if (problems) {
        violate('response', problems, operation.operationId);
        return finish(
          error(500, `The GitHub fake answered against GitHub's API description: ${problems}`, DOCS),
        );
      }
      return finish(answer);
    } catch (refused) {
      if (refused instanceof Refused) return finish(refused.answer);
      const message = refused instanceof Error ? (refused.stack ?? refused.message) : String(refused);
      violate('response', `the fake failed: ${message}`, operation.operationId);
      return finish(error(500, 'The GitHub fake failed', DOCS));
    }
  }

  function checkHeaders(req: IncomingMessage, operation: Operation, violate: ViolateFn): void {
    const id = operation.operationId;
    const authorization = req.headers.authorization;
    const token = /^(?:Bearer|token) (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) {
      violate(
        'auth',
        authorization
          ? 'the Authorization header is neither "Bearer <token>" nor "token <token>"'
          : 'no Authorization header: every request must send "Authorization: Bearer <token>"',
        id,
      );
      throw new Refused(error(401, 'Requires authentication', operation.docsUrl));
    }
    if (options.token !== undefined && token !== options.token) {
      throw new Refused(error(401, 'Bad credentials', DOCS));
    }
    const accept = String(req.headers.accept ?? '');
    const ranges = accept.split(',').map((r) => r.split(';')[0]?.trim().toLowerCase() ?? '');
    if (!ranges.some((r) => /^application\/(vnd\.github(\.[\w-]+)?\+json|json)$/.test(r))) {
      violate(
        'accept',
        `Accept is ${accept ? `"${accept}"` : 'missing'}: send "Accept: application/vnd.github+json"`,
        id,
      );
      throw new Refused(error(415, `Unsupported 'Accept' header: ${JSON.stringify(accept)}`, DOCS));
    }
    const version = req.headers['x-github-api-version'];
    if (version !== undefined && !API_VERSIONS.includes(String(version))) {
      violate(
        'api-version',
        `X-GitHub-Api-Version ${String(version)} is not one of ${API_VERSIONS.join(', ')}`,
        id,
      );
      throw new Refused(error(400, `API version ${String(version)} is not supported.`, DOCS));
    }
  }

  const fake: GitHubFake = {
    url: '',
    requests,
    violations,
    get state(): GitHubState {
      return state;
    },
    takeViolations: () => violations.splice(0, violations.length),
    failNext: (operationId, status, opts = {}) => {
      failures.set(operationId, { status, times: opts.times ?? 1, message: opts.message });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  // Made once the port is known: every URL in the answers points back at this server.
  const state = new GitHubState({
    apiUrl: fake.url,
    serverUrl: options.serverUrl ?? 'https://github.com',
    refs: options.refs,
    user: { type: 'Bot', ...(options.user ?? { login: 'github-actions[bot]', id: 41898282 }) },
  });
  return fake;
}

type ViolateFn = (kind: ViolationKind, message: string, operationId?: string) => void;

/** Path or query parameters, converted from text by their schema types and validated. */
function checkParameters(
  api: GitHubOpenApi,
  operation: Operation,
  given: Record<string, string>,
  where: 'path' | 'query',
  violate: ViolateFn,
): Record<string, unknown> {
  const declared = operation.parameters.filter((p) => p.in === where);
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!declared.some((p) => p.name === name)) {
      // GitHub ignores an unknown query parameter; a client that sends one has a typo or a wrong idea.
      violate(
        'query',
        `${operation.operationId} takes no query parameter "${name}" (GitHub ignores it); it takes ${declared.map((p) => p.name).join(', ') || 'none'}`,
        operation.operationId,
      );
    }
  }
  for (const param of declared) {
    const text = given[param.name];
    if (text === undefined) {
      if (param.required) problems.push(`"${param.name}" wasn't supplied.`);
      continue;
    }
    const value = fromText(api.typeOf(param.schemaPointer), text);
    values[param.name] = value;
    for (const problem of api.validate(param.schemaPointer, value)) {
      problems.push(`For '${param.name}', ${problem.message}`);
    }
  }
  if (problems.length > 0) {
    violate(
      where,
      `${where} parameters of ${operation.operationId}: ${problems.join(' ')}`,
      operation.operationId,
    );
    // A path that does not name a resource is a 404 on GitHub; a bad query value is refused.
    throw new Refused(
      where === 'path'
        ? error(404, 'Not Found', operation.docsUrl)
        : error(422, `Invalid request.\n\n${problems.join('\n')}`, operation.docsUrl),
    );
  }
  return values;
}

function fromText(type: string | undefined, text: string): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function checkBody(
  api: GitHubOpenApi,
  operation: Operation,
  raw: string,
  req: IncomingMessage,
  violate: ViolateFn,
): unknown {
  const spec = operation.requestBody;
  const id = operation.operationId;
  if (!spec) {
    if (raw.trim() !== '') violate('body', `${id} takes no request body, but one was sent`, id);
    return undefined;
  }
  if (raw.trim() === '') {
    if (!spec.required) return undefined;
    violate('body', `${id} needs a JSON request body; none was sent`, id);
    throw new Refused(error(400, 'Problems parsing JSON', operation.docsUrl));
  }
  const contentType = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(contentType)) {
    violate(
      'body',
      `Content-Type is ${contentType ? `"${contentType}"` : 'missing'}: send application/json`,
      id,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    violate('body', `the request body of ${id} is not JSON: ${raw.slice(0, 80)}`, id);
    throw new Refused(error(400, 'Problems parsing JSON', operation.docsUrl));
  }
  const problems = api.validate(spec.schemaPointer, body);
  if (problems.length > 0) {
    const lines = problems.map(formatProblem);
    violate('body', `the request body of ${id} breaks GitHub's schema: ${lines.join(' ')}`, id);
    throw new Refused(error(422, `Invalid request.\n\n${lines.join('\n')}`, operation.docsUrl));
  }
  const known = api.declaredProperties(spec.schemaPointer);
  if (known && body && typeof body === 'object' && !Array.isArray(body)) {
    for (const name of Object.keys(body)) {
      if (!known.includes(name)) {
        violate(
          'body',
          `${id} has no body property "${name}" (GitHub ignores it); it takes ${known.join(', ')}`,
          id,
        );
      }
    }
  }
  return body;
}

function formatProblem(problem: SchemaProblem): string {
  return problem.where ? `For '${problem.where}', ${problem.message}` : problem.message;
}

/** Undefined when the answer matches the documented response for its status, else what is wrong. */
function checkResponse(api: GitHubOpenApi, operation: Operation, answer: Answer): string | undefined {
  const code = String(answer.status);
  let pointer = operation.responses.get(code);
  if (pointer === undefined) {
    if (!operation.responses.has(code) && !ALWAYS_POSSIBLE.has(code)) {
      return `status ${code} is not documented for ${operation.operationId} (documented: ${[...operation.responses.keys()].join(', ')})`;
    }
    pointer = ALWAYS_POSSIBLE.has(code) ? '/components/schemas/basic-error' : null;
  }
  if (pointer === null) return undefined;
  const problems = api.validate(pointer, answer.body);
  if (problems.length === 0) return undefined;
  return `the ${code} answer of ${operation.operationId} breaks its schema: ${problems.map(formatProblem).join(' ')}`;
}

function error(
  status: number,
  message: string,
  documentationUrl: string,
  extra: Record<string, unknown> = {},
): Answer {
  return { status, body: { message, documentation_url: documentationUrl, status: String(status), ...extra } };
}

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = name === 'authorization' ? String(value).replace(/\s+\S+$/, ' ***') : String(value);
  }
  return out;
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
