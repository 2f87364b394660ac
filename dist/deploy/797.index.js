export const id = 797;
export const ids = [797];
export const modules = {

/***/ 1797:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  TB: () => (/* reexport */ Discovery),
  vy: () => (/* reexport */ FIELD_MANAGER),
  cR: () => (/* reexport */ KNOWN),
  Kube: () => (/* reexport */ Kube),
  W3: () => (/* reexport */ KubeApiError),
  bC: () => (/* reexport */ KubeTimeoutError),
  ip: () => (/* reexport */ LeaseLock),
  r_: () => (/* reexport */ UnknownKindError),
  qi: () => (/* reexport */ applyObject),
  sG: () => (/* reexport */ describeHolder),
  c4: () => (/* reexport */ isNotFound),
  BV: () => (/* reexport */ openPortForward),
  XP: () => (/* reexport */ rolloutProgress),
  eV: () => (/* reexport */ scaleDeployment),
  zD: () => (/* reexport */ selectorString),
  Py: () => (/* reexport */ waitForEndpoints),
  gj: () => (/* reexport */ waitForRollout)
});

// UNUSED EXPORTS: DEFAULT_LEASE_SECONDS, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_UNSCHEDULABLE_GRACE_MS, LockHeldError, RolloutFailedError, RolloutTimeoutError, collectionPath, describeObject, endpointsState, gateProgressLine, isConflict, isForbidden, isGone, isInvalid, isUnauthorized, objectPath, podProblem, podWaitingReason, recentEvents, unschedulableVerdict, watchUntil

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./packages/kit/index.ts + 15 modules
var kit = __webpack_require__(2379);
;// CONCATENATED MODULE: ./packages/kube/errors.ts

/** A request the API server refused or could not serve, with its HTTP code and the server's own words. */
class KubeApiError extends Error {
    code;
    reason;
    status;
    method;
    path;
    constructor(method, path, code, status, fallback) {
        super(`${method} ${path}: ${code} ${status?.reason ?? ''} ${status?.message ?? fallback}`.replace(/ +/g, ' '));
        this.name = 'KubeApiError';
        this.code = code;
        this.reason = status?.reason ?? '';
        this.status = status;
        this.method = method;
        this.path = path;
    }
    /** The server's explanation alone, without the request line. */
    get serverMessage() {
        return this.status?.message ?? this.message;
    }
}
const isNotFound = (error) => error instanceof KubeApiError && error.code === 404;
const isConflict = (error) => error instanceof KubeApiError && error.code === 409;
const isForbidden = (error) => error instanceof KubeApiError && error.code === 403;
const isUnauthorized = (error) => error instanceof KubeApiError && error.code === 401;
/** 410 Gone: a watch's resourceVersion is too old; the caller must list again. */
const isGone = (error) => error instanceof KubeApiError && error.code === 410;
const isInvalid = (error) => error instanceof KubeApiError && error.code === 422;
/**
 * The API server did not answer in time: connect, headers and body share one deadline, so an address that
 * accepts connections and never answers fails the step instead of hanging it until the job's limit.
 */
// What was left untouched is known only to the caller (the lock phase: everything), so it is not said here.
class KubeTimeoutError extends kit/* WorldError */.nM {
    server;
    method;
    path;
    timeoutMs;
    constructor(server, method, path, timeoutMs) {
        super(`The Kubernetes API server ${server} did not answer ${method} ${path} within ${(0,kit/* formatDuration */.a3)(timeoutMs)}.`, {
            hint: 'Check that the kubeconfig names the right server address and that the runner can reach it ' +
                '(a firewall that accepts and never answers looks like this), then run again.',
        });
        this.server = server;
        this.method = method;
        this.path = path;
        this.timeoutMs = timeoutMs;
        this.name = 'KubeTimeoutError';
    }
}
/** A watch delivered nothing, not even a bookmark, for its liveness window; the caller watches again. */
class WatchStalledError extends Error {
    path;
    idleMs;
    constructor(path, idleMs) {
        super(`The watch of ${path} delivered nothing for ${(0,kit/* formatDuration */.a3)(idleMs)}.`);
        this.path = path;
        this.idleMs = idleMs;
        this.name = 'WatchStalledError';
    }
}
const isStalledWatch = (error) => error instanceof WatchStalledError;

;// CONCATENATED MODULE: ./packages/kube/client.ts






const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The API server sends a bookmark about once a minute on a quiet watch; silence past that means a dead stream. */
const DEFAULT_WATCH_IDLE_MS = 90_000;
/**
 * One connection to one cluster. Credentials and TLS come from @kubernetes/client-node's KubeConfig (so exec
 * plugins, OIDC, tokens and in-cluster accounts all work); requests are plain HTTPS, each one counted,
 * because a deploy's request count must not grow with the time it spends waiting.
 */
class Kube {
    config;
    server;
    contextName;
    requestTimeoutMs;
    watchIdleMs;
    counts = new Map();
    constructor(config, server, contextName, 
    /** Connect + answer deadline of a request that names none. */
    requestTimeoutMs, watchIdleMs) {
        this.config = config;
        this.server = server;
        this.contextName = contextName;
        this.requestTimeoutMs = requestTimeoutMs;
        this.watchIdleMs = watchIdleMs;
    }
    static async connect(options = {}) {
        const env = options.env ?? process.env;
        const { KubeConfig } = await __webpack_require__.e(/* import() */ 749).then(__webpack_require__.bind(__webpack_require__, 9749));
        const config = new KubeConfig();
        let source;
        try {
            if (options.kubeconfigFile) {
                source = options.kubeconfigFile;
                config.loadFromFile(options.kubeconfigFile);
            }
            else if (env.KUBECONFIG) {
                source = `KUBECONFIG (${env.KUBECONFIG})`;
                for (const file of env.KUBECONFIG.split(':').filter(Boolean)) {
                    if (!(0,external_node_fs_.existsSync)(file))
                        throw new Error(`${file} does not exist`);
                }
                config.loadFromDefault();
            }
            else if (env.HOME && (0,external_node_fs_.existsSync)(external_node_path_.join(env.HOME, '.kube', 'config'))) {
                source = external_node_path_.join(env.HOME, '.kube', 'config');
                config.loadFromFile(source);
            }
            else if (env.KUBERNETES_SERVICE_HOST) {
                source = 'the in-cluster service account';
                config.loadFromCluster();
            }
            else {
                throw new kit/* UserError */.yo('No Kubernetes credentials: the kubeconfig input is empty, KUBECONFIG is not set, there is no ~/.kube/config and this is not a pod.', {
                    hint: 'Pass the kubeconfig input (from a secret) or set KUBECONFIG in an earlier step, e.g. with azure/k8s-set-context.',
                });
            }
        }
        catch (error) {
            if (error instanceof kit/* UserError */.yo)
                throw error;
            throw kubeconfigError(describeSource(source, env), error);
        }
        maskCredentials(config);
        if (options.context) {
            const names = config.getContexts().map((c) => c.name);
            if (!names.includes(options.context)) {
                throw new kit/* UserError */.yo(`Input "context" is "${options.context}": the kubeconfig has no such context (it has: ${names.join(', ') || 'none'}).`, { hint: 'Use one of the listed context names, or leave the input empty for the current-context.' });
            }
            config.setCurrentContext(options.context);
        }
        const cluster = config.getCurrentCluster();
        if (!cluster?.server) {
            throw new kit/* UserError */.yo(`${capitalise(describeSource(source, env))} has no current cluster with a server address.`, {
                hint: 'Set current-context in the kubeconfig or pass the context input.',
            });
        }
        const requestTimeoutMs = Math.min(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, options.stepTimeoutMs ?? Infinity);
        return new Kube(config, cluster.server.replace(/\/+$/, ''), config.getCurrentContext(), Math.max(1, requestTimeoutMs), options.watchIdleMs ?? DEFAULT_WATCH_IDLE_MS);
    }
    /** Requests made so far: all of them, or those of one purpose / HTTP verb. */
    requestCount(purpose) {
        return this.counts.get(purpose ?? '*') ?? 0;
    }
    /** A copy of every counter, e.g. { '*': 31, GET: 12, PATCH: 8, WATCH: 6, 'lease-renew': 1 }. */
    requestCounts() {
        return Object.fromEntries(this.counts);
    }
    count(verb, purpose) {
        for (const key of ['*', verb, ...(purpose ? [purpose] : [])])
            this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    /** The deadline of one request: its own, or the client's, never beyond the client's step bound. */
    timeoutOf(options) {
        return Math.max(1, Math.min(options.timeoutMs ?? this.requestTimeoutMs, this.requestTimeoutMs));
    }
    /**
     * Runs `work` under a deadline: when it passes, `destroy` tears down the connection and the promise
     * rejects with a KubeTimeoutError naming this server. An aborted `signal` rejects with its reason.
     */
    async bounded(method, path, timeoutMs, signal, work) {
        signal?.throwIfAborted();
        let request;
        let timer;
        let onAbort;
        const stop = new Promise((_, reject) => {
            const fail = (error) => {
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
        }
        finally {
            clearTimeout(timer);
            if (onAbort)
                signal?.removeEventListener('abort', onAbort);
            stop.catch(() => undefined);
        }
    }
    async open(method, path, options, track) {
        const url = new URL(this.server + path);
        for (const [key, value] of Object.entries(options.query ?? {})) {
            if (value !== undefined)
                url.searchParams.set(key, String(value));
        }
        const init = { method, headers: { Accept: 'application/json' } };
        // Inside the deadline too: an exec credential plugin can hang as well as a server.
        await this.config.applyToHTTPSOptions(init);
        const headers = init.headers;
        let payload;
        if (options.body !== undefined) {
            payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
            headers['Content-Type'] = options.contentType ?? 'application/json';
            headers['Content-Length'] = String(Buffer.byteLength(payload));
        }
        headers['User-Agent'] = 'swiss-deploy';
        const transport = url.protocol === 'http:' ? external_node_http_ : external_node_https_;
        return new Promise((resolve, reject) => {
            const request = transport.request(url, init, (response) => resolve({ request, response }));
            track(request);
            request.on('error', reject);
            if (payload !== undefined)
                request.write(payload);
            request.end();
        });
    }
    /**
     * One request; the parsed JSON answer, or a KubeApiError with the server's Status. Connect, headers and
     * body share one deadline (`timeoutMs`, else the client's), past which it fails with a KubeTimeoutError.
     */
    async request(method, path, options = {}) {
        this.count(method, options.purpose);
        return this.bounded(method, path, this.timeoutOf(options), options.signal, async (track) => {
            const { response } = await this.open(method, path, options, track);
            const text = await readBody(response);
            const code = response.statusCode ?? 0;
            if (code < 200 || code >= 300)
                throw apiError(method, path, code, text);
            return (text === '' ? undefined : JSON.parse(text));
        });
    }
    /**
     * Streams a watch until the server ends it, `signal` aborts, or `onEvent` throws. Resolves on a clean end;
     * an ERROR event (e.g. 410 Gone) is raised as a KubeApiError. Opening it has the request deadline; once
     * open, a stream silent for its liveness window (no event, no bookmark) is torn down with a
     * WatchStalledError, so the caller can watch again from its last resourceVersion.
     */
    async watch(path, query, onEvent, signal, options = {}) {
        this.count('WATCH');
        if (signal.aborted)
            return;
        let opened;
        try {
            opened = await this.bounded('WATCH', path, this.requestTimeoutMs, signal, (track) => this.open('GET', path, { query: { ...query, watch: 1 } }, track));
        }
        catch (error) {
            if (signal.aborted)
                return;
            throw error;
        }
        const { response, request } = opened;
        const code = response.statusCode ?? 0;
        if (code !== 200) {
            const text = await this.bounded('WATCH', path, this.requestTimeoutMs, signal, () => readBody(response));
            throw apiError('WATCH', path, code, text);
        }
        const idleMs = options.idleMs ?? this.watchIdleMs;
        await new Promise((resolve, reject) => {
            let buffered = '';
            let settled = false;
            let idle;
            const finish = (error) => {
                if (settled)
                    return;
                settled = true;
                clearTimeout(idle);
                signal.removeEventListener('abort', onAbort);
                if (error === undefined) {
                    resolve();
                }
                else {
                    request.destroy();
                    reject(error);
                }
            };
            const onAbort = () => {
                request.destroy();
                finish();
            };
            const alive = () => {
                clearTimeout(idle);
                idle = setTimeout(() => finish(new WatchStalledError(path, idleMs)), idleMs);
            };
            signal.addEventListener('abort', onAbort, { once: true });
            alive();
            response.setEncoding('utf8');
            response.on('data', (chunk) => {
                // Any bytes count as life: a bookmark or an event may arrive in pieces.
                alive();
                buffered += chunk;
                let newline;
                while (!settled && (newline = buffered.indexOf('\n')) >= 0) {
                    const line = buffered.slice(0, newline).trim();
                    buffered = buffered.slice(newline + 1);
                    if (line === '')
                        continue;
                    const event = JSON.parse(line);
                    if (event.type === 'ERROR') {
                        const status = event.object;
                        finish(new KubeApiError('WATCH', path, status.code ?? 500, status, 'watch error'));
                        return;
                    }
                    try {
                        onEvent(event);
                    }
                    catch (error) {
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
/** A file the action wrote from the kubeconfig input is "the kubeconfig input": its temp path is internal. */
function describeSource(source, env) {
    const temp = env.RUNNER_TEMP;
    if ((temp && source.startsWith(temp)) || external_node_path_.basename(source).startsWith('swiss-deploy-kubeconfig-'))
        return 'the kubeconfig input';
    return `the kubeconfig from ${source}`;
}
/**
 * The parser's message quotes the offending lines (a code frame of a secret), so only its position and
 * its content-free reason are kept.
 */
function kubeconfigError(what, error) {
    const yamlError = error;
    const hint = 'Check that the kubeconfig is complete YAML (apiVersion: v1, kind: Config) with a cluster, a user and a context.';
    if (yamlError?.name === 'YAMLException' && yamlError.mark) {
        const at = `line ${(yamlError.mark.line ?? 0) + 1}, column ${(yamlError.mark.column ?? 0) + 1}`;
        return new kit/* UserError */.yo(`${capitalise(what)} is not valid YAML at ${at}: ${yamlError.reason ?? 'a syntax error'}.`, { hint });
    }
    // Structural errors ("users[0].name is missing") name fields, never values; a missing file names its path.
    const message = String(error?.message ?? error).split('\n')[0];
    return new kit/* UserError */.yo(`${capitalise(what)} cannot be read: ${message}`, { hint });
}
const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1);
/**
 * Registers every credential of the kubeconfig for masking, whatever its length: the input as a whole is
 * masked only in parts long enough to look secret, and a 6-character password is still a password.
 */
function maskCredentials(config) {
    for (const user of config.getUsers()) {
        for (const value of [user.token, user.password, user.keyData])
            (0,kit/* registerSecret */.cl)(value, { anyLength: true });
        const exec = user.exec;
        for (const variable of exec?.env ?? [])
            if (typeof variable.value === 'string')
                (0,kit/* registerSecret */.cl)(variable.value, { anyLength: true });
        const provider = user.authProvider;
        for (const value of Object.values(provider?.config ?? {}))
            if (typeof value === 'string')
                (0,kit/* registerSecret */.cl)(value, { anyLength: true });
    }
}
function readBody(response) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
    });
}
function apiError(method, path, code, text) {
    let status;
    try {
        status = JSON.parse(text);
    }
    catch {
        status = undefined;
    }
    return new KubeApiError(method, path, code, status, text.slice(0, 200) || external_node_http_.STATUS_CODES[code] || 'error');
}

;// CONCATENATED MODULE: ./packages/kube/discovery.ts

/** Maps apiVersion + kind to a resource path, asking the API server once per group/version. */
class Discovery {
    kube;
    cache = new Map();
    constructor(kube) {
        this.kube = kube;
    }
    groupVersion(apiVersion) {
        let entry = this.cache.get(apiVersion);
        if (!entry) {
            const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
            entry = this.kube.request('GET', path, { purpose: 'discovery' }).catch((error) => {
                if (isNotFound(error))
                    return undefined;
                throw error;
            });
            this.cache.set(apiVersion, entry);
        }
        return entry;
    }
    /** The resource for a kind, or undefined when the cluster does not serve that apiVersion/kind. */
    async lookup(apiVersion, kind) {
        const list = await this.groupVersion(apiVersion);
        const match = list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
        return match ? { resource: match.name, namespaced: match.namespaced, verbs: match.verbs } : undefined;
    }
}
/** The collection path of a resource: /apis/apps/v1/namespaces/ns/deployments. */
function collectionPath(apiVersion, resource, namespace) {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return namespace
        ? `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}`
        : `${base}/${resource}`;
}
/** The path of one object: its collection path plus its name. */
function objectPath(apiVersion, resource, name, namespace) {
    return `${collectionPath(apiVersion, resource, namespace)}/${encodeURIComponent(name)}`;
}
/** Paths of the built-in kinds this suite manages itself, no discovery needed. */
const KNOWN = {
    deployments: (ns) => collectionPath('apps/v1', 'deployments', ns),
    services: (ns) => collectionPath('v1', 'services', ns),
    pods: (ns) => collectionPath('v1', 'pods', ns),
    events: (ns) => collectionPath('v1', 'events', ns),
    secrets: (ns) => collectionPath('v1', 'secrets', ns),
    configMaps: (ns) => collectionPath('v1', 'configmaps', ns),
    endpointSlices: (ns) => collectionPath('discovery.k8s.io/v1', 'endpointslices', ns),
    leases: (ns) => collectionPath('coordination.k8s.io/v1', 'leases', ns),
    namespace: (ns) => `/api/v1/namespaces/${encodeURIComponent(ns)}`,
};
function describeObject(object) {
    return `${object.kind}/${object.metadata.name ?? '?'}`;
}

;// CONCATENATED MODULE: ./packages/kube/apply.ts

/** The one field manager every write of this suite uses, so server-side apply knows what we own. */
const FIELD_MANAGER = 'swiss-deploy';
class UnknownKindError extends Error {
    object;
    constructor(object) {
        super(`the cluster does not serve ${object.apiVersion} ${object.kind}`);
        this.object = object;
        this.name = 'UnknownKindError';
    }
}
/**
 * Server-side apply of one whole object (PATCH application/apply-patch+yaml, JSON being YAML). Fields the
 * manager applied before and no longer sends are removed, as `kubectl apply --server-side` does.
 */
async function applyObject(kube, discovery, object, options = {}) {
    const info = await discovery.lookup(object.apiVersion, object.kind);
    if (!info)
        throw new UnknownKindError(object);
    const path = objectPath(object.apiVersion, info.resource, object.metadata.name, info.namespaced ? object.metadata.namespace : undefined);
    return kube.request('PATCH', path, {
        body: object,
        contentType: 'application/apply-patch+yaml',
        query: {
            fieldManager: FIELD_MANAGER,
            force: options.force ? true : undefined,
            dryRun: options.dryRun ? 'All' : undefined,
        },
        purpose: options.purpose ?? (options.dryRun ? 'dry-run' : 'apply'),
    });
}
/**
 * Sets a Deployment's replicas through its scale subresource. A partial server-side apply would drop every
 * other field our manager owns, so scaling is a merge patch of spec.replicas alone.
 */
async function scaleDeployment(kube, namespace, name, replicas) {
    await kube.request('PATCH', `${objectPath('apps/v1', 'deployments', name, namespace)}/scale`, {
        body: { spec: { replicas } },
        contentType: 'application/merge-patch+json',
        query: { fieldManager: FIELD_MANAGER },
        purpose: 'scale',
    });
}

;// CONCATENATED MODULE: ./packages/kube/watch.ts

/**
 * List, then watch from the list's resourceVersion until `decide` returns a value: an informer for one wait.
 * The request count depends on what happens, not on how long it takes: one list, one watch that lasts until
 * the deadline (timeoutSeconds), bookmarks to keep the resourceVersion fresh, and a new list only when the
 * server answers 410 Gone. A watch that goes silent (no event, no bookmark) for its liveness window is opened
 * again from the last resourceVersion: a half-open connection must not outlive the deadline unnoticed.
 */
async function watchUntil(kube, target, options) {
    const controller = new AbortController();
    const abort = () => controller.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
    }, Math.max(0, options.deadline - Date.now()));
    try {
        const objects = new Map();
        let resourceVersion = options.resourceVersion;
        let result;
        const key = (object) => `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
        while (!controller.signal.aborted) {
            if (resourceVersion === undefined) {
                let list;
                try {
                    list = await kube.request('GET', target.path, {
                        query: { labelSelector: target.labelSelector, fieldSelector: target.fieldSelector },
                        purpose: 'list',
                        signal: controller.signal,
                    });
                }
                catch (error) {
                    if (controller.signal.aborted)
                        break;
                    throw error;
                }
                objects.clear();
                for (const item of list.items)
                    objects.set(key(item), item);
                resourceVersion = list.metadata.resourceVersion;
                result = options.decide(objects);
                if (result !== undefined)
                    return result;
            }
            const seconds = Math.max(1, Math.ceil((options.deadline - Date.now()) / 1000) + 5);
            try {
                await kube.watch(target.path, {
                    labelSelector: target.labelSelector,
                    fieldSelector: target.fieldSelector,
                    resourceVersion,
                    allowWatchBookmarks: true,
                    timeoutSeconds: seconds,
                }, (event) => {
                    resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
                    if (event.type === 'BOOKMARK')
                        return;
                    if (event.type === 'DELETED')
                        objects.delete(key(event.object));
                    else
                        objects.set(key(event.object), event.object);
                    result = options.decide(objects, event);
                    if (result !== undefined)
                        controller.abort();
                }, controller.signal, { idleMs: options.idleMs });
            }
            catch (error) {
                if (isStalledWatch(error))
                    continue;
                if (!isGone(error))
                    throw error;
                resourceVersion = undefined;
            }
            if (result !== undefined)
                return result;
        }
        if (timedOut)
            throw options.onTimeout();
        return undefined;
    }
    finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
        controller.abort();
    }
}

;// CONCATENATED MODULE: ./packages/kube/lease.ts




const ANNOTATION = 'swiss-deploy/holder';
const DEFAULT_LEASE_SECONDS = 60;
/** Lease times are MicroTime: RFC 3339 with microseconds. */
function microTime(date = new Date()) {
    return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
function describeLease(lease, now = Date.now()) {
    let holder = { identity: lease.spec?.holderIdentity ?? '' };
    try {
        const annotated = JSON.parse(lease.metadata.annotations?.[ANNOTATION] ?? '{}');
        if (annotated.identity === holder.identity)
            holder = annotated;
    }
    catch {
        // A lease written by someone else: its identity is all we know.
    }
    const durationSeconds = lease.spec?.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS;
    const renewed = lease.spec?.renewTime ?? lease.spec?.acquireTime;
    const expired = !holder.identity || !renewed || Date.parse(renewed) + durationSeconds * 1000 < now;
    return { holder, since: lease.spec?.acquireTime, renewed, durationSeconds, expired };
}
/** "swiss/app run 7001 attempt 1 (https://…), since 2026-…, renewed 4s ago" */
function describeHolder(held, now = Date.now()) {
    const { holder } = held;
    const who = holder.repository
        ? `${holder.repository} run ${holder.runId ?? '?'} attempt ${holder.runAttempt ?? '?'}${holder.job ? ` job ${holder.job}` : ''}`
        : holder.identity;
    const parts = [who];
    if (holder.runUrl)
        parts.push(`(${holder.runUrl})`);
    if (held.since)
        parts.push(`since ${held.since.replace(/\.\d+Z$/, 'Z')}`);
    if (held.renewed)
        parts.push(`last renewed ${(0,kit/* formatDuration */.a3)(Math.max(0, now - Date.parse(held.renewed)))} ago`);
    return parts.join(', ').replace(', (', ' (');
}
class LockHeldError extends kit/* UserError */.yo {
    lockName;
    held;
    constructor(lockName, held) {
        super(`Another deploy holds the lock ${lockName}: ${describeHolder(held)}.`, {
            hint: `Wait for that run to finish, or cancel it (its post step releases the lock). A holder that died ` +
                `without releasing loses the lock ${held.durationSeconds}s after its last renewal. Set lock-timeout ` +
                `to wait for the lock instead of failing.`,
        });
        this.lockName = lockName;
        this.held = held;
        this.name = 'LockHeldError';
    }
}
/**
 * A coordination.k8s.io/v1 Lease held by one deploy: created or taken over with optimistic concurrency
 * (resourceVersion), renewed in the background, deleted on release so nothing is left behind.
 */
class LeaseLock {
    kube;
    namespace;
    name;
    holder;
    lease;
    durationSeconds;
    timer;
    lost;
    releasing = false;
    renewing = false;
    constructor(kube, namespace, name, holder, lease, durationSeconds) {
        this.kube = kube;
        this.namespace = namespace;
        this.name = name;
        this.holder = holder;
        this.lease = lease;
        this.durationSeconds = durationSeconds;
    }
    static async acquire(kube, options) {
        const durationSeconds = options.durationSeconds ?? DEFAULT_LEASE_SECONDS;
        const deadline = Date.now() + (options.waitMs ?? 0);
        const path = `${KNOWN.leases(options.namespace)}/${encodeURIComponent(options.name)}`;
        for (;;) {
            const now = new Date();
            const spec = {
                holderIdentity: options.holder.identity,
                leaseDurationSeconds: durationSeconds,
                acquireTime: microTime(now),
                renewTime: microTime(now),
            };
            const metadata = {
                name: options.name,
                namespace: options.namespace,
                labels: { 'app.kubernetes.io/managed-by': 'swiss-deploy' },
                annotations: { [ANNOTATION]: JSON.stringify(options.holder) },
            };
            let current;
            try {
                current = await kube.request('GET', path, { purpose: 'lease' });
            }
            catch (error) {
                if (!isNotFound(error))
                    throw error;
            }
            try {
                if (!current) {
                    const created = await kube.request('POST', KNOWN.leases(options.namespace), {
                        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec },
                        query: { fieldManager: 'swiss-deploy' },
                        purpose: 'lease',
                    });
                    return new LeaseLock(kube, options.namespace, options.name, options.holder, created, durationSeconds).start();
                }
                const held = describeLease(current);
                if (held.expired) {
                    if (held.holder.identity)
                        options.onTakeover?.(held);
                    const taken = await kube.request('PUT', path, {
                        body: {
                            ...current,
                            metadata: {
                                ...current.metadata,
                                ...metadata,
                                labels: { ...current.metadata.labels, ...metadata.labels },
                            },
                            spec: { ...spec, leaseTransitions: (current.spec?.leaseTransitions ?? 0) + 1 },
                        },
                        query: { fieldManager: 'swiss-deploy' },
                        purpose: 'lease',
                    });
                    return new LeaseLock(kube, options.namespace, options.name, options.holder, taken, durationSeconds).start();
                }
                if (Date.now() >= deadline)
                    throw new LockHeldError(`${options.namespace}/${options.name}`, held);
                await waitForChange(kube, options.namespace, options.name, current, deadline, held);
            }
            catch (error) {
                // Someone else created or took the lease between our read and our write: read it again.
                if (!isConflict(error))
                    throw error;
            }
        }
    }
    start() {
        const interval = (this.durationSeconds * 1000) / 3;
        this.timer = setInterval(() => void this.renew(interval), interval);
        this.timer.unref();
        return this;
    }
    /** Set when a renewal found the lease taken or gone; the deploy must stop before its next write. */
    get lostError() {
        return this.lost;
    }
    /** Throws if the lease was lost, so a deploy never writes without holding it. */
    assertHeld() {
        if (this.lost)
            throw this.lost;
    }
    /** Each renewal ends before the next is due, so renewals against a silent server never pile up. */
    async renew(timeoutMs) {
        if (this.releasing || this.lost || this.renewing)
            return;
        this.renewing = true;
        try {
            this.lease = await this.kube.request('PUT', `${KNOWN.leases(this.namespace)}/${encodeURIComponent(this.name)}`, {
                body: { ...this.lease, spec: { ...this.lease.spec, renewTime: microTime() } },
                query: { fieldManager: 'swiss-deploy' },
                purpose: 'lease-renew',
                timeoutMs,
            });
        }
        catch (error) {
            if (isConflict(error) || isNotFound(error)) {
                this.lost = new kit/* WorldError */.nM(`The deploy lock ${this.namespace}/${this.name} was taken over or deleted while this deploy held it.`, {
                    cause: error,
                });
                this.stop();
            }
            // Other failures (a blip of the API server, a timeout): the next renewal tries again, well before expiry.
        }
        finally {
            this.renewing = false;
        }
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.timer = undefined;
    }
    /** Deletes the lease if it is still ours (uid + resourceVersion preconditions). */
    async release() {
        this.releasing = true;
        this.stop();
        if (this.lost)
            return;
        await deleteLease(this.kube, this.namespace, this.name, this.lease);
    }
    /** For the post step: releases the lease only when it still names this holder. */
    static async releaseIfHeld(kube, namespace, name, identity) {
        let lease;
        try {
            lease = await kube.request('GET', `${KNOWN.leases(namespace)}/${encodeURIComponent(name)}`);
        }
        catch (error) {
            if (isNotFound(error))
                return false;
            throw error;
        }
        if (lease.spec?.holderIdentity !== identity)
            return false;
        await deleteLease(kube, namespace, name, lease);
        return true;
    }
    /** Reads who holds a lease, if anyone. */
    static async inspect(kube, namespace, name) {
        try {
            const lease = await kube.request('GET', `${KNOWN.leases(namespace)}/${encodeURIComponent(name)}`);
            return describeLease(lease);
        }
        catch (error) {
            if (isNotFound(error))
                return undefined;
            throw error;
        }
    }
}
async function deleteLease(kube, namespace, name, lease) {
    try {
        await kube.request('DELETE', `${KNOWN.leases(namespace)}/${encodeURIComponent(name)}`, {
            body: {
                apiVersion: 'v1',
                kind: 'DeleteOptions',
                preconditions: { uid: lease.metadata.uid, resourceVersion: lease.metadata.resourceVersion },
            },
            purpose: 'lease',
        });
    }
    catch (error) {
        // Gone already, or changed hands after expiry: either way it is no longer ours to delete.
        if (!isNotFound(error) && !isConflict(error))
            throw error;
    }
}
/** Waits (watching, not polling) until the lease changes, disappears, or its holder's time runs out. */
async function waitForChange(kube, namespace, name, current, deadline, held) {
    const expiresAt = held.renewed ? Date.parse(held.renewed) + held.durationSeconds * 1000 + 1 : Date.now();
    const until = Math.min(deadline, expiresAt);
    await watchUntil(kube, { path: KNOWN.leases(namespace), fieldSelector: `metadata.name=${name}` }, {
        deadline: until,
        onTimeout: () => new Error('lease wait over'),
        decide: (objects) => {
            const now = [...objects.values()][0];
            return !now || now.metadata.resourceVersion !== current.metadata.resourceVersion ? true : undefined;
        },
    }).catch((error) => {
        if (error.message !== 'lease wait over')
            throw error;
    });
}

;// CONCATENATED MODULE: ./packages/kube/rollout.ts



/** Container states that will not heal by waiting: the gate fails at once instead of at the timeout. */
const FATAL_WAITING = new Set([
    'ImagePullBackOff',
    'ErrImageNeverPull',
    'InvalidImageName',
    'CrashLoopBackOff',
    'CreateContainerConfigError',
    'CreateContainerError',
    'RunContainerError',
    'PreStartHookError',
    'PostStartHookError',
]);
/** Where a Deployment stands, by the same rules as `kubectl rollout status`. */
function rolloutProgress(deployment) {
    const desired = deployment.spec?.replicas ?? 1;
    const status = deployment.status ?? {};
    const updated = status.updatedReplicas ?? 0;
    const ready = status.readyReplicas ?? 0;
    const available = status.availableReplicas ?? 0;
    const observed = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 1);
    const progressing = status.conditions?.find((c) => c.type === 'Progressing');
    const deadlineExceeded = observed && progressing?.reason === 'ProgressDeadlineExceeded'
        ? (progressing.message ?? 'ProgressDeadlineExceeded')
        : undefined;
    const complete = observed &&
        updated === desired &&
        ready === desired &&
        available === desired &&
        (status.replicas ?? 0) === desired;
    return { desired, updated, ready, available, complete, deadlineExceeded };
}
/** Ready and not being deleted: a pod that can take traffic. */
function isReadyPod(pod) {
    if (pod.metadata.deletionTimestamp)
        return false;
    return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
/**
 * One gate progress line, counting only the new revision's pods (those the revision podSelector matched):
 * the Deployment's readyReplicas also counts the previous revision's pods still in the idle color, which
 * made "3/3 ready" appear while none of the new pods was. Pods of older ReplicaSets are told apart.
 */
function gateProgressLine(name, deployment, revisionPods, revision) {
    const ready = revisionPods.filter(isReadyPod).length;
    const desired = deployment?.spec?.replicas ?? 1;
    const status = deployment?.status ?? {};
    const old = Math.max(0, (status.replicas ?? 0) - (status.updatedReplicas ?? 0));
    const of = revision === undefined ? 'of the new pods' : `of revision ${revision}`;
    const line = `${name}: ${ready}/${desired} ${of} ready` +
        (old > 0 ? ` (${old} old ${old === 1 ? 'pod' : 'pods'} still terminating)` : '');
    return { line, ready, desired };
}
const DEFAULT_UNSCHEDULABLE_GRACE_MS = 120_000;
const eventTime = (e) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
/**
 * Whether an Unschedulable pod may still be placed: the cluster autoscaler's latest word decides
 * (TriggeredScaleUp: a node is coming; NotTriggerScaleUp: no node group can fit it); without any word
 * from an autoscaler the pod gets a grace period, then the scheduler's message is the reason.
 */
function unschedulableVerdict(facts) {
    const latest = facts.events
        .filter((e) => (e.source?.component ?? e.reportingComponent) === 'cluster-autoscaler' &&
        (e.reason === 'TriggeredScaleUp' || e.reason === 'NotTriggerScaleUp'))
        .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
        .at(-1);
    if (latest?.reason === 'TriggeredScaleUp')
        return { wait: true, autoscaler: latest.message ?? '' };
    if (latest?.reason === 'NotTriggerScaleUp')
        return {
            wait: false,
            reason: 'NotTriggerScaleUp',
            message: latest.message ?? 'no node group fits the pod',
        };
    if (facts.now - facts.since < facts.graceMs)
        return { wait: true };
    return { wait: false, reason: 'Unschedulable', message: facts.schedulerMessage };
}
/** The reason a pod will not become ready without a change, or undefined while it may still. */
function podProblem(pod) {
    const name = pod.metadata.name ?? '?';
    if (pod.metadata.deletionTimestamp)
        return undefined;
    if (pod.status?.phase === 'Failed') {
        return {
            pod: name,
            reason: pod.status.reason ?? 'Failed',
            message: pod.status.message ?? 'the pod failed',
        };
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
        return { pod: name, reason: 'Unschedulable', message: scheduled.message ?? 'no node fits the pod' };
    }
    for (const status of [
        ...(pod.status?.initContainerStatuses ?? []),
        ...(pod.status?.containerStatuses ?? []),
    ]) {
        const waiting = status.state?.waiting;
        if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
            const last = status.lastState?.terminated;
            const exit = last
                ? ` (last exit code ${last.exitCode ?? '?'}${last.reason ? `, ${last.reason}` : ''})`
                : '';
            return {
                pod: name,
                container: status.name,
                reason: waiting.reason,
                message: `${waiting.message ?? waiting.reason}${exit}`,
            };
        }
        const terminated = status.state?.terminated;
        if (terminated?.reason === 'OOMKilled') {
            return {
                pod: name,
                container: status.name,
                reason: 'OOMKilled',
                message: 'the container ran out of memory',
            };
        }
    }
    return undefined;
}
/** Why a pod is not ready yet, for the timeout message (not fatal on its own). */
function podWaitingReason(pod) {
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True')
        return undefined;
    for (const status of pod.status?.containerStatuses ?? []) {
        if (status.state?.waiting?.reason)
            return `${status.name}: ${status.state.waiting.reason}`;
        if (status.state?.running && !status.ready)
            return `${status.name}: running but not ready (readiness probe failing)`;
    }
    return ready?.message ?? ready?.reason ?? pod.status?.phase ?? 'Pending';
}
function selectorString(selector) {
    if (!selector)
        return '';
    const labels = 'matchLabels' in selector || 'matchExpressions' in selector
        ? selector
        : { matchLabels: selector };
    const parts = Object.entries(labels.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    for (const expression of labels.matchExpressions ?? []) {
        const values = (expression.values ?? []).join(',');
        if (expression.operator === 'In')
            parts.push(`${expression.key} in (${values})`);
        else if (expression.operator === 'NotIn')
            parts.push(`${expression.key} notin (${values})`);
        else if (expression.operator === 'Exists')
            parts.push(expression.key);
        else if (expression.operator === 'DoesNotExist')
            parts.push(`!${expression.key}`);
    }
    return parts.join(',');
}
/** The last few events of one object, oldest first, as "Warning BackOff: Back-off pulling image …". */
async function recentEvents(kube, namespace, kind, name, limit = 8) {
    try {
        const list = await kube.request('GET', KNOWN.events(namespace), {
            query: { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` },
            purpose: 'events',
        });
        const time = (e) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
        return list.items
            .sort((a, b) => time(a).localeCompare(time(b)))
            .slice(-limit)
            .map((e) => `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${e.message ?? ''}${(e.count ?? 1) > 1 ? ` (×${e.count})` : ''}`);
    }
    catch {
        return [];
    }
}
/** A rollout that cannot succeed without a change to the app or its manifests. */
class RolloutFailedError extends kit/* UserError */.yo {
    deployment;
    problem;
    events;
    constructor(message, deployment, problem, events = []) {
        super(message);
        this.deployment = deployment;
        this.problem = problem;
        this.events = events;
        this.name = 'RolloutFailedError';
    }
}
/** The gate did not open in time. */
class RolloutTimeoutError extends kit/* WorldError */.nM {
    deployment;
    constructor(message, deployment) {
        super(message);
        this.deployment = deployment;
        this.name = 'RolloutTimeoutError';
    }
}
/**
 * Waits until a Deployment is fully rolled out, watching the Deployment and its pods together. A pod in a
 * state that will not heal (image pull back-off, crash loop, bad config) or an exceeded progress deadline
 * fails at once, with the pod's reason and recent events. An Unschedulable pod fails only when the cluster
 * autoscaler says no node group fits it, or after the grace period without any autoscaler scale-up.
 */
async function waitForRollout(kube, options) {
    const started = Date.now();
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    let lastDeployment;
    let lastPods = [];
    let lastLine = '';
    const report = () => {
        if (!lastDeployment)
            return;
        const { line } = gateProgressLine(options.name, lastDeployment, lastPods, options.revision);
        if (line !== lastLine)
            options.onProgress?.(line);
        lastLine = line;
    };
    const describeWaiting = () => {
        const progress = lastDeployment
            ? gateProgressLine(options.name, lastDeployment, lastPods, options.revision)
            : undefined;
        const reasons = lastPods
            .map((pod) => ({ pod: pod.metadata.name, why: podWaitingReason(pod) }))
            .filter((p) => p.why)
            .map((p) => `${p.pod} (${p.why})`);
        return (`${progress ? `${progress.ready}/${progress.desired} of the new pods ready` : 'no status yet'}` +
            (reasons.length ? `; waiting: ${reasons.slice(0, 5).join('; ')}` : ''));
    };
    let podFailure;
    // Unschedulable pods wait for the autoscaler's word (read from their events, watched only once a pod
    // is unschedulable) or for the grace period; the verdict settles `scheduling`.
    const graceMs = options.unschedulableGraceMs ?? DEFAULT_UNSCHEDULABLE_GRACE_MS;
    const unschedulable = new Map();
    let events = [];
    let eventWatch;
    let graceTimer;
    let toldAutoscaler = '';
    let settleScheduling = () => undefined;
    const scheduling = new Promise((resolve) => (settleScheduling = resolve));
    const judgeScheduling = () => {
        for (const [pod, seen] of unschedulable) {
            const verdict = unschedulableVerdict({
                schedulerMessage: seen.message,
                since: seen.since,
                now: Date.now(),
                graceMs,
                events: events.filter((e) => e.involvedObject?.name === pod),
            });
            if (!verdict.wait) {
                podFailure = { pod, reason: verdict.reason, message: verdict.message };
                settleScheduling(podFailure);
                return;
            }
            if (verdict.autoscaler !== undefined && toldAutoscaler === '') {
                toldAutoscaler = verdict.autoscaler;
                options.onProgress?.(`waiting for the cluster autoscaler: ${verdict.autoscaler}`);
            }
        }
    };
    const watchScheduling = () => {
        eventWatch ??= watchUntil(kube, { path: KNOWN.events(options.namespace), fieldSelector: 'involvedObject.kind=Pod' }, {
            deadline: options.deadline,
            signal: controller.signal,
            onTimeout: () => new Error('events: deadline'),
            decide: (objects) => {
                events = [...objects.values()];
                judgeScheduling();
                return undefined;
            },
        }).catch(() => undefined);
        // The grace period ends between events too; never beyond the deadline, where the gate times out anyway.
        clearTimeout(graceTimer);
        graceTimer = setTimeout(judgeScheduling, Math.min(graceMs + 50, Math.max(0, options.deadline - Date.now())));
    };
    const podWatch = watchUntil(kube, { path: KNOWN.pods(options.namespace), labelSelector: options.podSelector }, {
        deadline: options.deadline,
        signal: controller.signal,
        onTimeout: () => new Error('pods: deadline'),
        decide: (objects) => {
            lastPods = [...objects.values()];
            report();
            const stillUnschedulable = new Set();
            for (const pod of lastPods) {
                const problem = podProblem(pod);
                if (problem?.reason === 'Unschedulable') {
                    stillUnschedulable.add(problem.pod);
                    if (!unschedulable.has(problem.pod)) {
                        unschedulable.set(problem.pod, { message: problem.message, since: Date.now() });
                        watchScheduling();
                    }
                    continue;
                }
                if (problem) {
                    podFailure = problem;
                    return problem;
                }
            }
            for (const pod of unschedulable.keys())
                if (!stillUnschedulable.has(pod))
                    unschedulable.delete(pod);
            if (unschedulable.size > 0)
                judgeScheduling();
            return undefined;
        },
    }).catch(() => undefined);
    const deploymentWatch = watchUntil(kube, { path: KNOWN.deployments(options.namespace), fieldSelector: `metadata.name=${options.name}` }, {
        deadline: options.deadline,
        signal: controller.signal,
        onTimeout: () => new RolloutTimeoutError(`${options.name} was not ready within ${(0,kit/* formatDuration */.a3)(options.deadline - started)}: ${describeWaiting()}.`, options.name),
        decide: (objects) => {
            const deployment = objects.values().next().value;
            if (!deployment)
                return undefined;
            lastDeployment = deployment;
            const progress = rolloutProgress(deployment);
            report();
            if (progress.deadlineExceeded)
                return { deadline: progress.deadlineExceeded };
            return progress.complete ? { complete: true } : undefined;
        },
    });
    const first = await Promise.race([
        podWatch.then((problem) => (problem ? { problem } : new Promise(() => undefined))),
        scheduling.then((problem) => ({ problem })),
        deploymentWatch.then((outcome) => ({ outcome })),
    ])
        .catch(async (error) => {
        // At the timeout, the events of the first pod still waiting usually say why (probe failures, back-off).
        const waiting = lastPods.find((pod) => podWaitingReason(pod));
        if (!(error instanceof RolloutTimeoutError) || !waiting?.metadata.name)
            throw error;
        const events = await recentEvents(kube, options.namespace, 'Pod', waiting.metadata.name);
        if (events.length === 0)
            throw error;
        throw new RolloutTimeoutError(`${error.message}\nRecent events of ${waiting.metadata.name}:\n${events.map((e) => `  ${e}`).join('\n')}`, options.name);
    })
        .finally(() => {
        clearTimeout(graceTimer);
        controller.abort();
    });
    await eventWatch;
    if ('problem' in first || podFailure) {
        const problem = podFailure;
        const events = await recentEvents(kube, options.namespace, 'Pod', problem.pod);
        throw new RolloutFailedError(`${options.name}: pod ${problem.pod} ${problem.container ? `(container ${problem.container}) ` : ''}is in ${problem.reason}: ${problem.message}` +
            (events.length
                ? `\nRecent events of ${problem.pod}:\n${events.map((e) => `  ${e}`).join('\n')}`
                : ''), options.name, problem, events);
    }
    const outcome = first.outcome;
    if (outcome?.deadline) {
        const waiting = lastPods.find((pod) => podWaitingReason(pod))?.metadata.name;
        const events = waiting ? await recentEvents(kube, options.namespace, 'Pod', waiting) : [];
        throw new RolloutFailedError(`${options.name} exceeded its progress deadline (progressDeadlineSeconds): ${outcome.deadline}; ${describeWaiting()}.` +
            (events.length ? `\nRecent events of ${waiting}:\n${events.map((e) => `  ${e}`).join('\n')}` : ''), options.name, undefined, events);
    }
    const progress = gateProgressLine(options.name, lastDeployment, lastPods, options.revision);
    return {
        name: options.name,
        replicas: lastDeployment ? progress.desired : 0,
        // The new revision's ready pods, never the previous revision's still in this color.
        ready: progress.ready,
        durationMs: Date.now() - started,
        pods: lastPods,
    };
}

;// CONCATENATED MODULE: ./packages/kube/endpoints.ts



/** Counts the ready endpoints of the expected pods and names endpoints of any other pod. */
function endpointsState(slices, expected) {
    let ready = 0;
    const foreign = [];
    for (const slice of slices) {
        for (const endpoint of slice.endpoints ?? []) {
            const pod = endpoint.targetRef?.name ?? endpoint.addresses.join(',');
            if (!expected.has(pod))
                foreign.push(pod);
            else if (endpoint.conditions?.ready !== false)
                ready++;
        }
    }
    return { ready, foreign };
}
/**
 * Waits until a Service's EndpointSlices hold only the expected pods (and enough of them ready): the
 * proof that a selector switch reached the data plane, not just the API object.
 */
async function waitForEndpoints(kube, options) {
    const started = Date.now();
    let last = { ready: 0, foreign: [] };
    const result = await watchUntil(kube, {
        path: KNOWN.endpointSlices(options.namespace),
        labelSelector: `kubernetes.io/service-name=${options.service}`,
    }, {
        deadline: options.deadline,
        onTimeout: () => new kit/* WorldError */.nM(`The endpoints of Service ${options.service} did not settle within ${(0,kit/* formatDuration */.a3)(Date.now() - started)}: ` +
            `${last.ready}/${options.minReady} ready endpoints of the new pods` +
            (last.foreign.length ? `, still serving ${last.foreign.slice(0, 5).join(', ')}` : '')),
        decide: (objects) => {
            last = endpointsState(objects.values(), options.expectedPods);
            return last.foreign.length === 0 && last.ready >= options.minReady ? last : undefined;
        },
    });
    return result ?? last;
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
;// CONCATENATED MODULE: ./packages/kube/port-forward.ts




const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Parses `namespace/name:port`; the port is a number or the Service port's name. */
function parseServiceRef(text) {
    const match = /^([^/\s]+)\/([^:\s]+):([^:\s]+)$/.exec(text.trim());
    const problem = (why) => new kit/* UserError */.yo(`Service "${text}" ${why}.`, {
        hint: 'Name the Service as namespace/name:port, e.g. shop/web-preview:80 or shop/web-preview:http.',
    });
    if (!match)
        throw problem('is not in the form namespace/name:port');
    const [, namespace, name, portText] = match;
    if (!DNS_LABEL.test(namespace) || namespace.length > 63)
        throw problem(`has an invalid namespace "${namespace}"`);
    if (!DNS_LABEL.test(name) || name.length > 63)
        throw problem(`has an invalid Service name "${name}"`);
    if (/^\d+$/.test(portText)) {
        const port = Number(portText);
        if (port < 1 || port > 65535)
            throw problem(`has port ${port}, outside 1-65535`);
        return { namespace, name, port };
    }
    if (!PORT_NAME.test(portText) || portText.length > 15)
        throw problem(`has an invalid port name "${portText}"`);
    return { namespace, name, port: portText };
}
function formatServiceRef(ref) {
    return `${ref.namespace}/${ref.name}:${ref.port}`;
}
/** The Service port the reference means: by number, or by name. */
function findServicePort(service, ref) {
    const ports = service.spec?.ports ?? [];
    const found = ports.find((p) => (typeof ref.port === 'number' ? p.port === ref.port : p.name === ref.port));
    if (found)
        return found;
    const offered = ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ');
    throw new kit/* UserError */.yo(`Service ${ref.namespace}/${ref.name} has no port ${JSON.stringify(ref.port)}; it has ${offered || 'no ports'}.`, { hint: 'Use one of its ports, by number or by name.' });
}
/**
 * The pods that serve one Service port, read from the Service's EndpointSlices: an endpoint counts when
 * it is ready (absent means ready), not terminating, and names a pod. Its port comes from the slice's
 * port of the same name, where the targetPort (number or container port name) is already resolved.
 */
function readyBackends(slices, servicePort) {
    const portName = servicePort.name ?? '';
    const ready = new Map();
    const notReady = new Set();
    for (const slice of slices) {
        if (slice.addressType === 'FQDN')
            continue;
        const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName)?.port;
        if (port === undefined)
            continue;
        for (const endpoint of slice.endpoints ?? []) {
            const pod = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined;
            const label = pod ?? endpoint.addresses[0] ?? '?';
            const usable = endpoint.conditions?.ready !== false && endpoint.conditions?.terminating !== true;
            if (usable && pod)
                ready.set(`${pod}:${port}`, { pod, port });
            else
                notReady.add(label);
        }
    }
    for (const backend of ready.values())
        notReady.delete(backend.pod);
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
function loadKubeConfig(KubeConfigClass, given) {
    if (given !== undefined && typeof given !== 'string')
        return given;
    const config = new KubeConfigClass();
    try {
        if (given === undefined || given.trim() === '')
            config.loadFromDefault();
        else if (!given.includes('\n') && (0,external_node_fs_.existsSync)(given.trim()))
            config.loadFromFile(given.trim());
        else
            config.loadFromString(given);
    }
    catch (error) {
        throw new kit/* UserError */.yo(`The kubeconfig could not be read: ${(0,kit/* errorMessage */.gJ)(error)}`, {
            hint: 'Pass kubeconfig text or a file path, or set KUBECONFIG.',
            cause: error,
        });
    }
    if (!config.getCurrentCluster()) {
        throw new kit/* UserError */.yo('The kubeconfig names no current cluster.', {
            hint: 'Set current-context in the kubeconfig, or pass one that has it.',
        });
    }
    return config;
}
function apiStatus(error) {
    const code = error?.code;
    return typeof code === 'number' ? code : undefined;
}
/** Turns an API failure into the error a person can act on. */
function apiFailure(what, ref, error) {
    const status = apiStatus(error);
    if (status === 401 || status === 403) {
        return new kit/* UserError */.yo(`Not allowed to ${what} in namespace ${ref.namespace} (HTTP ${status}).`, {
            hint: 'The smoke test needs get on services, list on endpointslices.discovery.k8s.io and create on pods/portforward.',
            cause: error,
        });
    }
    return new kit/* WorldError */.nM(`Could not ${what} in namespace ${ref.namespace}: ${(0,kit/* errorMessage */.gJ)(error)}`, {
        cause: error,
        untouched: 'nothing in the cluster was changed',
    });
}
async function readBackends(clients, ref) {
    let service;
    try {
        service = await clients.core.readNamespacedService({ name: ref.name, namespace: ref.namespace });
    }
    catch (error) {
        if (apiStatus(error) === 404) {
            throw new kit/* UserError */.yo(`Service ${ref.namespace}/${ref.name} does not exist.`, {
                hint: 'Check the namespace and the name; a preview Service is created by the deploy step.',
            });
        }
        throw apiFailure(`read Service ${ref.name}`, ref, error);
    }
    const servicePort = findServicePort(service, ref);
    let slices;
    try {
        const list = await clients.discovery.listNamespacedEndpointSlice({
            namespace: ref.namespace,
            labelSelector: `kubernetes.io/service-name=${ref.name}`,
        });
        slices = list.items;
    }
    catch (error) {
        throw apiFailure(`list the EndpointSlices of Service ${ref.name}`, ref, error);
    }
    return readyBackends(slices, servicePort);
}
/** Waits (polling, a request every 2 s at most) until the Service has a ready pod for the port. */
async function waitForBackends(clients, ref, timeoutMs, onEvent) {
    const deadline = Date.now() + timeoutMs;
    let told = false;
    for (;;) {
        const backends = await readBackends(clients, ref);
        if (backends.ready.length > 0)
            return backends;
        if (Date.now() >= deadline) {
            const waiting = backends.notReady.length
                ? `${backends.notReady.length} not ready: ${backends.notReady.slice(0, 5).join(', ')}`
                : 'no endpoints at all: does its selector match any pod?';
            throw new kit/* WorldError */.nM(`Service ${formatServiceRef(ref)} has no ready pod after ${(0,kit/* formatDuration */.a3)(timeoutMs)} (${waiting}).`, {
                untouched: 'nothing in the cluster was changed',
                hint: 'Look at the pods behind the Service: kubectl describe pods, and their events.',
            });
        }
        if (!told) {
            onEvent(`Service ${formatServiceRef(ref)} has no ready pod yet; waiting up to ${(0,kit/* formatDuration */.a3)(timeoutMs)}`);
            told = true;
        }
        await (0,kit/* sleep */.yy)(Math.min(2000, Math.max(0, deadline - Date.now())));
    }
}
function describeForward(ref, backends, localPort) {
    const first = backends.ready[0];
    const more = backends.ready.length > 1 ? ` (and ${backends.ready.length - 1} more, in turn)` : '';
    return (`127.0.0.1:${localPort} → Service ${ref.namespace}/${ref.name} port ${backends.servicePort.port}` +
        ` → pod ${first.pod}${more} port ${first.port}, through the API server`);
}
/**
 * Opens a port-forward to a Service through the API server (`pods/portforward`), so a Service that no
 * ingress points at yet, a blue/green preview, can be tested from the runner. The Service is resolved
 * to its ready pods and their container port via EndpointSlices; each local connection opens its own
 * websocket to the next pod in turn. When a pod cannot be reached, the backends are read again.
 */
async function openPortForward(target, options = {}) {
    const ref = parseServiceRef(target);
    const onEvent = options.onEvent ?? (() => undefined);
    // Loaded here, not at the top: the client is large, and a smoke test against a URL never needs it.
    const k8s = await __webpack_require__.e(/* import() */ 749).then(__webpack_require__.bind(__webpack_require__, 9749));
    const config = loadKubeConfig(k8s.KubeConfig, options.kubeConfig);
    const clients = {
        core: config.makeApiClient(k8s.CoreV1Api),
        discovery: config.makeApiClient(k8s.DiscoveryV1Api),
    };
    let backends = await waitForBackends(clients, ref, options.readyTimeoutMs ?? 60_000, onEvent);
    const forwarder = new k8s.PortForward(config, true);
    let turn = 0;
    let stale = false;
    let refreshing;
    let lastProblem = '';
    const sockets = new Set();
    const websockets = new Set();
    // Failures are told once each in a row, not once per connection.
    const tell = (line) => {
        if (line === lastProblem)
            return;
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
        }
        catch (error) {
            tell(`could not read the Service's endpoints again: ${(0,kit/* errorMessage */.gJ)(error)}`);
        }
    };
    const forward = async (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        if (stale)
            await (refreshing ??= refresh().finally(() => (refreshing = undefined)));
        const backend = backends.ready[turn++ % backends.ready.length];
        const problems = [];
        const errorChannel = new external_node_stream_.Writable({
            write(chunk, _encoding, done) {
                problems.push(chunk);
                done();
            },
        });
        let ws;
        try {
            ws = (await forwarder.portForward(ref.namespace, backend.pod, [backend.port], socket, errorChannel, socket));
        }
        catch (error) {
            stale = true;
            tell(`port-forward to pod ${backend.pod} port ${backend.port} failed: ${describeWsError(error)}`);
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
            }
            else {
                socket.end();
            }
        };
        ws.on('close', finish);
        ws.on('error', () => socket.destroy());
        socket.on('close', () => {
            if (ws.readyState <= 1)
                ws.close();
        });
    };
    const server = external_node_net_.createServer({ pauseOnConnect: false }, (socket) => {
        void forward(socket);
    });
    await new Promise((resolve, reject) => {
        server.once('error', (error) => reject(new kit/* WorldError */.nM(`Could not listen on 127.0.0.1 for the port-forward: ${(0,kit/* errorMessage */.gJ)(error)}`)));
        server.listen(options.localPort ?? 0, '127.0.0.1', () => resolve());
    });
    const localPort = server.address().port;
    const description = describeForward(ref, backends, localPort);
    onEvent(`forwarding ${description}`);
    let closed;
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
            closed ??= new Promise((resolve) => {
                server.close(() => resolve());
                for (const ws of websockets)
                    (ws.terminate ?? ws.close).call(ws);
                for (const socket of sockets)
                    socket.destroy();
            });
            return closed;
        },
    };
}
/** The ws package reports a refused upgrade as "Unexpected server response: 403"; say what it means. */
function describeWsError(error) {
    // client-node rejects with the ws error event, whose message sits on the event or its error.
    const event = error;
    const text = typeof event?.message === 'string' && event.message !== ''
        ? event.message
        : event?.error !== undefined
            ? (0,kit/* errorMessage */.gJ)(event.error)
            : (0,kit/* errorMessage */.gJ)(error);
    const status = /Unexpected server response: (\d{3})/.exec(text)?.[1];
    if (status === '403')
        return `${text} (not allowed: needs create on pods/portforward)`;
    if (status === '404')
        return `${text} (the pod is gone)`;
    if (status === '400' || status === '500')
        return `${text} (the node could not forward: is the pod running?)`;
    return text;
}

;// CONCATENATED MODULE: ./packages/kube/index.ts
// Talking to Kubernetes: one counted client, server-side apply, watches, rollout gates, leases. The package's only door.











/***/ })

};
