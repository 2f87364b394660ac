// The GitHub fake on its own loopback port: GitHub's deployment rules, and its refusal of anything GitHub's
// published API description does not allow.
import { expectNoViolations, startGitHubFake, type GitHubFake } from '../../support/github-fake';
import { githubOpenApi } from '../../support/github-fake/openapi';

const REPO = '/repos/octo/app';
const HEADERS = {
  authorization: 'Bearer ghs_test_token',
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
};

let fake: GitHubFake;

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = HEADERS,
): Promise<Reply> {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function deploy(environment: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await call('POST', `${REPO}/deployments`, {
    ref: 'main',
    environment,
    required_contexts: [],
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body.id as number;
}

async function setStatus(id: number, state: string, extra: Record<string, unknown> = {}): Promise<Reply> {
  return call('POST', `${REPO}/deployments/${id}/statuses`, { state, ...extra });
}

async function latestState(id: number): Promise<string> {
  const res = await call('GET', `${REPO}/deployments/${id}/statuses?per_page=1`);
  expect(res.status).toBe(200);
  return res.body[0]?.state as string;
}

/** Independent of the fake's own check: the documented schema of an operation's answer. */
function documentedProblems(operationId: string, status: string, body: unknown): unknown[] {
  const api = githubOpenApi();
  const [method, path] = {
    'repos/create-deployment': ['post', '/repos/o/r/deployments'],
    'repos/create-deployment-status': ['post', '/repos/o/r/deployments/1/statuses'],
  }[operationId] as [string, string];
  const pointer = api.match(method, path)?.operation.responses.get(status);
  if (!pointer) throw new Error(`no documented ${status} for ${operationId}`);
  return api.validate(pointer, body);
}

beforeEach(async () => {
  fake = await startGitHubFake();
});

afterEach(async () => {
  try {
    expectNoViolations(fake);
  } finally {
    await fake.close();
  }
});

describe('the GitHub fake', () => {
  it('creates a deployment with 201 and an answer that matches GitHub’s documented Deployment schema', async () => {
    const res = await call('POST', `${REPO}/deployments`, {
      ref: 'main',
      environment: 'staging',
      description: 'deploy web',
      payload: { image: 'registry/app@sha256:abc' },
      required_contexts: [],
      auto_merge: false,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      ref: 'main',
      environment: 'staging',
      original_environment: 'staging',
      task: 'deploy',
      description: 'deploy web',
      payload: { image: 'registry/app@sha256:abc' },
      production_environment: false,
      transient_environment: false,
      creator: { login: 'github-actions[bot]' },
    });
    expect(res.body.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(res.body.url).toBe(`${fake.url}${REPO}/deployments/${res.body.id}`);
    expect(documentedProblems('repos/create-deployment', '201', res.body)).toEqual([]);
    expect(fake.state.deploymentsOf('octo/app')).toHaveLength(1);
  });

  it('records every request with its operation, body and answer, and never the token', async () => {
    await deploy('staging');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: `${REPO}/deployments`,
      operationId: 'repos/create-deployment',
      body: { ref: 'main', environment: 'staging' },
      status: 201,
    });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer ***');
  });

  it('takes a deployment from in_progress to success and lists its statuses newest first', async () => {
    const id = await deploy('staging');
    const progress = await setStatus(id, 'in_progress', { log_url: 'https://ci.example/run/1' });
    expect(progress.status).toBe(201);
    expect(progress.body).toMatchObject({ state: 'in_progress', environment: 'staging' });
    // log_url replaces target_url and sets it too.
    expect(progress.body.target_url).toBe('https://ci.example/run/1');
    const success = await setStatus(id, 'success', { environment_url: 'https://staging.example/' });
    expect(success.status).toBe(201);
    expect(documentedProblems('repos/create-deployment-status', '201', success.body)).toEqual([]);

    const list = await call('GET', `${REPO}/deployments/${id}/statuses`);
    expect(list.body.map((s: { state: string }) => s.state)).toEqual(['success', 'in_progress']);
    const one = await call('GET', `${REPO}/deployments/${id}/statuses/${progress.body.id}`);
    expect(one.body.state).toBe('in_progress');
  });

  it('marks the previous successful deployment of the environment inactive when a new one succeeds', async () => {
    const first = await deploy('staging');
    await setStatus(first, 'success');
    const other = await deploy('qa');
    await setStatus(other, 'success');
    const second = await deploy('staging');
    await setStatus(second, 'in_progress');
    expect(await latestState(first)).toBe('success');

    await setStatus(second, 'success');
    expect(await latestState(first)).toBe('inactive');
    expect(await latestState(second)).toBe('success');
    expect(await latestState(other)).toBe('success');
  });

  it('leaves prior deployments alone with auto_inactive false, and for transient and production environments', async () => {
    const kept = await deploy('staging');
    await setStatus(kept, 'success');
    const next = await deploy('staging');
    await setStatus(next, 'success', { auto_inactive: false });
    expect(await latestState(kept)).toBe('success');

    // GitHub documents auto_inactive for "prior non-transient, non-production environment deployments".
    const prod = await deploy('production');
    await setStatus(prod, 'success');
    await setStatus(await deploy('production'), 'success');
    expect(await latestState(prod)).toBe('success');
    const review = await deploy('pr-7', { transient_environment: true });
    await setStatus(review, 'success');
    await setStatus(await deploy('pr-7'), 'success');
    expect(await latestState(review)).toBe('success');
  });

  it('refuses a body that breaks the schema with a GitHub-style 422 and records a violation', async () => {
    const res = await call('POST', `${REPO}/deployments`, { ref: 'main', environment: 5 });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe("Invalid request.\n\nFor 'properties/environment', 5 is not a string.");
    expect(res.body.documentation_url).toMatch(/^https:\/\/docs\.github\.com\/rest\/deployments/);
    const violations = fake.takeViolations();
    expect(violations).toEqual([
      expect.objectContaining({ kind: 'body', operationId: 'repos/create-deployment' }),
    ]);
    expect(fake.state.deploymentsOf('octo/app')).toHaveLength(0);
  });

  it('refuses a deployment status with a state GitHub does not know', async () => {
    const id = await deploy('staging');
    const res = await setStatus(id, 'done');
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('For \'properties/state\', "done" is not a member of');
    expect(fake.takeViolations()).toEqual([expect.objectContaining({ kind: 'body' })]);
  });

  it('refuses a request body without a required field and one that is not JSON', async () => {
    const missing = await call('POST', `${REPO}/deployments`, { environment: 'staging' });
    expect(missing.status).toBe(422);
    expect(missing.body.message).toBe('Invalid request.\n\n"ref" wasn\'t supplied.');
    const broken = await call('POST', `${REPO}/deployments`, '{"ref": ');
    expect(broken.status).toBe(400);
    expect(broken.body.message).toBe('Problems parsing JSON');
    expect(fake.takeViolations().map((v) => v.kind)).toEqual(['body', 'body']);
  });

  it('answers an endpoint GitHub does not have with 404 and records a violation', async () => {
    const res = await call('GET', `${REPO}/deployment`);
    expect(res.status).toBe(404);
    const wrongMethod = await call('PATCH', `${REPO}/deployments/1`, { state: 'success' });
    expect(wrongMethod.status).toBe(404);
    const violations = fake.takeViolations();
    expect(violations.map((v) => v.kind)).toEqual(['unknown-endpoint', 'unknown-endpoint']);
    expect(violations[1]?.message).toContain('that path takes GET, DELETE');
  });

  it('answers a request without Authorization with 401 and records a violation', async () => {
    const res = await call('GET', `${REPO}/deployments`, undefined, {
      accept: 'application/vnd.github+json',
    });
    expect(res.status).toBe(401);
    expect(res.body.message).toBe('Requires authentication');
    expect(fake.takeViolations()).toEqual([expect.objectContaining({ kind: 'auth' })]);
  });

  it('accepts "token" and "Bearer" tokens, and answers a wrong one with Bad credentials', async () => {
    await fake.close();
    fake = await startGitHubFake({ token: 'ghs_right' });
    const legacy = await call('GET', `${REPO}/deployments`, undefined, {
      ...HEADERS,
      authorization: 'token ghs_right',
    });
    expect(legacy.status).toBe(200);
    const wrong = await call('GET', `${REPO}/deployments`, undefined, {
      ...HEADERS,
      authorization: 'Bearer ghs_wrong',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toBe('Bad credentials');
  });

  it('refuses a request that does not accept GitHub’s JSON media type', async () => {
    const res = await call('GET', `${REPO}/deployments`, undefined, { authorization: HEADERS.authorization });
    expect(res.status).toBe(415);
    expect(fake.takeViolations()).toEqual([expect.objectContaining({ kind: 'accept' })]);
  });

  it('records an endpoint GitHub has but the fake does not serve, so the fake grows with the suite', async () => {
    const res = await call('GET', '/repos/octo/app/pulls');
    expect(res.status).toBe(501);
    expect(fake.takeViolations()).toEqual([
      expect.objectContaining({ kind: 'unimplemented', operationId: 'pulls/list' }),
    ]);
  });

  it('records query parameters the operation does not take and path values of the wrong type', async () => {
    const typo = await call('GET', `${REPO}/deployments?environments=staging`);
    expect(typo.status).toBe(200);
    const notAnId = await call('GET', `${REPO}/deployments/latest`);
    expect(notAnId.status).toBe(404);
    expect(fake.takeViolations().map((v) => v.kind)).toEqual(['query', 'path']);
  });

  it('records a body property the operation does not take (GitHub would silently ignore it)', async () => {
    const res = await call('POST', `${REPO}/deployments`, {
      ref: 'main',
      required_contexts: [],
      autoMerge: false,
    });
    expect(res.status).toBe(201);
    expect(fake.takeViolations()).toEqual([expect.objectContaining({ kind: 'body' })]);
  });

  it('answers with a loud 500 and a violation when its own answer would break GitHub’s schema', async () => {
    const id = await deploy('staging');
    // The request schema takes any string here; the documented answer says the field is a URI.
    const res = await setStatus(id, 'success', { environment_url: 'not a url' });
    expect(res.status).toBe(500);
    expect(fake.takeViolations()).toEqual([expect.objectContaining({ kind: 'response' })]);
  });

  it('filters and pages deployments with GitHub’s Link header', async () => {
    for (let i = 0; i < 3; i++) await deploy('staging');
    await deploy('production');
    const staging = await call('GET', `${REPO}/deployments?environment=staging&per_page=2`);
    expect(staging.body).toHaveLength(2);
    expect(staging.headers.get('link')).toContain('page=2>; rel="next"');
    const rest = await call('GET', `${REPO}/deployments?environment=staging&per_page=2&page=2`);
    expect(rest.body).toHaveLength(1);
    expect(rest.headers.get('link')).toContain('rel="prev"');
    const all = await call('GET', `${REPO}/deployments`);
    expect(all.body.map((d: { environment: string }) => d.environment)).toEqual([
      'production',
      'staging',
      'staging',
      'staging',
    ]);
  });

  it('deletes an inactive deployment but refuses an active one while others exist', async () => {
    const old = await deploy('staging');
    await setStatus(old, 'success');
    const current = await deploy('staging');
    await setStatus(current, 'success');
    const refused = await call('DELETE', `${REPO}/deployments/${current}`);
    expect(refused.status).toBe(422);
    const deleted = await call('DELETE', `${REPO}/deployments/${old}`);
    expect(deleted.status).toBe(204);
    const gone = await call('GET', `${REPO}/deployments/${old}`);
    expect(gone.status).toBe(404);
  });

  it('creates the environment a deployment names, and answers 404 for one that does not exist', async () => {
    expect((await call('GET', `${REPO}/environments/staging`)).status).toBe(404);
    await deploy('staging');
    const env = await call('GET', `${REPO}/environments/staging`);
    expect(env.status).toBe(200);
    expect(env.body.name).toBe('staging');
    const put = await call('PUT', `${REPO}/environments/review%2Fpr-1`, { wait_timer: 0 });
    expect(put.status).toBe(200);
    const list = await call('GET', `${REPO}/environments`);
    expect(list.body.total_count).toBe(2);
    expect(list.body.environments.map((e: { name: string }) => e.name)).toEqual(['staging', 'review/pr-1']);
  });

  it('refuses a ref it does not know when given its refs, and a deployment whose required statuses failed', async () => {
    await fake.close();
    const sha = 'a'.repeat(40);
    fake = await startGitHubFake({ refs: { main: sha } });
    const unknown = await call('POST', `${REPO}/deployments`, { ref: 'nope' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('No ref found for: nope');

    const status = await call('POST', `${REPO}/statuses/${sha}`, { state: 'failure', context: 'ci/test' });
    expect(status.status).toBe(201);
    const blocked = await call('POST', `${REPO}/deployments`, { ref: 'main' });
    expect(blocked.status).toBe(409);
    const bypassed = await call('POST', `${REPO}/deployments`, { ref: 'main', required_contexts: [] });
    expect(bypassed.status).toBe(201);
    expect(bypassed.body.sha).toBe(sha);
    const statuses = await call('GET', `${REPO}/commits/heads/main/statuses`);
    expect(statuses.body.map((s: { context: string }) => s.context)).toEqual(['ci/test']);
  });

  it('fails the next calls of an operation on request, for retry tests', async () => {
    fake.failNext('repos/create-deployment', 502, { times: 2 });
    expect((await call('POST', `${REPO}/deployments`, { ref: 'main' })).status).toBe(502);
    expect((await call('POST', `${REPO}/deployments`, { ref: 'main' })).status).toBe(502);
    expect((await call('POST', `${REPO}/deployments`, { ref: 'main' })).status).toBe(201);
  });

  it('makes expectNoViolations fail with every violation it saw', async () => {
    await call('GET', `${REPO}/nothing-here`);
    await call('POST', `${REPO}/deployments`, { ref: 1 });
    expect(() => expectNoViolations(fake)).toThrow(
      /2 request\(s\)[\s\S]*\[unknown-endpoint\] GET \/repos\/octo\/app\/nothing-here[\s\S]*\[body\] POST/,
    );
    // …and clears them, so the next test starts clean.
    expect(fake.violations).toEqual([]);
  });
});
