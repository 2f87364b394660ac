// A Prometheus HTTP API client for instant queries (GET /api/v1/query), with a deadline on every request,
// bearer or basic auth and a CA of its own for TLS. Credentials travel in a header only, never in a URL
// that could be logged.
import * as http from 'node:http';
import * as https from 'node:https';

export interface PrometheusAuth {
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
  /** Sent as `Authorization: Basic …` with `password`. */
  username?: string;
  password?: string;
}

export interface PrometheusConfig extends PrometheusAuth {
  /** The server, e.g. http://prometheus.monitoring:9090, optionally with a path prefix. */
  url: string;
  /** PEM certificates that sign the server's certificate (https only). */
  ca?: string;
  /** Deadline of one request. */
  timeoutMs: number;
}

/** The values a query answered with, one per series, in the order Prometheus gave them. */
export interface QueryAnswer {
  values: number[];
  /** Each series' labels, for the summary. */
  series: Array<Record<string, string>>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Reads Prometheus' float strings: "0.5", "NaN", "+Inf", "-Inf". */
function sampleValue(text: unknown): number {
  if (typeof text !== 'string') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function authorization(config: PrometheusAuth): string | undefined {
  if (config.token) return `Bearer ${config.token}`;
  if (config.username !== undefined && config.username !== '')
    return `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
  return undefined;
}

/** GET `url` with the config's auth and CA, under its deadline; resolves with status and body. */
function get(
  config: PrometheusConfig,
  url: URL,
  signal?: AbortSignal,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const auth = authorization(config);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(auth ? { authorization: auth } : {}),
    };
    const options = { method: 'GET', headers, timeout: config.timeoutMs, signal };
    const request =
      url.protocol === 'https:'
        ? https.request(url, { ...options, ...(config.ca ? { ca: config.ca } : {}) })
        : http.request(url, options);
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${config.timeoutMs} ms`)),
      config.timeoutMs,
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${config.timeoutMs} ms`)));
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES)
          request.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end();
  });
}

/** The error of a refused query: a bad query is the spec's fault, anything else the server's. */
export class QueryError extends Error {
  constructor(
    message: string,
    readonly kind: 'bad-query' | 'unreachable' | 'refused',
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

/**
 * One instant query. A vector answers one value per series, a scalar one value; a range vector or a
 * string is refused (the spec must ask for an instant vector). Throws QueryError.
 */
export async function queryPrometheus(
  config: PrometheusConfig,
  query: string,
  signal?: AbortSignal,
): Promise<QueryAnswer> {
  const url = new URL('api/v1/query', config.url.endsWith('/') ? config.url : `${config.url}/`);
  url.searchParams.set('query', query);
  let answer: { status: number; body: string };
  try {
    answer = await get(config, url, signal);
  } catch (error) {
    throw new QueryError(
      `Prometheus at ${config.url} did not answer: ${(error as Error).message}`,
      'unreachable',
    );
  }
  let body: {
    status?: string;
    errorType?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    throw new QueryError(
      `Prometheus at ${config.url} answered HTTP ${answer.status} without a JSON body (is it the Prometheus HTTP API?)`,
      'refused',
    );
  }
  if (answer.status === 401 || answer.status === 403)
    throw new QueryError(
      `Prometheus at ${config.url} refused the credentials (HTTP ${answer.status})`,
      'refused',
    );
  if (body.status !== 'success') {
    const kind = body.errorType === 'bad_data' ? 'bad-query' : 'refused';
    throw new QueryError(
      `Prometheus refused the query (${body.errorType ?? `HTTP ${answer.status}`}): ${body.error ?? ''}`.trim(),
      kind,
    );
  }
  const { resultType, result } = body.data ?? {};
  if (resultType === 'scalar' && Array.isArray(result))
    return { values: [sampleValue(result[1])], series: [{}] };
  if (resultType === 'vector' && Array.isArray(result)) {
    const samples = result as Array<{ metric?: Record<string, string>; value?: [number, string] }>;
    return {
      values: samples.map((s) => sampleValue(s.value?.[1])),
      series: samples.map((s) => s.metric ?? {}),
    };
  }
  throw new QueryError(
    `the query answers a ${resultType ?? 'nothing'}, not an instant vector or scalar: drop the range selector ([5m]) or wrap it in a function such as rate()`,
    'bad-query',
  );
}
