import { existsSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { Writable } from 'node:stream';
import type { KubeConfig, V1EndpointSlice, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { UserError, WorldError, errorMessage, formatDuration, sleep } from '@swiss-deploy/kit';
import { signRequest } from './credentials';
import { KubeApiError, describeMissingPermission } from './errors';
import {
  checkKubeconfigFileLimits,
  checkKubeconfigLimits,
  kubeconfigError,
  withholdFromExecPlugins,
} from './kubeconfig-yaml';
import type { Status } from './types';

/** `namespace/name:port`, the way a Service and one of its ports are named on the command line. */
export interface ServiceRef {
  namespace: string;
  name: string;
  /** The Service port's number or name. */
  port: number | string;
}

/** One pod behind the Service, and the container port its EndpointSlice resolved the targetPort to. */
export interface Backend {
  pod: string;
  port: number;
}

export interface ServiceBackends {
  /** The Service port that matched the reference. */
  servicePort: { name: string; port: number; targetPort: number | string };
  /** Ready, not terminating endpoints backed by a pod, in a stable order. */
  ready: Backend[];
  /** Endpoints that exist but are not ready (pod name, or address when no pod is named). */
  notReady: string[];
}

export interface PortForwardOptions {
  /**
   * The cluster: a loaded KubeConfig, or kubeconfig text, or the path of a kubeconfig file.
   * Default: `KUBECONFIG`, else `~/.kube/config`, else the in-cluster service account.
   */
  kubeConfig?: KubeConfig | string;
  /** Local port to listen on (127.0.0.1). Default 0: any free port. */
  localPort?: number;
  /** How long to wait for the Service to have a ready endpoint. Default 60 s. */
  readyTimeoutMs?: number;
  /** Told one line per change of state: what is forwarded where, and failures (not one line per connection). */
  onEvent?: (line: string) => void;
}

/** A local TCP listener whose connections reach the Service's pods through the API server. */
export interface PortForward {
  /** `http://127.0.0.1:<port>`: the base URL to send requests to. */
  readonly url: string;
  readonly localPort: number;
  readonly service: ServiceRef;
  readonly backends: ServiceBackends;
  /** One line for logs: `Service demo/web port 80 → pod web-1 port 8080 (through the API server)`. */
  readonly description: string;
  /** The last failure a forwarded connection met (as the node or the API server put it), if any. */
  readonly lastProblem: string | undefined;
  /** Stops listening and closes every forwarded connection. */
  close(): Promise<void>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Parses `namespace/name:port`; the port is a number or the Service port's name. */
export function parseServiceRef(text: string): ServiceRef {
  const match = /^([^/\s]+)\/([^:\s]+):([^:\s]+)$/.exec(text.trim());
  const problem = (why: string) =>
    new UserError(`Service "${text}" ${why}.`, {
      hint: 'Name the Service as namespace/name:port, e.g. shop/web-preview:80 or shop/web-preview:http.',
    });
  if (!match) throw problem('is not in the form namespace/name:port');
  const [, namespace, name, portText] = match as unknown as [string, string, string, string];
  if (!DNS_LABEL.test(namespace) || namespace.length > 63)
    throw problem(`has an invalid namespace "${namespace}"`);
  if (!DNS_LABEL.test(name) || name.length > 63) throw problem(`has an invalid Service name "${name}"`);
  if (/^\d+$/.test(portText)) {
    const port = Number(portText);
    if (port < 1 || port > 65535) throw problem(`has port ${port}, outside 1-65535`);
    return { namespace, name, port };
  }
  if (!PORT_NAME.test(portText) || portText.length > 15)
    throw problem(`has an invalid port name "${portText}"`);
  return { namespace, name, port: portText };
}

export function formatServiceRef(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.name}:${ref.port}`;
}

/** The Service port the reference means: by number, or by name. */
export function findServicePort(service: V1Service, ref: ServiceRef): V1ServicePort {
  const ports = service.spec?.ports ?? [];
  const found = ports.find((p) => (typeof ref.port === 'number' ? p.port === ref.port : p.name === ref.port));
  if (found) return found;
  const offered = ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ');
  throw new UserError(
    `Service ${ref.namespace}/${ref.name} has no port ${JSON.stringify(ref.port)}; it has ${offered || 'no ports'}.`,
    { hint: 'Use one of its ports, by number or by name.' },
  );
}

/**
 * The pods that serve one Service port, read from the Service's EndpointSlices: an endpoint counts when
 * it is ready (absent means ready), not terminating, and names a pod. Its port comes from the slice's
 * port of the same name, where the targetPort (number or container port name) is already resolved.
 */
export function readyBackends(
  slices: readonly V1EndpointSlice[],
  servicePort: V1ServicePort,
): ServiceBackends {
  const portName = servicePort.name ?? '';
  const ready = new Map<string, Backend>();
  const notReady = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName)?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const pod = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined;
      const label = pod ?? endpoint.addresses[0] ?? '?';
      const usable = endpoint.conditions?.ready !== false && endpoint.conditions?.terminating !== true;
      if (usable && pod) ready.set(`${pod}:${port}`, { pod, port });
      else notReady.add(label);
    }
  }
  for (const backend of ready.values()) notReady.delete(backend.pod);
  return {
    servicePort: {
      name: portName,
      port: servicePort.port,
      targetPort: servicePort.targetPort ?? servicePort.port,
    },
    ready: [...ready.values()].sort((a, b) => a.pod.localeCompare(b.pod) || a.port - b.port),
    notReady: [...notReady].sort(),
  };
}

function loadKubeConfig(
  KubeConfigClass: typeof KubeConfig,
  given: KubeConfig | string | undefined,
): KubeConfig {
  if (given !== undefined && typeof given !== 'string') return given;
  const config = new KubeConfigClass();
  try {
    if (given === undefined || given.trim() === '') config.loadFromDefault();
    else if (!given.includes('\n') && existsSync(given.trim())) {
      checkKubeconfigFileLimits(given.trim(), 'the kubeconfig');
      config.loadFromFile(given.trim());
    } else {
      checkKubeconfigLimits(given, 'the kubeconfig');
      config.loadFromString(given);
    }
  } catch (error) {
    // Never the parser's message as it is: it quotes the lines around the error, and they are a secret.
    throw kubeconfigError('the kubeconfig', error);
  }
  withholdFromExecPlugins(config);
  if (!config.getCurrentCluster()) {
    throw new UserError('The kubeconfig names no current cluster.', {
      hint: 'Set current-context in the kubeconfig, or pass one that has it.',
    });
  }
  return config;
}

function apiStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Turns an API failure into the error a person can act on. */
function apiFailure(what: string, ref: ServiceRef, error: unknown): Error {
  const status = apiStatus(error);
  const permission = error instanceof KubeApiError ? error.missingPermission : undefined;
  if (permission) {
    return new UserError(
      `Not allowed to ${what}: the kubeconfig's identity ${describeMissingPermission(permission)} (HTTP 403).`,
      {
        hint: 'The smoke test needs get on services, list on endpointslices.discovery.k8s.io and get and create on pods/portforward (deploy/rbac.yaml).',
        cause: error,
      },
    );
  }
  if (status === 401 || status === 403) {
    return new UserError(`Not allowed to ${what} in namespace ${ref.namespace} (HTTP ${status}).`, {
      hint: 'The smoke test needs get on services, list on endpointslices.discovery.k8s.io and get and create on pods/portforward.',
      cause: error,
    });
  }
  return new WorldError(`Could not ${what} in namespace ${ref.namespace}: ${errorMessage(error)}`, {
    cause: error,
    untouched: 'nothing in the cluster was changed',
  });
}

/** How long one read of the Service or its EndpointSlices may take, connect to last byte. */
const READ_TIMEOUT_MS = 30_000;

/**
 * One GET with the kubeconfig's credentials and TLS (`applyToHTTPSOptions`: certificates, tokens, exec
 * plugins, auth providers, proxies), answered as JSON, or a KubeApiError with the server's Status.
 */
async function getJson<T>(config: KubeConfig, path: string, query: Record<string, string> = {}): Promise<T> {
  const server = config.getCurrentCluster()?.server?.replace(/\/+$/, '') ?? '';
  const url = new URL(server + path);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const init: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await signRequest(config, init);
  (init.headers as Record<string, string>)['User-Agent'] = 'swiss-deploy';
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise<T>((resolve, reject) => {
    const request = transport.request(url, init, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const code = response.statusCode ?? 0;
        if (code >= 200 && code < 300) {
          try {
            resolve(JSON.parse(text) as T);
          } catch (error) {
            reject(error);
          }
          return;
        }
        let status: Status | undefined;
        try {
          status = JSON.parse(text) as Status;
        } catch {
          status = undefined;
        }
        reject(
          new KubeApiError(
            'GET',
            path,
            code,
            status,
            text.slice(0, 200) || http.STATUS_CODES[code] || 'error',
          ),
        );
      });
    });
    request.setTimeout(READ_TIMEOUT_MS, () =>
      request.destroy(new Error(`GET ${path}: no answer within ${formatDuration(READ_TIMEOUT_MS)}`)),
    );
    request.on('error', reject);
    request.end();
  });
}

/** The two reads a port-forward needs, without the generated API clients (and their every model). */
interface Clients {
  readService(ref: ServiceRef): Promise<V1Service>;
  listEndpointSlices(ref: ServiceRef): Promise<{ items: V1EndpointSlice[] }>;
}

function clientsOf(config: KubeConfig): Clients {
  const ns = (ref: ServiceRef) => encodeURIComponent(ref.namespace);
  return {
    readService: (ref) =>
      getJson(config, `/api/v1/namespaces/${ns(ref)}/services/${encodeURIComponent(ref.name)}`),
    listEndpointSlices: (ref) =>
      getJson(config, `/apis/discovery.k8s.io/v1/namespaces/${ns(ref)}/endpointslices`, {
        labelSelector: `kubernetes.io/service-name=${ref.name}`,
      }),
  };
}

async function readBackends(clients: Clients, ref: ServiceRef): Promise<ServiceBackends> {
  let service: V1Service;
  try {
    service = await clients.readService(ref);
  } catch (error) {
    if (apiStatus(error) === 404) {
      throw new UserError(`Service ${ref.namespace}/${ref.name} does not exist.`, {
        hint: 'Check the namespace and the name; a preview Service is created by the deploy step.',
      });
    }
    throw apiFailure(`read Service ${ref.name}`, ref, error);
  }
  const servicePort = findServicePort(service, ref);
  let slices: V1EndpointSlice[];
  try {
    slices = (await clients.listEndpointSlices(ref)).items ?? [];
  } catch (error) {
    throw apiFailure(`list the EndpointSlices of Service ${ref.name}`, ref, error);
  }
  return readyBackends(slices, servicePort);
}

/** Waits (polling, a request every 2 s at most) until the Service has a ready pod for the port. */
async function waitForBackends(
  clients: Clients,
  ref: ServiceRef,
  timeoutMs: number,
  onEvent: (line: string) => void,
): Promise<ServiceBackends> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const backends = await readBackends(clients, ref);
    if (backends.ready.length > 0) return backends;
    if (Date.now() >= deadline) {
      const waiting = backends.notReady.length
        ? `${backends.notReady.length} not ready: ${backends.notReady.slice(0, 5).join(', ')}`
        : 'no endpoints at all: does its selector match any pod?';
      throw new WorldError(
        `Service ${formatServiceRef(ref)} has no ready pod after ${formatDuration(timeoutMs)} (${waiting}).`,
        {
          untouched: 'nothing in the cluster was changed',
          hint: 'Look at the pods behind the Service: kubectl describe pods, and their events.',
        },
      );
    }
    if (!told) {
      onEvent(
        `Service ${formatServiceRef(ref)} has no ready pod yet; waiting up to ${formatDuration(timeoutMs)}`,
      );
      told = true;
    }
    await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
  }
}

function describeForward(ref: ServiceRef, backends: ServiceBackends, localPort: number): string {
  const first = backends.ready[0] as Backend;
  const more = backends.ready.length > 1 ? ` (and ${backends.ready.length - 1} more, in turn)` : '';
  return (
    `127.0.0.1:${localPort} → Service ${ref.namespace}/${ref.name} port ${backends.servicePort.port}` +
    ` → pod ${first.pod}${more} port ${first.port}, through the API server`
  );
}

/** The closeable side of a websocket, as the ws package gives it. */
interface Socketish {
  readyState: number;
  close(): void;
  terminate?(): void;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Opens a port-forward to a Service through the API server (`pods/portforward`), so a Service that no
 * ingress points at yet, a blue/green preview, can be tested from the runner. The Service is resolved
 * to its ready pods and their container port via EndpointSlices; each local connection opens its own
 * websocket to the next pod in turn. When a pod cannot be reached, the backends are read again.
 */
export async function openPortForward(
  target: string,
  options: PortForwardOptions = {},
): Promise<PortForward> {
  const ref = parseServiceRef(target);
  const onEvent = options.onEvent ?? (() => undefined);
  // Loaded here, not at the top, and only the modules needed (not the library's index, which brings every
  // generated API client): a smoke test against a URL never needs them.
  const [{ KubeConfig: KubeConfigClass }, { PortForward: PortForwarder }] = await Promise.all([
    import('@kubernetes/client-node/dist/config.js'),
    import('@kubernetes/client-node/dist/portforward.js'),
  ]);
  const config = loadKubeConfig(KubeConfigClass, options.kubeConfig);
  const clients = clientsOf(config);
  let backends = await waitForBackends(clients, ref, options.readyTimeoutMs ?? 60_000, onEvent);
  const forwarder = new PortForwarder(config, true);

  let turn = 0;
  let stale = false;
  let refreshing: Promise<void> | undefined;
  let lastProblem = '';
  const sockets = new Set<net.Socket>();
  const websockets = new Set<Socketish>();

  // Failures are told once each in a row, not once per connection.
  const tell = (line: string) => {
    if (line === lastProblem) return;
    lastProblem = line;
    onEvent(line);
  };

  const refresh = async () => {
    try {
      const next = await readBackends(clients, ref);
      if (next.ready.length > 0) {
        const before = backends.ready.map((b) => b.pod).join(',');
        backends = next;
        if (next.ready.map((b) => b.pod).join(',') !== before)
          onEvent(`Service ${formatServiceRef(ref)} now has pods ${next.ready.map((b) => b.pod).join(', ')}`);
      }
      stale = false;
    } catch (error) {
      tell(`could not read the Service's endpoints again: ${errorMessage(error)}`);
    }
  };

  const forward = async (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (stale) await (refreshing ??= refresh().finally(() => (refreshing = undefined)));
    const backend = backends.ready[turn++ % backends.ready.length] as Backend;
    const problems: Buffer[] = [];
    const errorChannel = new Writable({
      write(chunk: Buffer, _encoding, done) {
        problems.push(chunk);
        done();
      },
    });
    let ws: Socketish;
    try {
      ws = (await forwarder.portForward(
        ref.namespace,
        backend.pod,
        [backend.port],
        socket,
        errorChannel,
        socket,
      )) as unknown as Socketish;
    } catch (error) {
      stale = true;
      tell(
        `port-forward to pod ${backend.pod} port ${backend.port} failed: ${describeWsError(error, ref.namespace)}`,
      );
      socket.destroy();
      return;
    }
    websockets.add(ws);
    if (socket.destroyed) {
      // The client gave up while the websocket was opening.
      websockets.delete(ws);
      ws.close();
      return;
    }
    const finish = () => {
      websockets.delete(ws);
      const problem = Buffer.concat(problems).toString('utf8').trim();
      if (problem) {
        tell(`pod ${backend.pod} port ${backend.port}: ${problem}`);
        socket.destroy();
      } else {
        socket.end();
      }
    };
    ws.on('close', finish);
    ws.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (ws.readyState <= 1) ws.close();
    });
  };

  const server = net.createServer({ pauseOnConnect: false }, (socket) => {
    void forward(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new WorldError(`Could not listen on 127.0.0.1 for the port-forward: ${errorMessage(error)}`)),
    );
    server.listen(options.localPort ?? 0, '127.0.0.1', () => resolve());
  });
  const localPort = (server.address() as net.AddressInfo).port;
  const description = describeForward(ref, backends, localPort);
  onEvent(`forwarding ${description}`);

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${localPort}`,
    localPort,
    service: ref,
    get backends() {
      return backends;
    },
    description,
    get lastProblem() {
      return lastProblem || undefined;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const ws of websockets) (ws.terminate ?? ws.close).call(ws);
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

/** The ws package reports a refused upgrade as "Unexpected server response: 403"; say what it means. */
function describeWsError(error: unknown, namespace: string): string {
  // client-node rejects with the ws error event, whose message sits on the event or its error.
  const event = error as { message?: unknown; error?: unknown } | undefined;
  const text =
    typeof event?.message === 'string' && event.message !== ''
      ? event.message
      : event?.error !== undefined
        ? errorMessage(event.error)
        : errorMessage(error);
  const status = /Unexpected server response: (\d{3})/.exec(text)?.[1];
  // The refusal has no body to read: the upgrade is authorized as get and, since Kubernetes 1.35, create.
  if (status === '403')
    return `${text} (the kubeconfig's identity cannot get or cannot create pods/portforward in namespace ${namespace}: it needs both)`;
  if (status === '404') return `${text} (the pod is gone)`;
  if (status === '400' || status === '500')
    return `${text} (the node could not forward: is the pod running?)`;
  return text;
}
