import * as http from 'node:http';
import * as https from 'node:https';
import { createSecureContext } from 'node:tls';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { UserError, registerSecret } from '@swiss-deploy/kit';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  capitalise,
  checkKubeconfigFileLimits,
  kubeconfigError,
  withholdFromExecPlugins,
} from './kubeconfig-yaml';
import { signRequest } from './credentials';
import { readPlainKubeconfig } from './plain-kubeconfig';
import { KubeApiError, KubeTimeoutError, WatchStalledError } from './errors';
import type { PortForward, PortForwardOptions } from './port-forward';
import type { Status, WatchEvent } from './types';

export interface ConnectOptions {
  /** A kubeconfig file; without it, KUBECONFIG, then ~/.kube/config, then the in-cluster service account. */
  kubeconfigFile?: string;
  /** A context of that kubeconfig; without it, its current-context. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Connect + answer deadline of one request unless it says otherwise. Default 30 s. */
  requestTimeoutMs?: number;
  /** The step's own timeout: no single request may outlast it, so a silent server fails the step in time. */
  stepTimeoutMs?: number;
  /** A watch that delivers nothing, not even a bookmark, for this long is torn down and opened again. Default 90 s. */
  watchIdleMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The API server sends a bookmark about once a minute on a quiet watch; silence past that means a dead stream. */
export const DEFAULT_WATCH_IDLE_MS = 90_000;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Counted under this name too (e.g. "lease-renew"), so a test can tell time-driven requests apart. */
  purpose?: string;
  /** This request's deadline instead of the client's `requestTimeoutMs` (never beyond the step's timeout). */
  timeoutMs?: number;
  /** Aborting stops the request; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface WatchOptions {
  /** Liveness window of this watch instead of the client's `watchIdleMs`. */
  idleMs?: number;
}

export type WatchHandler<T> = (event: WatchEvent<T>) => void;

/** How a request gets the kubeconfig's TLS and credentials, and the library's KubeConfig when one is needed. */
interface Credentials {
  sign(init: https.RequestOptions): Promise<void>;
  /** The loaded library config, e.g. for a port-forward's websocket. */
  kubeConfig(): Promise<KubeConfig>;
}

/** The TLS options that make two requests' connections interchangeable. */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
type TlsOptions = Pick<https.RequestOptions, (typeof TLS_FIELDS)[number]>;

function sameTls(a: TlsOptions, b: TlsOptions): boolean {
  return TLS_FIELDS.every((field) => {
    const x = a[field] as unknown;
    const y = b[field] as unknown;
    return Buffer.isBuffer(x) && Buffer.isBuffer(y) ? x.equals(y) : x === y;
  });
}

/**
 * One connection to one cluster. A plain kubeconfig (a server, its CA, a client certificate or a token) is
 * read by plain-kubeconfig.ts; any other (exec plugins, OIDC and other auth providers, proxies, in-cluster
 * accounts, merged files) by @kubernetes/client-node's KubeConfig, loaded only then. Requests are plain
 * HTTPS over one keep-alive agent, each one counted, because a deploy's request count must not grow with
 * the time it spends waiting.
 */
export class Kube {
  private readonly counts = new Map<string, number>();
  private agent: { agent: http.Agent; protocol: string; tls: TlsOptions } | undefined;

  private constructor(
    private readonly credentials: Credentials,
    readonly server: string,
    readonly contextName: string,
    /** Connect + answer deadline of a request that names none. */
    readonly requestTimeoutMs: number,
    readonly watchIdleMs: number,
  ) {}

  static async connect(options: ConnectOptions = {}): Promise<Kube> {
    const env = options.env ?? process.env;
    const requestTimeoutMs = Math.max(
      1,
      Math.min(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, options.stepTimeoutMs ?? Infinity),
    );
    const watchIdleMs = options.watchIdleMs ?? DEFAULT_WATCH_IDLE_MS;
    const file = singleKubeconfigFile(options, env);
    if (file) {
      const doc = checkKubeconfigFileLimits(file, describeSource(file, env));
      const plain = readPlainKubeconfig(file, doc, options.context);
      if (plain) {
        if (!plain.contexts.includes(plain.contextName))
          throw unknownContext(plain.contextName, plain.contexts);
        const library = (): Promise<KubeConfig> =>
          loadWithLibrary(options, env).then((loaded) => loaded.config);
        let loaded: Promise<KubeConfig> | undefined;
        const credentials: Credentials = {
          sign: async (init) => {
            Object.assign(init, plain.tls);
            if (plain.authorization)
              (init.headers as Record<string, string>).Authorization = plain.authorization;
          },
          kubeConfig: () => (loaded ??= library()),
        };
        return new Kube(
          credentials,
          plain.server.replace(/\/+$/, ''),
          plain.contextName,
          requestTimeoutMs,
          watchIdleMs,
        );
      }
    }
    const { config, server } = await loadWithLibrary(options, env);
    const credentials: Credentials = {
      sign: (init) => signRequest(config, init),
      kubeConfig: async () => config,
    };
    return new Kube(credentials, server, config.getCurrentContext(), requestTimeoutMs, watchIdleMs);
  }

  /**
   * A port-forward to `namespace/name:port` through this client's cluster, context and credentials: the
   * process reads its kubeconfig once, so a smoke test reaches the cluster the deploy changed.
   */
  async portForward(
    target: string,
    options: Omit<PortForwardOptions, 'kubeConfig'> = {},
  ): Promise<PortForward> {
    const [{ openPortForward }, kubeConfig] = await Promise.all([
      import('./port-forward'),
      this.credentials.kubeConfig(),
    ]);
    return openPortForward(target, { ...options, kubeConfig });
  }

  /** Requests made so far: all of them, or those of one purpose / HTTP verb. */
  requestCount(purpose?: string): number {
    return this.counts.get(purpose ?? '*') ?? 0;
  }

  /** A copy of every counter, e.g. { '*': 31, GET: 12, PATCH: 8, WATCH: 6, 'lease-renew': 1 }. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  private count(verb: string, purpose?: string): void {
    for (const key of ['*', verb, ...(purpose ? [purpose] : [])])
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** The deadline of one request: its own, or the client's, never beyond the client's step bound. */
  private timeoutOf(options: RequestOptions): number {
    return Math.max(1, Math.min(options.timeoutMs ?? this.requestTimeoutMs, this.requestTimeoutMs));
  }

  /**
   * Runs `work` under a deadline: when it passes, `destroy` tears down the connection and the promise
   * rejects with a KubeTimeoutError naming this server. An aborted `signal` rejects with its reason.
   */
  private async bounded<T>(
    method: string,
    path: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    work: (track: (request: http.ClientRequest) => void) => Promise<T>,
  ): Promise<T> {
    signal?.throwIfAborted();
    let request: http.ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      const fail = (error: unknown): void => {
        request?.destroy();
        reject(error);
      };
      timer = setTimeout(() => fail(new KubeTimeoutError(this.server, method, path, timeoutMs)), timeoutMs);
      onAbort = () => fail(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const running = work((opened) => (request = opened));
    // The loser of the race still settles (a destroyed socket errors): that must not be unhandled.
    running.catch(() => undefined);
    try {
      return await Promise.race([running, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      stop.catch(() => undefined);
    }
  }

  private async open(
    method: string,
    path: string,
    options: RequestOptions,
    track: (request: http.ClientRequest) => void,
  ): Promise<{ request: http.ClientRequest; response: http.IncomingMessage }> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const init: https.RequestOptions = { method, headers: { Accept: 'application/json' } };
    // Inside the deadline too: an exec credential plugin can hang as well as a server.
    await this.credentials.sign(init);
    init.agent = this.agentFor(url.protocol, init);
    const headers = init.headers as Record<string, string>;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    headers['User-Agent'] = 'swiss-deploy';
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, init, (response) => resolve({ request, response }));
      track(request);
      request.on('error', reject);
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }

  /**
   * One keep-alive agent for every request with the same TLS options, so a deploy's requests share a few
   * connections instead of each paying a TLS handshake (and a new secure context): the library's
   * applyToHTTPSOptions gives every request an agent of its own. A proxy agent it chose is kept.
   */
  private agentFor(protocol: string, init: https.RequestOptions): http.Agent | undefined {
    const given = init.agent;
    if (typeof given === 'object' && given.constructor !== https.Agent && given.constructor !== http.Agent)
      return given;
    const tls = Object.fromEntries(
      TLS_FIELDS.filter((field) => init[field] !== undefined).map((field) => [field, init[field]]),
    ) as TlsOptions;
    if (this.agent?.protocol !== protocol || !sameTls(this.agent.tls, tls)) {
      // One secure context for all its connections: without it, each new socket (parallel requests, watches)
      // builds its own from the PEM text again.
      const agent =
        protocol === 'http:'
          ? new http.Agent({ keepAlive: true })
          : new https.Agent({
              keepAlive: true,
              ...tls,
              secureContext: createSecureContext({
                ca: tls.ca,
                cert: tls.cert,
                key: tls.key,
                pfx: tls.pfx,
                passphrase: tls.passphrase,
              }),
            });
      this.agent = { agent, protocol, tls };
    }
    return this.agent.agent;
  }

  /**
   * One request; the parsed JSON answer, or a KubeApiError with the server's Status. Connect, headers and
   * body share one deadline (`timeoutMs`, else the client's), past which it fails with a KubeTimeoutError.
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    this.count(method, options.purpose);
    return this.bounded(method, path, this.timeoutOf(options), options.signal, async (track) => {
      const { response } = await this.open(method, path, options, track);
      const text = await readBody(response);
      const code = response.statusCode ?? 0;
      if (code < 200 || code >= 300) throw apiError(method, path, code, text);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    });
  }

  /**
   * Streams a watch until the server ends it, `signal` aborts, or `onEvent` throws. Resolves on a clean end;
   * an ERROR event (e.g. 410 Gone) is raised as a KubeApiError. Opening it has the request deadline; once
   * open, a stream silent for its liveness window (no event, no bookmark) is torn down with a
   * WatchStalledError, so the caller can watch again from its last resourceVersion.
   */
  async watch<T>(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: WatchHandler<T>,
    signal: AbortSignal,
    options: WatchOptions = {},
  ): Promise<void> {
    this.count('WATCH');
    if (signal.aborted) return;
    let opened: { request: http.ClientRequest; response: http.IncomingMessage };
    try {
      opened = await this.bounded('WATCH', path, this.requestTimeoutMs, signal, (track) =>
        this.open('GET', path, { query: { ...query, watch: 1 } }, track),
      );
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    const { response, request } = opened;
    const code = response.statusCode ?? 0;
    if (code !== 200) {
      const text = await this.bounded('WATCH', path, this.requestTimeoutMs, signal, () => readBody(response));
      throw apiError('WATCH', path, code, text);
    }
    const idleMs = options.idleMs ?? this.watchIdleMs;
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) {
          resolve();
        } else {
          request.destroy();
          reject(error);
        }
      };
      const onAbort = (): void => {
        request.destroy();
        finish();
      };
      const alive = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => finish(new WatchStalledError(path, idleMs)), idleMs);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      alive();
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        // Any bytes count as life: a bookmark or an event may arrive in pieces.
        alive();
        buffered += chunk;
        let newline: number;
        while (!settled && (newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line === '') continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === 'ERROR') {
            const status = event.object as unknown as Status;
            finish(new KubeApiError('WATCH', path, status.code ?? 500, status, 'watch error'));
            return;
          }
          try {
            onEvent(event);
          } catch (error) {
            finish(error);
          }
        }
      });
      response.on('end', () => finish());
      response.on('error', (error) => (signal.aborted ? finish() : finish(error)));
      response.on('close', () => finish());
    });
  }
}

/** The one kubeconfig file a connection reads, when it reads exactly one; otherwise the library decides. */
function singleKubeconfigFile(options: ConnectOptions, env: NodeJS.ProcessEnv): string | undefined {
  if (options.kubeconfigFile) return options.kubeconfigFile;
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(':').filter(Boolean);
    return files.length === 1 && existsSync(files[0] as string) ? files[0] : undefined;
  }
  if (env.HOME && existsSync(path.join(env.HOME, '.kube', 'config')))
    return path.join(env.HOME, '.kube', 'config');
  return undefined;
}

function unknownContext(context: string, names: string[]): UserError {
  return new UserError(
    `Input "context" is "${context}": the kubeconfig has no such context (it has: ${names.join(', ') || 'none'}).`,
    { hint: 'Use one of the listed context names, or leave the input empty for the current-context.' },
  );
}

/**
 * The kubeconfig read by @kubernetes/client-node (loaded here, on demand): every kubeconfig that is not
 * plain (plain-kubeconfig.ts), and a plain one's port-forward.
 */
async function loadWithLibrary(
  options: ConnectOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ config: KubeConfig; server: string }> {
  // Only the KubeConfig module: the library's index also brings every generated API client and model.
  const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
  const config = new KubeConfig();
  let source: string;
  try {
    if (options.kubeconfigFile) {
      source = options.kubeconfigFile;
      checkKubeconfigFileLimits(source, describeSource(source, env));
      config.loadFromFile(options.kubeconfigFile);
    } else if (env.KUBECONFIG) {
      source = `KUBECONFIG (${env.KUBECONFIG})`;
      for (const file of env.KUBECONFIG.split(':').filter(Boolean)) {
        if (!existsSync(file)) throw new Error(`${file} does not exist`);
        checkKubeconfigFileLimits(file, describeSource(file, env));
      }
      config.loadFromDefault();
    } else if (env.HOME && existsSync(path.join(env.HOME, '.kube', 'config'))) {
      source = path.join(env.HOME, '.kube', 'config');
      checkKubeconfigFileLimits(source, describeSource(source, env));
      config.loadFromFile(source);
    } else if (env.KUBERNETES_SERVICE_HOST) {
      source = 'the in-cluster service account';
      config.loadFromCluster();
    } else {
      throw new UserError(
        'No Kubernetes credentials: the kubeconfig input is empty, KUBECONFIG is not set, there is no ~/.kube/config and this is not a pod.',
        {
          hint: 'Pass the kubeconfig input (from a secret) or set KUBECONFIG in an earlier step, e.g. with azure/k8s-set-context.',
        },
      );
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw kubeconfigError(describeSource(source!, env), error);
  }
  maskCredentials(config);
  withholdFromExecPlugins(config, env);
  if (options.context) {
    const names = config.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) throw unknownContext(options.context, names);
    config.setCurrentContext(options.context);
  }
  const cluster = config.getCurrentCluster();
  if (!cluster?.server) {
    throw new UserError(
      `${capitalise(describeSource(source, env))} has no current cluster with a server address.`,
      {
        hint: 'Set current-context in the kubeconfig or pass the context input.',
      },
    );
  }
  return { config, server: cluster.server.replace(/\/+$/, '') };
}

/** A file the action wrote from the kubeconfig input is "the kubeconfig input": its temp path is internal. */
function describeSource(source: string, env: NodeJS.ProcessEnv): string {
  const temp = env.RUNNER_TEMP;
  if ((temp && source.startsWith(temp)) || path.basename(source).startsWith('swiss-deploy-kubeconfig-'))
    return 'the kubeconfig input';
  return `the kubeconfig from ${source}`;
}

/**
 * Registers every credential of the kubeconfig for masking, whatever its length: the input as a whole is
 * masked only in parts long enough to look secret, and a 6-character password is still a password.
 */
function maskCredentials(config: KubeConfig): void {
  for (const user of config.getUsers()) {
    for (const value of [user.token, user.password, user.keyData]) registerSecret(value, { anyLength: true });
    const exec = user.exec as { env?: Array<{ value?: unknown }> } | undefined;
    for (const variable of exec?.env ?? [])
      if (typeof variable.value === 'string') registerSecret(variable.value, { anyLength: true });
    const provider = user.authProvider as { config?: Record<string, unknown> } | undefined;
    for (const value of Object.values(provider?.config ?? {}))
      if (typeof value === 'string') registerSecret(value, { anyLength: true });
  }
}

function readBody(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

function apiError(method: string, path: string, code: number, text: string): KubeApiError {
  let status: Status | undefined;
  try {
    status = JSON.parse(text) as Status;
  } catch {
    status = undefined;
  }
  return new KubeApiError(
    method,
    path,
    code,
    status,
    text.slice(0, 200) || http.STATUS_CODES[code] || 'error',
  );
}
