import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { rootCertificates } from 'node:tls';
import type { ProbeFailureKind, ProbeResponse, TlsOptions } from './types';

export interface ProbeOptions {
  method: string;
  /** Absolute http:// or https:// URL. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole exchange, redirects included, must finish within this. */
  timeoutMs: number;
  followRedirects: boolean;
  maxRedirects: number;
  /**
   * Sent as the Host header (and as the TLS server name) while connecting to `url`'s address: how to
   * reach a virtual host through an IP, a load balancer, or a port-forward.
   */
  hostHeader?: string;
  tls: TlsOptions;
  /** Keep-alive agents for load mode; by default every exchange opens its own connection. */
  agents?: { http: http.Agent; https: https.Agent };
  /** Bytes of body kept for matching; the rest is read and dropped. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** An exchange that got no HTTP answer worth judging, and whether trying again could help. */
export class ProbeError extends Error {
  constructor(
    readonly kind: ProbeFailureKind,
    message: string,
    readonly retryable: boolean,
    readonly latencyMs: number,
    readonly url: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const SENSITIVE_ON_REDIRECT = /^(authorization|proxy-authorization|cookie)$/i;
const USER_AGENT = 'swiss-deploy-smoke-test';

interface Hop {
  /** Where the connection goes. */
  connect: URL;
  /** The Host header (virtual host) sent there, when it is not connect's own. */
  host?: string;
  method: string;
  body?: string;
  headers: Record<string, string>;
}

/** The URL as the server sees it: the virtual host, when one is set. */
function virtualUrl(hop: Hop): URL {
  if (!hop.host) return hop.connect;
  return new URL(`${hop.connect.pathname}${hop.connect.search}`, `${hop.connect.protocol}//${hop.host}`);
}

/**
 * Sends one request with node's own http/https, so that TLS (extra CAs, insecure), redirects (followed
 * up to a cap, loops detected), the deadline and the latency are all under our control. Resolves with
 * any HTTP answer (a 500 is an answer); rejects with a ProbeError when there is none.
 */
export async function probe(options: ProbeOptions): Promise<ProbeResponse> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: '*/*', ...options.headers };
  let hop: Hop = {
    connect: new URL(options.url),
    host: options.hostHeader,
    method: options.method,
    body: options.body,
    headers,
  };
  const redirects: string[] = [];
  const seen = [`${hop.method} ${virtualUrl(hop).href}`];
  try {
    for (;;) {
      const answer = await exchange(hop, options, controller.signal).catch((error: unknown) => {
        throw toProbeError(error, controller.signal.aborted, options, elapsed(), virtualUrl(hop).href);
      });
      const location = answer.headers.location;
      if (!options.followRedirects || !REDIRECTS.has(answer.status) || !location) {
        return { ...answer, latencyMs: elapsed(), url: virtualUrl(hop).href, redirects };
      }
      const from = virtualUrl(hop);
      redirects.push(from.href);
      let next: URL;
      try {
        next = new URL(location, from);
      } catch {
        throw new ProbeError(
          'network',
          `${from.href} redirects to an invalid location "${location}"`,
          false,
          elapsed(),
          from.href,
        );
      }
      hop = nextHop(hop, next, answer.status);
      const key = `${hop.method} ${virtualUrl(hop).href}`;
      if (seen.includes(key)) {
        const chain = [...redirects, virtualUrl(hop).href].map((u) => shortUrl(u)).join(' → ');
        throw new ProbeError('redirect-loop', `redirect loop: ${chain}`, false, elapsed(), options.url);
      }
      if (redirects.length > options.maxRedirects) {
        throw new ProbeError(
          'too-many-redirects',
          `more than ${options.maxRedirects} redirects: ${[...redirects, virtualUrl(hop).href].map((u) => shortUrl(u)).join(' → ')}`,
          false,
          elapsed(),
          options.url,
        );
      }
      seen.push(key);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Where a redirect leads, with the method and credentials a browser would use. */
function nextHop(hop: Hop, next: URL, status: number): Hop {
  const from = virtualUrl(hop);
  const sameVirtualHost =
    hop.host !== undefined && next.protocol === from.protocol && next.host === from.host;
  const connect = sameVirtualHost ? new URL(`${next.pathname}${next.search}`, hop.connect.origin) : next;
  const changesToGet =
    status === 303 ? hop.method !== 'HEAD' : (status === 301 || status === 302) && hop.method === 'POST';
  const headers = { ...hop.headers };
  if (changesToGet) {
    for (const name of Object.keys(headers)) if (/^content-(type|length)$/i.test(name)) delete headers[name];
  }
  if (next.origin !== from.origin) {
    for (const name of Object.keys(headers)) if (SENSITIVE_ON_REDIRECT.test(name)) delete headers[name];
  }
  if (!sameVirtualHost)
    for (const name of Object.keys(headers)) if (/^host$/i.test(name)) delete headers[name];
  return {
    connect,
    host: sameVirtualHost ? hop.host : undefined,
    method: changesToGet ? 'GET' : hop.method,
    body: changesToGet ? undefined : hop.body,
    headers,
  };
}

function shortUrl(url: string): string {
  return url.length > 80 ? `${url.slice(0, 77)}…` : url;
}

type Answer = Omit<ProbeResponse, 'latencyMs' | 'url' | 'redirects'>;

function exchange(hop: Hop, options: ProbeOptions, signal: AbortSignal): Promise<Answer> {
  const secure = hop.connect.protocol === 'https:';
  if (!secure && hop.connect.protocol !== 'http:') {
    return Promise.reject(
      new ProbeError(
        'network',
        `cannot request ${hop.connect.href}: only http and https`,
        false,
        0,
        hop.connect.href,
      ),
    );
  }
  const headers: Record<string, string> = { ...hop.headers };
  if (hop.host) {
    for (const name of Object.keys(headers)) if (/^host$/i.test(name)) delete headers[name];
    headers.Host = hop.host;
  }
  if (hop.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(hop.body));
  const serverName = hop.host ? hostnameOf(hop.host) : undefined;
  const request: https.RequestOptions = {
    method: hop.method,
    protocol: hop.connect.protocol,
    hostname: hop.connect.hostname.replace(/^\[|\]$/g, ''),
    port: hop.connect.port || (secure ? 443 : 80),
    path: `${hop.connect.pathname}${hop.connect.search}`,
    headers,
    signal,
    agent: secure ? (options.agents?.https ?? false) : (options.agents?.http ?? false),
  };
  if (secure) {
    request.rejectUnauthorized = !options.tls.insecure;
    if (options.tls.ca) request.ca = [...rootCertificates, options.tls.ca];
    if (serverName && isIP(serverName) === 0) request.servername = serverName;
  }
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  return new Promise<Answer>((resolve, reject) => {
    const req = (secure ? https : http).request(request, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        if (kept >= limit) {
          truncated = true;
          return;
        }
        const slice = chunk.subarray(0, limit - kept);
        if (slice.length < chunk.length) truncated = true;
        chunks.push(slice);
        kept += slice.length;
      });
      res.on('error', reject);
      res.on('aborted', () =>
        reject(Object.assign(new Error('the response was cut off'), { code: 'ECONNRESET' })),
      );
      res.on('end', () => {
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: responseHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
          bodyTruncated: truncated,
        });
      });
    });
    req.on('error', reject);
    req.end(hop.body);
  });
}

function hostnameOf(host: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  if (bracketed) return bracketed[1] as string;
  return host.replace(/:\d+$/, '');
}

const TLS_CODES =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/;

/** What went wrong, in words, and whether another try might go better. */
function toProbeError(
  error: unknown,
  aborted: boolean,
  options: ProbeOptions,
  latencyMs: number,
  url: string,
): ProbeError {
  if (error instanceof ProbeError) return error;
  const code = (error as { code?: string } | undefined)?.code ?? '';
  // Duck-typed: an error from node's core may come from another realm (a test runner's vm).
  const given = (error as { message?: unknown } | undefined)?.message;
  const message = typeof given === 'string' ? given : String(error);
  if (aborted || (error as Error | undefined)?.name === 'AbortError') {
    return new ProbeError(
      'timeout',
      `no complete answer within ${options.timeoutMs}ms`,
      true,
      latencyMs,
      url,
    );
  }
  if (code === 'ECONNREFUSED')
    return new ProbeError('connection-refused', 'connection refused', true, latencyMs, url);
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED')
    return new ProbeError(
      'connection-reset',
      `connection closed without a complete answer (${message})`,
      true,
      latencyMs,
      url,
    );
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT')
    return new ProbeError('timeout', `connect timed out (${message})`, true, latencyMs, url);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ProbeError('dns', `the host name does not resolve (${code})`, true, latencyMs, url);
  if (TLS_CODES.test(code)) {
    const hint = options.tls.ca
      ? 'the certificate is not signed by the given ca-file, or does not name this host'
      : 'pass the issuing CA as ca-file (or, for a throwaway environment only, insecure: true)';
    return new ProbeError(
      'tls',
      `TLS verification failed: ${message} (${code}); ${hint}`,
      false,
      latencyMs,
      url,
    );
  }
  return new ProbeError('network', `${message}${code ? ` (${code})` : ''}`, true, latencyMs, url);
}
