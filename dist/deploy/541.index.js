export const id = 541;
export const ids = [541];
export const modules = {

/***/ 9541:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  COLORS: () => (/* reexport */ COLORS),
  LABELS: () => (/* reexport */ LABELS),
  LockSession: () => (/* reexport */ LockSession),
  RolledBackError: () => (/* reexport */ RolledBackError),
  acquireDeployLock: () => (/* reexport */ acquireDeployLock),
  chooseRollbackMode: () => (/* reexport */ chooseRollbackMode),
  chooseRollbackTarget: () => (/* reexport */ chooseRollbackTarget),
  configReferences: () => (/* reexport */ configReferences),
  decodeRevision: () => (/* reexport */ decodeRevision),
  deploySummary: () => (/* reexport */ deploySummary),
  encodeRevision: () => (/* reexport */ encodeRevision),
  failureSummary: () => (/* reexport */ failureSummary),
  loadManifests: () => (/* reexport */ loadManifests),
  lockHolderFromEnv: () => (/* reexport */ lockHolderFromEnv),
  lockName: () => (/* reexport */ lockName),
  manifestFiles: () => (/* reexport */ manifestFiles),
  otherColor: () => (/* reexport */ otherColor),
  parseRollbackTarget: () => (/* reexport */ parseRollbackTarget),
  planColor: () => (/* reexport */ planColor),
  planRollback: () => (/* reexport */ planRollback),
  pruneRevisions: () => (/* reexport */ pruneRevisions),
  readLiveState: () => (/* reexport */ readLiveState),
  readRevision: () => (/* reexport */ readRevision),
  readRevisions: () => (/* reexport */ readRevisions),
  recordRevision: () => (/* reexport */ recordRevision),
  revisionSecretName: () => (/* reexport */ revisionSecretName),
  rollbackSteps: () => (/* reexport */ rollbackSteps),
  rollbackSummary: () => (/* reexport */ rollbackSummary),
  runBlueGreen: () => (/* reexport */ runBlueGreen),
  runDeployChain: () => (/* reexport */ runDeployChain),
  runInfoFromEnv: () => (/* reexport */ runInfoFromEnv),
  runRollback: () => (/* reexport */ runRollback),
  unchangedRevision: () => (/* reexport */ unchangedRevision),
  validateManifests: () => (/* reexport */ validateManifests),
  workloadImages: () => (/* reexport */ workloadImages)
});

// EXTERNAL MODULE: ./packages/kit/index.ts + 15 modules
var kit = __webpack_require__(2379);
// EXTERNAL MODULE: ./packages/kube/index.ts + 9 modules
var packages_kube = __webpack_require__(1797);
;// CONCATENATED MODULE: ./packages/bluegreen/errors.ts


/**
 * Turns what the API server said about one object into an error a user can act on, pointing at the line of
 * the manifest it came from. Used for the dry run, so every refusal happens before anything changes.
 */
function explainApplyError(error, planned, namespace) {
    const { object, source } = planned;
    const what = `${object.kind}/${object.metadata.name}`;
    const location = source;
    const at = `${source.file}:${source.line}`;
    if (error instanceof packages_kube/* UnknownKindError */.r_) {
        return new kit/* UserError */.yo(`${at}: ${what}: the cluster does not know kind ${object.kind} in ${object.apiVersion}.`, {
            hint: 'Check apiVersion and kind for typos, or install the CRD that defines it before deploying. Nothing was changed.',
            location,
        });
    }
    if (error instanceof packages_kube/* KubeApiError */.W3) {
        if (error.code === 403) {
            return new kit/* UserError */.yo(`${at}: ${what}: the cluster's RBAC forbids it: ${error.serverMessage}`, {
                hint: `Grant the deploying identity get, list, watch, create, patch and delete on this kind in namespace ${namespace} (see docs/deployment.md, "Permissions"). Nothing was changed.`,
                location,
            });
        }
        if (error.code === 404 && error.status?.details?.kind === 'namespaces') {
            return namespaceMissing(namespace);
        }
        if (error.code === 422 || error.code === 400) {
            return new kit/* UserError */.yo(`${at}: ${what} is invalid: ${error.serverMessage}`, {
                hint: 'Fix the manifest; the API server rejected it in a dry run. Nothing was changed.',
                location,
            });
        }
        if (error.code === 409) {
            return new kit/* UserError */.yo(`${at}: ${what} conflicts with the cluster: ${error.serverMessage}`, { location });
        }
    }
    return new kit/* WorldError */.nM(`The API server failed on ${what}: ${(0,kit/* errorMessage */.gJ)(error)}`, {
        cause: error,
        untouched: 'live traffic and the stable Services',
    });
}
function namespaceMissing(namespace) {
    return new kit/* UserError */.yo(`Input "namespace" is "${namespace}": that namespace does not exist in the cluster.`, {
        hint: 'Create the namespace first (it holds quotas and RBAC the deploy should not invent), or fix the input. Nothing was changed.',
    });
}
/** Errors from taking the lock, translated: a missing namespace and RBAC are the usual suspects. */
function explainLockError(error, namespace) {
    if (error instanceof packages_kube/* KubeApiError */.W3) {
        if (error.code === 404)
            return namespaceMissing(namespace);
        if (error.code === 403) {
            return new kit/* UserError */.yo(`The cluster's RBAC forbids the deploy lock (a Lease) in namespace ${namespace}: ${error.serverMessage}`, {
                hint: 'Grant the deploying identity get, create, update and delete on leases.coordination.k8s.io in that namespace (see docs/deployment.md, "Permissions"). Nothing was changed.',
            });
        }
        if (error.code === 401) {
            return new kit/* UserError */.yo(`The cluster refused the credentials: ${error.serverMessage}`, {
                hint: 'The kubeconfig (input or KUBECONFIG) holds an expired or wrong credential. Nothing was changed.',
            });
        }
    }
    if (error instanceof packages_kube/* KubeTimeoutError */.bC) {
        // Only here is it known that nothing was written yet.
        return new kit/* WorldError */.nM(error.message, {
            cause: error,
            untouched: 'everything: nothing had been changed yet',
            hint: error.hint,
        });
    }
    if (error instanceof kit/* UserError */.yo || error instanceof kit/* WorldError */.nM)
        return error;
    return new kit/* WorldError */.nM(`The API server could not be reached or failed: ${(0,kit/* errorMessage */.gJ)(error)}`, {
        cause: error,
        untouched: 'everything: the deploy had not started',
        hint: 'Check the cluster address and network access from the runner, then run again.',
    });
}
/** Any other API failure during a run, in the kit's two kinds of error. */
function explainKubeError(error) {
    if (!(error instanceof packages_kube/* KubeApiError */.W3))
        return error;
    if (error.code === 403) {
        return new kit/* UserError */.yo(`The cluster's RBAC forbids a step of the deploy: ${error.serverMessage}`, {
            hint: 'Grant the deploying identity the permissions listed in docs/deployment.md ("Permissions").',
            cause: error,
        });
    }
    return new kit/* WorldError */.nM(`The API server failed: ${error.message}`, { cause: error });
}
/**
 * The error a failed deploy or rollback ends with: the cause's own words, where it is the user's to fix
 * or the world's, with what the run left behind and what to do next, known only here.
 */
function withOutcome(error, what, outcome) {
    if (error instanceof kit/* UserError */.yo) {
        return new kit/* UserError */.yo(error.message, { hint: outcome.hint, location: error.location, cause: error });
    }
    if (error instanceof kit/* WorldError */.nM) {
        return new kit/* WorldError */.nM(error.message, { cause: error.cause, ...outcome });
    }
    return new kit/* WorldError */.nM(`${what}: ${(0,kit/* errorMessage */.gJ)(error)}`, { cause: error, ...outcome });
}

;// CONCATENATED MODULE: ./packages/bluegreen/types.ts
const COLORS = ['blue', 'green'];
const otherColor = (color) => (color === 'blue' ? 'green' : 'blue');
/** Labels this suite puts on what it deploys. */
const LABELS = {
    app: 'swiss-deploy/app',
    color: 'swiss-deploy/color',
    revision: 'swiss-deploy/revision',
    role: 'swiss-deploy/role',
    /** On a config copy: the ConfigMap or Secret name in the manifests that it copies. */
    config: 'swiss-deploy/config',
    managedBy: 'app.kubernetes.io/managed-by',
};
const silentLogger = { info: () => undefined, warning: () => undefined };
const directPhase = (_title, work) => work();

;// CONCATENATED MODULE: ./packages/bluegreen/live.ts



/** Reads which color is live from the stable Services' selectors; they must agree. */
async function readLiveState(kube, namespace, services) {
    const found = new Map();
    const colors = new Map();
    for (const planned of services) {
        let service;
        try {
            service = await kube.request('GET', `${packages_kube/* KNOWN */.cR.services(namespace)}/${planned.name}`, {
                purpose: 'read',
            });
        }
        catch (error) {
            if (!(0,packages_kube/* isNotFound */.c4)(error))
                throw error;
        }
        found.set(planned.name, service);
        const color = service?.spec?.selector?.[LABELS.color];
        if (color && COLORS.includes(color))
            colors.set(planned.name, color);
    }
    const distinct = new Set(colors.values());
    if (distinct.size > 1) {
        throw new kit/* WorldError */.nM(`The stable Services of this app disagree on the live color: ${[...colors].map(([name, color]) => `${name} → ${color}`).join(', ')}.`, {
            hint: 'Someone changed a selector by hand. Point every stable Service at the same color (kubectl edit), or roll back, then deploy again.',
            untouched: 'nothing was changed',
        });
    }
    return { activeColor: distinct.values().next().value, services: found };
}

;// CONCATENATED MODULE: ./packages/bluegreen/lock.ts



const lockName = (app) => `swiss-deploy-${app}`;
/**
 * Runs `work` holding the app's deploy lock (DESIGN.md §4.1): takes the Lease (or uses the one the caller
 * holds), renews it in the background, and releases it however `work` ends, unless the caller owns it.
 */
async function withDeployLock(kube, options, work) {
    if (options.lock) {
        options.lock.assertHeld();
        return work(options.lock);
    }
    const lock = await acquireDeployLock(kube, options);
    try {
        return await work(lock);
    }
    finally {
        await lock
            .release()
            .catch((error) => options.log.warning(`Could not release the deploy lock: ${(0,kit/* errorMessage */.gJ)(error)}`));
    }
}
/** Takes the app's Lease, waiting up to `lockWaitMs`; the caller must release it. */
async function acquireDeployLock(kube, options) {
    const name = lockName(options.app);
    const lock = await options.phase(`Lock ${options.namespace}/${name}`, async () => {
        try {
            return await packages_kube/* LeaseLock */.ip.acquire(kube, {
                namespace: options.namespace,
                name,
                holder: options.holder,
                waitMs: options.lockWaitMs ?? 0,
                onTakeover: (previous) => options.log.warning(`Took over an expired deploy lock from ${previous.holder.repository ?? previous.holder.identity} run ${previous.holder.runId ?? '?'} (last renewed ${previous.renewed ?? '?'}); that run died without releasing it.`),
            });
        }
        catch (error) {
            throw explainLockError(error, options.namespace);
        }
    });
    options.onLocked?.({ namespace: options.namespace, name, identity: options.holder.identity });
    options.log.info(`Holding the deploy lock ${options.namespace}/${name} as ${options.holder.identity}.`);
    return lock;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./packages/bluegreen/config.ts


const asObject = (value) => value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
const asArray = (value) => Array.isArray(value) ? value.map(asObject).filter(Boolean) : [];
function reference(kind, holder, key) {
    const name = holder?.[key];
    if (!holder || typeof name !== 'string' || name === '')
        return [];
    return [{ kind, name, rename: (to) => (holder[key] = to) }];
}
/**
 * Every ConfigMap and Secret a pod spec reads: volumes (also projected), envFrom, env valueFrom, and the
 * image pull Secrets (so a restarted old pod pulls with the credentials its revision shipped).
 */
function configReferences(podSpec) {
    const spec = asObject(podSpec);
    if (!spec)
        return [];
    const found = [];
    for (const volume of asArray(spec.volumes)) {
        found.push(...reference('ConfigMap', asObject(volume.configMap), 'name'));
        found.push(...reference('Secret', asObject(volume.secret), 'secretName'));
        for (const source of asArray(asObject(volume.projected)?.sources)) {
            found.push(...reference('ConfigMap', asObject(source.configMap), 'name'));
            found.push(...reference('Secret', asObject(source.secret), 'name'));
        }
    }
    const containers = [
        ...asArray(spec.initContainers),
        ...asArray(spec.containers),
        ...asArray(spec.ephemeralContainers),
    ];
    for (const container of containers) {
        for (const from of asArray(container.envFrom)) {
            found.push(...reference('ConfigMap', asObject(from.configMapRef), 'name'));
            found.push(...reference('Secret', asObject(from.secretRef), 'name'));
        }
        for (const variable of asArray(container.env)) {
            const valueFrom = asObject(variable.valueFrom);
            found.push(...reference('ConfigMap', asObject(valueFrom?.configMapKeyRef), 'name'));
            found.push(...reference('Secret', asObject(valueFrom?.secretKeyRef), 'name'));
        }
    }
    for (const pullSecret of asArray(spec.imagePullSecrets))
        found.push(...reference('Secret', pullSecret, 'name'));
    return found;
}
const isConfig = (object) => object.apiVersion === 'v1' && (object.kind === 'ConfigMap' || object.kind === 'Secret');
/** The content that a pod reads; metadata is left out so relabelling never renames a copy. */
function contentHash(object) {
    const { apiVersion: _a, kind, metadata: _m, immutable: _i, ...content } = object;
    return (0,external_node_crypto_.createHash)('sha256')
        .update(JSON.stringify(sortKeys({ kind, ...content })))
        .digest('hex')
        .slice(0, 10);
}
function sortKeys(value) {
    if (Array.isArray(value))
        return value.map(sortKeys);
    const object = asObject(value);
    if (!object)
        return value;
    return Object.fromEntries(Object.keys(object)
        .sort()
        .map((key) => [key, sortKeys(object[key])]));
}
/** The key a copy or reference is found by: `ConfigMap/shop-config`. */
const configKey = (kind, name) => `${kind}/${name}`;
/**
 * Splits the manifests' ConfigMaps and Secrets into those the workloads read (returned as content-named
 * copies, with the workloads rewritten in place to reference them) and the rest, which stay as they are.
 */
function planConfigCopies(objects, workloads, app, namespace) {
    const configs = new Map();
    for (const manifest of objects) {
        if (isConfig(manifest.object))
            configs.set(configKey(manifest.object.kind, manifest.object.metadata.name), manifest);
    }
    const copies = new Map();
    for (const workload of workloads) {
        for (const ref of configReferences(workload.spec?.template?.spec)) {
            const key = configKey(ref.kind, ref.name);
            const manifest = configs.get(key);
            // Config the manifests do not carry (made by another tool, optional) is the cluster's, not ours.
            if (!manifest)
                continue;
            let copy = copies.get(key);
            if (!copy) {
                const name = `${ref.name}-${contentHash(manifest.object)}`;
                const object = structuredClone(manifest.object);
                object.metadata = {
                    name,
                    namespace,
                    labels: {
                        ...manifest.object.metadata.labels,
                        [LABELS.app]: app,
                        [LABELS.managedBy]: 'swiss-deploy',
                        [LABELS.role]: 'config',
                        [LABELS.config]: ref.name,
                    },
                    ...(manifest.object.metadata.annotations
                        ? { annotations: { ...manifest.object.metadata.annotations } }
                        : {}),
                };
                // A copy never changes: its name is its content. Immutable also spares the kubelet its watches.
                object.immutable = true;
                copy = { kind: ref.kind, original: ref.name, name, object, source: manifest.source };
                copies.set(key, copy);
            }
            ref.rename(copy.name);
        }
    }
    const copied = new Set([...copies.keys()].map((key) => configs.get(key)));
    return { copies: [...copies.values()], copied };
}
/** Names (`Kind/name`) of the config copies that a Deployment's pods read. */
function copiesReadBy(deployment) {
    return configReferences(deployment.spec?.template?.spec).map((ref) => configKey(ref.kind, ref.name));
}

;// CONCATENATED MODULE: ./packages/bluegreen/plan.ts



/** Kinds the blue/green model cannot run twice side by side, and what to do instead. */
const REFUSED = {
    StatefulSet: 'a StatefulSet keeps stable identities and volumes that two colors cannot share; deploy it with a rolling update outside blue/green',
    DaemonSet: 'a DaemonSet runs one pod per node, so two colors would double every node; deploy it with a rolling update outside blue/green',
    Pod: 'a bare Pod has no controller to scale or gate; wrap it in a Deployment',
    ReplicaSet: 'a bare ReplicaSet has no rollout status to gate on; use a Deployment',
    ReplicationController: 'a ReplicationController has no rollout status to gate on; use a Deployment',
};
const clone = (value) => structuredClone(value);
function refuse(message, source, hint) {
    throw new kit/* UserError */.yo(`${source.file}:${source.line}: ${message}`, {
        hint: `${hint} Nothing was changed.`,
        location: source,
    });
}
function podLabels(deployment) {
    return deployment.spec?.template?.metadata?.labels ?? {};
}
function selects(selector, labels) {
    const entries = Object.entries(selector);
    return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}
/** The app a workload belongs to by the usual labels, to catch two apps in one manifest set. */
function appIdentity(deployment) {
    const labels = { ...deployment.metadata.labels, ...podLabels(deployment) };
    return labels['app.kubernetes.io/instance'] ?? labels['app.kubernetes.io/name'] ?? labels.app;
}
/**
 * Checks that the manifests fit the blue/green model before anything touches the cluster, refusing with
 * the reason and the way out: kinds that cannot run in two colors, Services that select nothing, objects
 * for another namespace, two apps in one set.
 */
function validateManifests(objects, options) {
    const deployments = objects.filter((m) => m.object.kind === 'Deployment' && m.object.apiVersion === 'apps/v1');
    for (const { object, source } of objects) {
        const why = REFUSED[object.kind];
        if (why && (object.apiVersion === 'v1' || object.apiVersion === 'apps/v1')) {
            refuse(`${object.kind}/${object.metadata.name} cannot be deployed blue/green: ${why}.`, source, 'Remove it from the manifests given to deploy-blue-green.');
        }
        const namespace = object.metadata.namespace;
        if (namespace !== undefined && namespace !== options.namespace) {
            refuse(`${object.kind}/${object.metadata.name} is for namespace "${namespace}", but this deploy targets "${options.namespace}".`, source, 'Render the manifests for the target namespace (or drop metadata.namespace), or set the namespace input.');
        }
        const labelledApp = object.metadata.labels?.[LABELS.app];
        if (labelledApp !== undefined && labelledApp !== options.app) {
            refuse(`${object.kind}/${object.metadata.name} is labelled ${LABELS.app}=${labelledApp}, but this deploy is for app "${options.app}".`, source, 'Deploy each app in its own step with its own manifests.');
        }
    }
    if (deployments.length === 0) {
        const first = objects[0];
        refuse(`the manifests hold no apps/v1 Deployment, so there is nothing to deploy blue/green (found: ${[...new Set(objects.map((m) => m.object.kind))].join(', ')}).`, first.source, 'Pass the manifests of an app with a Deployment (e.g. the output of render-helm).');
    }
    const identities = new Map();
    for (const manifest of deployments) {
        const identity = appIdentity(manifest.object);
        if (identity !== undefined)
            identities.set(identity, identities.get(identity) ?? manifest);
    }
    if (identities.size > 1) {
        const [first, second] = [...identities.entries()];
        refuse(`the manifests hold two apps: Deployment/${first[1].object.metadata.name} is "${first[0]}" and Deployment/${second[1].object.metadata.name} is "${second[0]}".`, second[1].source, 'Deploy each app in its own deploy-blue-green step (each with its own app input and lock).');
    }
    for (const manifest of deployments) {
        const deployment = manifest.object;
        if (deployment.spec?.replicas === 0) {
            refuse(`Deployment/${deployment.metadata.name} has replicas: 0; switching traffic to it would serve nothing.`, manifest.source, 'Give it at least one replica (or leave replicas out and let the HPA decide).');
        }
        const matchLabels = deployment.spec?.selector?.matchLabels;
        if (!matchLabels ||
            Object.keys(matchLabels).length === 0 ||
            deployment.spec?.selector?.matchExpressions?.length) {
            refuse(`Deployment/${deployment.metadata.name} needs a selector of matchLabels only (the color label is added to it).`, manifest.source, 'Give the Deployment spec.selector.matchLabels and no matchExpressions.');
        }
    }
    for (const manifest of objects) {
        if (manifest.object.kind !== 'Service' || manifest.object.apiVersion !== 'v1')
            continue;
        const service = manifest.object;
        const selector = service.spec?.selector;
        if (service.spec?.type === 'ExternalName' || !selector || Object.keys(selector).length === 0)
            continue;
        if (!deployments.some((d) => selects(selector, podLabels(d.object)))) {
            refuse(`Service/${service.metadata.name} selects ${Object.entries(selector)
                .map(([k, v]) => `${k}=${v}`)
                .join(',')}, which matches the pods of no Deployment in the manifests.`, manifest.source, "Make the Service's selector match the pod template labels of the app's Deployment, or deploy that Service separately.");
        }
        if (`${service.metadata.name}-preview`.length > 63) {
            refuse(`Service/${service.metadata.name} is too long a name for its preview Service (${service.metadata.name}-preview must be at most 63 characters).`, manifest.source, 'Shorten the Service name.');
        }
    }
}
/** Turns the manifests into the objects of one color, as DESIGN.md §4.2 describes. */
function planColor(objects, options) {
    const { app, namespace, color, revision } = options;
    const common = { [LABELS.app]: app, [LABELS.managedBy]: 'swiss-deploy' };
    const plan = {
        app,
        namespace,
        color,
        revision,
        workloads: [],
        attached: [],
        services: [],
        configs: [],
        traffic: [],
        others: [],
    };
    const deploymentNames = new Set(objects
        .filter((m) => m.object.kind === 'Deployment' && m.object.apiVersion === 'apps/v1')
        .map((m) => m.object.metadata.name));
    const minReplicas = new Map();
    for (const { object } of objects) {
        const spec = object.spec;
        if (object.kind === 'HorizontalPodAutoscaler' &&
            spec?.scaleTargetRef?.kind === 'Deployment' &&
            spec.scaleTargetRef.name)
            minReplicas.set(spec.scaleTargetRef.name, spec.minReplicas ?? 1);
    }
    const withNamespace = (object) => {
        const copy = clone(object);
        copy.metadata.namespace = namespace;
        return copy;
    };
    for (const manifest of objects) {
        const { object, source } = manifest;
        if (object.kind === 'Deployment' && object.apiVersion === 'apps/v1') {
            const deployment = withNamespace(object);
            const baseName = object.metadata.name;
            deployment.metadata.name = `${baseName}-${color}`;
            deployment.metadata.labels = { ...deployment.metadata.labels, ...common, [LABELS.color]: color };
            deployment.metadata.annotations = {
                ...deployment.metadata.annotations,
                [LABELS.revision]: String(revision),
            };
            const spec = deployment.spec ?? (deployment.spec = {});
            // Without replicas in the manifest, apply would keep what the idle Deployment has, perhaps 0 from a
            // failed or scaled-down deploy; start the new color at the HPA's minimum instead.
            if (spec.replicas === undefined)
                spec.replicas = minReplicas.get(baseName) ?? 1;
            spec.selector = { matchLabels: { ...spec.selector?.matchLabels, [LABELS.color]: color } };
            const template = spec.template ?? (spec.template = {});
            const metadata = template.metadata ?? (template.metadata = {});
            metadata.labels = {
                ...metadata.labels,
                ...common,
                [LABELS.color]: color,
                [LABELS.revision]: String(revision),
            };
            plan.workloads.push({
                baseName,
                object: deployment,
                podSelector: { ...spec.selector.matchLabels, [LABELS.revision]: String(revision) },
                source,
            });
            continue;
        }
        if (object.kind === 'HorizontalPodAutoscaler' && object.apiVersion.startsWith('autoscaling/')) {
            const target = object.spec
                ?.scaleTargetRef;
            if (target?.kind === 'Deployment' && deploymentNames.has(target.name)) {
                const hpa = withNamespace(object);
                hpa.metadata.name = `${object.metadata.name}-${color}`;
                hpa.metadata.labels = { ...hpa.metadata.labels, ...common, [LABELS.color]: color };
                hpa.spec.scaleTargetRef.name = `${target.name}-${color}`;
                plan.attached.push({ object: hpa, source });
                continue;
            }
        }
        if (object.kind === 'PodDisruptionBudget' && object.apiVersion === 'policy/v1') {
            const selector = object.spec
                ?.selector;
            const matchLabels = selector?.matchLabels;
            const followed = objects.some((m) => m.object.kind === 'Deployment' &&
                matchLabels &&
                selects(matchLabels, podLabels(m.object)));
            if (followed && matchLabels) {
                const pdb = withNamespace(object);
                pdb.metadata.name = `${object.metadata.name}-${color}`;
                pdb.metadata.labels = { ...pdb.metadata.labels, ...common, [LABELS.color]: color };
                pdb.spec.selector.matchLabels = {
                    ...matchLabels,
                    [LABELS.color]: color,
                };
                plan.attached.push({ object: pdb, source });
                continue;
            }
        }
        if (object.kind === 'Service' && object.apiVersion === 'v1') {
            const service = object;
            const selector = service.spec?.selector;
            if (service.spec?.type !== 'ExternalName' && selector && Object.keys(selector).length > 0) {
                const name = service.metadata.name;
                const stable = withNamespace(service);
                stable.metadata.labels = { ...stable.metadata.labels, ...common, [LABELS.role]: 'stable' };
                stable.spec = { ...stable.spec, selector: { ...selector, [LABELS.color]: color } };
                const preview = {
                    apiVersion: 'v1',
                    kind: 'Service',
                    metadata: {
                        name: `${name}-preview`,
                        namespace,
                        labels: {
                            ...service.metadata.labels,
                            ...common,
                            [LABELS.role]: 'preview',
                            [LABELS.color]: color,
                        },
                    },
                    spec: {
                        type: 'ClusterIP',
                        // The revision too: while the idle color still runs older pods, the preview shows only these.
                        selector: { ...selector, [LABELS.color]: color, [LABELS.revision]: String(revision) },
                        ports: (service.spec?.ports ?? []).map((port) => {
                            const { nodePort: _nodePort, ...rest } = port;
                            return rest;
                        }),
                    },
                };
                plan.services.push({ name, stable, preview, baseSelector: { ...selector }, source: manifest.source });
                continue;
            }
        }
        (shapesTraffic(object) ? plan.traffic : plan.others).push({
            object: object.metadata.namespace === undefined && isClusterScoped(object)
                ? clone(object)
                : withNamespace(object),
            source,
        });
    }
    const { copies, copied } = planConfigCopies(objects, plan.workloads.map((w) => w.object), app, namespace);
    const copiedKeys = new Set([...copied].map((m) => configKey(m.object.kind, m.object.metadata.name)));
    plan.configs = copies;
    plan.others = plan.others.filter((o) => !(o.object.apiVersion === 'v1' && copiedKeys.has(configKey(o.object.kind, o.object.metadata.name))));
    return plan;
}
/** Routing and policy kinds: what live clients go through, changed only when traffic moves. */
const TRAFFIC_KINDS = {
    'networking.k8s.io': ['Ingress', 'NetworkPolicy'],
    'gateway.networking.k8s.io': ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'],
    'networking.istio.io': ['VirtualService', 'DestinationRule'],
    'traefik.io': ['IngressRoute', 'Middleware'],
};
function shapesTraffic(object) {
    const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
    return TRAFFIC_KINDS[group]?.includes(object.kind) ?? false;
}
/** Kinds that live outside namespaces; they keep no metadata.namespace. */
function isClusterScoped(object) {
    return /^(Namespace|ClusterRole|ClusterRoleBinding|CustomResourceDefinition|PriorityClass|StorageClass|PersistentVolume|IngressClass|ValidatingWebhookConfiguration|MutatingWebhookConfiguration)$/.test(object.kind);
}
/** Every container image of the workloads, with the digest when the reference pins one. */
function workloadImages(objects) {
    const images = [];
    for (const object of objects) {
        if (object.kind !== 'Deployment')
            continue;
        const spec = object.spec?.template?.spec;
        for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
            if (!container.image)
                continue;
            const digest = /@(sha256:[a-f0-9]{64})$/.exec(container.image)?.[1];
            images.push({
                workload: object.metadata.name,
                container: container.name,
                image: container.image,
                digest,
            });
        }
    }
    return images;
}

// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
;// CONCATENATED MODULE: ./packages/bluegreen/revisions.ts




/**
 * The revision store: one Secret per revision (Secrets, because the manifests may hold Secrets), labelled
 * by app and number, its record gzip-compressed JSON. The last `history-limit` are kept; `rollback` reads
 * them to deploy any of them again without the run that made them.
 */
const DATA_KEY = 'revision.json.gz';
const SECRET_TYPE = 'swiss-deploy/revision';
function revisionSecretName(app, revision) {
    return `swiss-deploy-${app}-r${revision}`;
}
function encodeRevision(record) {
    return (0,external_node_zlib_.gzipSync)(Buffer.from(JSON.stringify(record), 'utf8')).toString('base64');
}
function decodeRevision(data) {
    return JSON.parse((0,external_node_zlib_.gunzipSync)(Buffer.from(data, 'base64')).toString('utf8'));
}
/** Every stored revision of an app, newest first. */
async function readRevisions(kube, namespace, app) {
    const list = await kube.request('GET', packages_kube/* KNOWN */.cR.secrets(namespace), {
        query: { labelSelector: `${LABELS.app}=${app},${LABELS.role}=revision` },
        purpose: 'revisions',
    });
    return list.items
        .filter((secret) => secret.type === SECRET_TYPE && secret.data?.[DATA_KEY])
        .map((secret) => decodeRevision(secret.data[DATA_KEY]))
        .sort((a, b) => b.revision - a.revision);
}
/** One revision by number, or undefined. */
async function readRevision(kube, namespace, app, revision) {
    return (await readRevisions(kube, namespace, app)).find((r) => r.revision === revision);
}
/** Writes (creates or replaces) the record of one revision. */
async function recordRevision(kube, record) {
    const name = revisionSecretName(record.app, record.revision);
    const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: SECRET_TYPE,
        metadata: {
            name,
            namespace: record.namespace,
            labels: {
                [LABELS.app]: record.app,
                [LABELS.role]: 'revision',
                [LABELS.revision]: String(record.revision),
                [LABELS.managedBy]: 'swiss-deploy',
            },
            annotations: {
                'swiss-deploy/outcome': record.outcome,
                [LABELS.color]: record.color,
                ...(record.commit ? { 'swiss-deploy/commit': record.commit } : {}),
            },
        },
        data: { [DATA_KEY]: encodeRevision(record) },
    };
    await kube.request('PATCH', `${packages_kube/* KNOWN */.cR.secrets(record.namespace)}/${name}`, {
        body: secret,
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: packages_kube/* FIELD_MANAGER */.vy, force: true },
        purpose: 'revisions',
    });
}
/** A stored revision's manifests as the planner takes them, each pointing at the revision it came from. */
function revisionManifests(record) {
    return record.manifests.map((object) => ({
        object,
        source: { file: `revision ${record.revision}`, line: 1 },
    }));
}
/**
 * Deletes the oldest revisions beyond `keep`, then the config copies that no kept revision and no
 * Deployment of the app still reads; returns the revision numbers deleted.
 */
async function pruneRevisions(kube, namespace, app, keep, known) {
    const records = known ?? (await readRevisions(kube, namespace, app));
    const doomed = [...records].sort((a, b) => b.revision - a.revision).slice(Math.max(keep, 1));
    for (const record of doomed) {
        await kube
            .request('DELETE', `${packages_kube/* KNOWN */.cR.secrets(namespace)}/${revisionSecretName(app, record.revision)}`, {
            purpose: 'revisions',
        })
            .catch(() => undefined);
    }
    const kept = records.filter((r) => !doomed.includes(r));
    await collectConfigCopies(kube, namespace, app, kept);
    return doomed.map((r) => r.revision);
}
/** Config copies are garbage once neither a kept revision nor a Deployment of the app reads them. */
async function collectConfigCopies(kube, namespace, app, kept) {
    const labelSelector = `${LABELS.app}=${app},${LABELS.role}=config`;
    const deployments = await kube.request('GET', packages_kube/* KNOWN */.cR.deployments(namespace), {
        query: { labelSelector: `${LABELS.app}=${app}` },
        purpose: 'revisions',
    });
    const inUse = new Set([
        ...kept.flatMap((r) => r.configs ?? []),
        ...deployments.items.flatMap((d) => copiesReadBy(d)),
    ]);
    for (const [kind, path] of [
        ['ConfigMap', packages_kube/* KNOWN */.cR.configMaps(namespace)],
        ['Secret', packages_kube/* KNOWN */.cR.secrets(namespace)],
    ]) {
        const list = await kube.request('GET', path, {
            query: { labelSelector },
            purpose: 'revisions',
        });
        for (const copy of list.items) {
            const name = copy.metadata.name;
            if (inUse.has(configKey(kind, name)))
                continue;
            await kube.request('DELETE', `${path}/${name}`, { purpose: 'revisions' }).catch(() => undefined);
        }
    }
}

;// CONCATENATED MODULE: ./packages/bluegreen/switch.ts






const planned = (items, object) => items.map((item) => ({ object: object(item), source: item.source }));
/** The idle color's own objects, in apply order: config copies first, so the pods find them. */
function colorObjects(plan) {
    return [
        ...plan.others,
        ...planned(plan.configs, (c) => c.object),
        ...planned(plan.workloads, (w) => w.object),
        ...plan.attached,
    ];
}
const previewObjects = (plan) => planned(plan.services, (s) => s.preview);
/** What the switch writes: the stable Services, then the objects that shape live traffic. */
const switchObjects = (plan) => [
    ...planned(plan.services, (s) => s.stable),
    ...plan.traffic,
];
/** Every object of a plan, for the dry run that checks them all before anything changes. */
const allObjects = (plan) => [
    ...colorObjects(plan),
    ...previewObjects(plan),
    ...switchObjects(plan),
];
/** Server-side applies each object, holding the lock, with errors pointing at the manifest line. */
async function applyPlanned(context, objects, options = {}) {
    for (const item of objects) {
        context.lock.assertHeld();
        await (0,packages_kube/* applyObject */.qi)(context.kube, context.discovery, item.object, {
            force: true,
            dryRun: options.dryRun,
            purpose: options.purpose,
        }).catch((error) => {
            throw explainApplyError(error, item, context.namespace);
        });
    }
}
/** The live revision's traffic objects, from the store: what a switch back must restore. */
function liveRoute(revisions, color, app, namespace) {
    if (!color)
        return undefined;
    const live = revisions.find((r) => r.color === color && r.outcome === 'succeeded');
    const traffic = live
        ? planColor(revisionManifests(live), { app, namespace, color, revision: live.revision }).traffic
        : [];
    return { color, traffic };
}
/** Readiness gate over every workload of the color; the first failure stops the others. */
async function gate(context, plan, deadline) {
    const controller = new AbortController();
    try {
        return await Promise.all(plan.workloads.map((workload) => (0,packages_kube/* waitForRollout */.gj)(context.kube, {
            namespace: plan.namespace,
            name: workload.object.metadata.name,
            podSelector: (0,packages_kube/* selectorString */.zD)(workload.podSelector),
            revision: plan.revision,
            unschedulableGraceMs: context.unschedulableGraceMs,
            deadline,
            signal: controller.signal,
            onProgress: (line) => context.log.info(line),
        })));
    }
    finally {
        controller.abort();
    }
}
/**
 * The switch of DESIGN.md §4.4: one server-side apply per stable Service moves its selector to the new
 * color, then the plan's Ingresses, routes and policies are applied; the Services' EndpointSlices must
 * then hold the new pods only. If any of it fails, the Services go back to the previous color and the
 * previous revision's traffic objects are applied again, before the error is raised, which says exactly
 * what serves.
 */
async function switchTraffic(context, plan, previous, deadline) {
    const { kube, log, lock } = context;
    const started = Date.now();
    const switched = [];
    let trafficApplied = false;
    try {
        for (const service of plan.services) {
            lock.assertHeld();
            await (0,packages_kube/* applyObject */.qi)(kube, context.discovery, service.stable, { force: true, purpose: 'switch' });
            switched.push(service);
            log.info(`Service ${service.name} now selects ${plan.color}.`);
        }
        if (plan.traffic.length > 0) {
            trafficApplied = true;
            await applyPlanned(context, plan.traffic, { purpose: 'switch' });
            log.info(`Applied ${plan.traffic.map((t) => `${t.object.kind}/${t.object.metadata.name}`).join(', ')} of revision ${plan.revision}.`);
        }
        for (const service of plan.services) {
            const selector = { ...service.baseSelector, [LABELS.color]: plan.color };
            const pods = await kube.request('GET', packages_kube/* KNOWN */.cR.pods(plan.namespace), {
                query: { labelSelector: (0,packages_kube/* selectorString */.zD)(selector) },
                purpose: 'list',
            });
            const expected = new Set(pods.items.map((p) => p.metadata.name));
            const desired = plan.workloads
                .filter((w) => Object.entries(service.baseSelector).every(([k, v]) => w.object.spec?.template?.metadata?.labels?.[k] === v))
                .reduce((sum, w) => sum + (w.object.spec?.replicas ?? 1), 0);
            const state = await (0,packages_kube/* waitForEndpoints */.Py)(kube, {
                namespace: plan.namespace,
                service: service.name,
                expectedPods: expected,
                minReady: Math.min(desired, expected.size),
                deadline: Math.max(deadline, Date.now() + 60_000),
            });
            log.info(`Service ${service.name}: ${state.ready} ready endpoints, all ${plan.color}.`);
        }
    }
    catch (error) {
        throw await switchBack(context, plan, previous, switched, trafficApplied, error);
    }
    return Date.now() - started;
}
/** Puts back what a failed switch changed, and says truthfully what serves afterwards. */
async function switchBack(context, plan, previous, switched, trafficApplied, error) {
    const { kube, log } = context;
    const reason = `The switch to ${plan.color} failed: ${(0,kit/* errorMessage */.gJ)(error)}`;
    if (switched.length === 0 && !trafficApplied) {
        return new kit/* WorldError */.nM(reason, {
            cause: error,
            untouched: previous ? `live traffic: still ${previous.color}` : 'nothing was live yet',
            hint: 'Check the API server and the manifests, then deploy again.',
        });
    }
    if (!previous) {
        return new kit/* WorldError */.nM(reason, {
            cause: error,
            untouched: `nothing: this was the first deploy, and ${switched.map((s) => s.name).join(', ')} now select${switched.length === 1 ? 's' : ''} ${plan.color}`,
            hint: 'Check the endpointslice controller and the pods of the new color, then deploy again.',
        });
    }
    const stuck = [];
    for (const service of switched) {
        const back = structuredClone(service.stable);
        back.spec = { ...back.spec, selector: { ...service.baseSelector, [LABELS.color]: previous.color } };
        await (0,packages_kube/* applyObject */.qi)(kube, context.discovery, back, { force: true, purpose: 'switch' }).catch((undo) => {
            stuck.push(`Service ${service.name} still selects ${plan.color}`);
            log.warning(`Could not switch ${service.name} back to ${previous.color}: ${(0,kit/* errorMessage */.gJ)(undo)}`);
        });
    }
    if (trafficApplied) {
        for (const item of previous.traffic) {
            await (0,packages_kube/* applyObject */.qi)(kube, context.discovery, item.object, { force: true, purpose: 'switch' }).catch((undo) => {
                stuck.push(`${item.object.kind}/${item.object.metadata.name} holds revision ${plan.revision}'s version`);
                log.warning(`Could not restore ${item.object.kind}/${item.object.metadata.name}: ${(0,kit/* errorMessage */.gJ)(undo)}`);
            });
        }
    }
    return new kit/* WorldError */.nM(reason, {
        cause: error,
        untouched: stuck.length === 0
            ? `live traffic: switched back to ${previous.color}`
            : `not all of it: ${stuck.join('; ')}; the rest is back on ${previous.color}`,
        hint: stuck.length === 0
            ? 'Check the endpointslice controller and the pods of the new color, then deploy again.'
            : `Run the rollback workflow (to: previous) to put everything back on ${previous.color}.`,
    });
}
/** Scales the previous color to `keep` replicas, unless it stays whole for an instant rollback. */
async function keepPrevious(context, plan, previous, keep) {
    if (!previous || keep === 'all')
        return;
    for (const workload of plan.workloads) {
        const name = `${workload.baseName}-${previous}`;
        try {
            await (0,packages_kube/* scaleDeployment */.eV)(context.kube, plan.namespace, name, keep);
            context.log.info(`Scaled the previous color's ${name} to ${keep} replicas.`);
        }
        catch (error) {
            if (!(0,packages_kube/* isNotFound */.c4)(error))
                context.log.warning(`Could not scale ${name} to ${keep}: ${(0,kit/* errorMessage */.gJ)(error)}`);
        }
    }
}
/** Scales a color's workloads to zero (a failed or aborted revision); a missing one is fine. */
async function scaleToZero(context, names) {
    for (const name of names) {
        await (0,packages_kube/* scaleDeployment */.eV)(context.kube, context.namespace, name, 0).catch((error) => {
            if (!(0,packages_kube/* isNotFound */.c4)(error))
                context.log.warning(`Could not scale ${name} to 0: ${(0,kit/* errorMessage */.gJ)(error)}`);
        });
    }
}

;// CONCATENATED MODULE: ./packages/bluegreen/deploy.ts









/**
 * The blue/green deploy of DESIGN.md §4: lock, plan and apply the idle color with its own config copies,
 * gate on readiness with watches, point the preview at the ready pods, switch the stable Services and the
 * traffic objects in one step, confirm their endpoints, keep the previous color, record the revision.
 * A failure before the switch leaves everything live pods read and live traffic goes through as it was.
 */
async function runBlueGreen(kube, options) {
    const started = Date.now();
    const log = options.log ?? silentLogger;
    const phase = options.phase ?? directPhase;
    const action = options.action ?? 'deploy';
    if (action === 'deploy') {
        if (!options.manifests)
            throw new kit/* UserError */.yo('Input "manifests" is required to deploy.');
        validateManifests(options.manifests, options);
    }
    return withDeployLock(kube, { ...options, log, phase }, async (lock) => {
        const run = {
            step: {
                kube,
                discovery: new packages_kube/* Discovery */.TB(kube),
                lock,
                log,
                phase,
                namespace: options.namespace,
                unschedulableGraceMs: options.unschedulableGraceMs,
            },
            options,
            started,
        };
        try {
            if (action === 'promote')
                return await promote(run);
            if (action === 'abort')
                return await abort(run);
            return await deploy(run);
        }
        catch (error) {
            throw explainKubeError(error);
        }
    });
}
function newRecord(run, plan, manifests, previousColor) {
    const objects = manifests.map((m) => m.object);
    return {
        app: plan.app,
        namespace: plan.namespace,
        revision: plan.revision,
        color: plan.color,
        previousColor,
        outcome: 'deploying',
        manifestDigest: (0,kit/* manifestDigest */.It)(objects),
        manifests: objects,
        images: workloadImages(objects),
        configs: plan.configs.map((c) => `${c.kind}/${c.name}`),
        ...run.options.run,
        startedAt: new Date(run.started).toISOString(),
    };
}
function baseReport(run, plan, color, previousColor) {
    return {
        app: plan.app,
        namespace: plan.namespace,
        status: 'succeeded',
        color,
        previousColor,
        revision: plan.revision,
        previewServices: plan.services.map((s) => `${plan.namespace}/${s.preview.metadata.name}:${s.preview.spec?.ports?.[0]?.port ?? 80}`),
        stableServices: plan.services.map((s) => `${plan.namespace}/${s.name}:${s.stable.spec?.ports?.[0]?.port ?? 80}`),
        images: workloadImages(plan.workloads.map((w) => w.object)),
        replicas: plan.workloads.map((w) => ({
            workload: w.object.metadata.name,
            ready: 0,
            desired: w.object.spec?.replicas ?? 1,
        })),
        durationMs: 0,
        requests: {},
        runUrl: run.options.run?.runUrl,
    };
}
function finish(run, report) {
    report.durationMs = Date.now() - run.started;
    report.requests = run.step.kube.requestCounts();
    return report;
}
/**
 * Whether a deploy of manifests with `digest` has nothing to do: the newest revision has the same
 * manifests and is either live on the active color or waiting in preview.
 */
function unchangedRevision(revisions, digest, active) {
    const latest = revisions[0];
    if (!latest || latest.manifestDigest !== digest)
        return undefined;
    if (latest.outcome === 'preview')
        return latest;
    return latest.outcome === 'succeeded' && latest.color === active ? latest : undefined;
}
async function deploy(run) {
    const { step, options } = run;
    const { kube, log, phase } = step;
    const manifests = options.manifests;
    // Plan: the live color decides the idle one; the store gives the next number.
    const probe = planColor(manifests, { ...options, color: 'blue', revision: 0 });
    const { live, revisions } = await phase('Read the live state', async () => {
        const live = await readLiveState(kube, options.namespace, probe.services);
        const revisions = await readRevisions(kube, options.namespace, options.app);
        log.info(live.activeColor ? `Live color: ${live.activeColor}.` : 'No live color yet: this is the first deploy.');
        return { live, revisions };
    });
    const active = live.activeColor;
    const digest = (0,kit/* manifestDigest */.It)(manifests.map((m) => m.object));
    const same = unchangedRevision(revisions, digest, active);
    if (same) {
        log.info(`Revision ${same.revision} has the same manifests (${digest.slice(0, 19)}…) and is ${same.outcome === 'preview' ? 'waiting in preview' : 'live'}: nothing to do.`);
        const plan = planColor(manifests, { ...options, color: same.color, revision: same.revision });
        const report = baseReport(run, plan, active ?? same.color, same.previousColor);
        report.status = same.outcome === 'preview' ? 'preview' : 'unchanged';
        return finish(run, report);
    }
    const color = active ? otherColor(active) : 'blue';
    const revision = Math.max(0, ...revisions.map((r) => r.revision)) + 1;
    const plan = planColor(manifests, { ...options, color, revision });
    // Dry run of everything, the switch's objects included: unknown kinds, RBAC and invalid objects fail
    // here, before the revision is recorded or anything else changes.
    await phase(`Check revision ${revision} (${color}) with a server-side dry run`, async () => {
        const all = allObjects(plan);
        await applyPlanned(step, all, { dryRun: true });
        log.info(`${all.length} objects pass the API server's validation, admission and RBAC.`);
    });
    const record = newRecord(run, plan, manifests, active);
    const report = baseReport(run, plan, active ?? color, active);
    for (const stale of revisions.filter((r) => r.outcome === 'preview' || r.outcome === 'deploying')) {
        await recordRevision(kube, { ...stale, outcome: 'superseded', finishedAt: new Date().toISOString() });
    }
    await recordRevision(kube, record);
    // The timeout covers the gate and the switch, not the wait for the lock.
    const deadline = Date.now() + options.timeoutMs;
    try {
        await phase(`Apply revision ${revision} to the idle color, ${color}`, async () => {
            await applyPlanned(step, colorObjects(plan));
            log.info(`Applied ${plan.workloads.map((w) => w.object.metadata.name).join(', ')}` +
                (plan.configs.length
                    ? ` reading ${plan.configs.map((c) => `${c.kind}/${c.name}`).join(', ')}`
                    : '') +
                (plan.others.length ? `, and ${plan.others.length} other objects` : '') +
                '.');
        });
        await gateAndPreview(run, plan, deadline, report, color);
        record.gateMs = report.gateMs;
        record.images = report.images.map((image) => ({
            ...image,
            workload: image.workload.replace(new RegExp(`-${color}$`), ''),
        }));
    }
    catch (error) {
        throw await failBeforeSwitch(run, plan, record, active, error);
    }
    if ((options.promotion ?? 'auto') === 'manual') {
        record.outcome = 'preview';
        record.finishedAt = new Date().toISOString();
        await recordRevision(kube, record);
        log.info(`Revision ${revision} is ready in ${color} behind ${report.previewServices.join(', ')}; live traffic stays on ${active ?? 'nothing yet'}. Run again with action: promote (or abort).`);
        report.status = 'preview';
        return finish(run, report);
    }
    return switchAndRecord(run, plan, record, report, revisions, active, deadline);
}
/** The readiness gate, then the preview Services, which select the new pods only once they are ready. */
async function gateAndPreview(run, plan, deadline, report, color) {
    const { step, options } = run;
    const gated = await step.phase(`Gate: wait until ${color} is ready (timeout ${(0,kit/* formatDuration */.a3)(options.timeoutMs)})`, () => gate(step, plan, deadline));
    report.gateMs = Math.max(...gated.map((g) => g.durationMs));
    report.replicas = gated.map((g) => ({ workload: g.name, ready: g.ready, desired: g.replicas }));
    report.images = withRunningDigests(report.images, gated, color);
    if (plan.services.length > 0) {
        await applyPlanned(step, previewObjects(plan));
        step.log.info(`Preview ${plan.services.map((s) => s.preview.metadata.name).join(', ')} now select${plan.services.length === 1 ? 's' : ''} the ready pods of revision ${plan.revision}.`);
    }
}
/** Switch, keep the previous color, record success and prune; a failed switch is recorded too. */
async function switchAndRecord(run, plan, record, report, revisions, active, deadline) {
    const { step, options } = run;
    const { kube } = step;
    try {
        report.switchMs = await step.phase(`Switch live traffic to ${plan.color}`, () => switchTraffic(step, plan, liveRoute(revisions, active, options.app, options.namespace), deadline));
    }
    catch (error) {
        await recordRevision(kube, {
            ...record,
            outcome: 'failed',
            error: error.message,
            finishedAt: new Date().toISOString(),
        }).catch((recordError) => step.log.warning(`Could not record the failed revision: ${recordError.message}`));
        throw error;
    }
    report.color = plan.color;
    await keepPrevious(step, plan, active, options.previousReplicas ?? 'all');
    await recordRevision(kube, {
        ...record,
        outcome: 'succeeded',
        previousColor: active,
        switchMs: report.switchMs,
        finishedAt: new Date().toISOString(),
    });
    await pruneRevisions(kube, options.namespace, options.app, options.historyLimit ?? 10);
    report.status = record.outcome === 'preview' ? 'promoted' : 'succeeded';
    return finish(run, report);
}
/** Digests of what really runs, from the pods' imageIDs, where the manifest named a tag. */
function withRunningDigests(images, gated, color) {
    return images.map((image) => {
        if (image.digest)
            return image;
        const pods = gated.find((g) => g.name === image.workload || g.name === `${image.workload}-${color}`)?.pods ?? [];
        for (const pod of pods) {
            const status = pod.status?.containerStatuses?.find((c) => c.name === image.container);
            const digest = /(sha256:[a-f0-9]{64})$/.exec(status?.imageID ?? '')?.[1];
            if (digest && !/^0+$/.test(digest.slice(7)))
                return { ...image, digest };
        }
        return image;
    });
}
/** Before the switch nothing live changed: scale the new color to zero and record the failure. */
async function failBeforeSwitch(run, plan, record, active, error) {
    const { step } = run;
    await scaleToZero(step, plan.workloads.map((w) => w.object.metadata.name));
    await recordRevision(step.kube, {
        ...record,
        outcome: 'failed',
        error: error.message ?? String(error),
        finishedAt: new Date().toISOString(),
    }).catch((recordError) => step.log.warning(`Could not record the failed revision: ${recordError.message}`));
    const left = `Live traffic is untouched: ${active ? `the stable Services still select ${active}, and its routes and the config its pods read are as they were` : 'no stable Service was created'}. ` +
        `${plan.workloads.map((w) => w.object.metadata.name).join(', ')} ${plan.workloads.length > 1 ? 'were' : 'was'} scaled to 0; revision ${plan.revision} is recorded as failed.`;
    return withOutcome(explainKubeError(error), `The deploy of revision ${plan.revision} failed`, {
        untouched: active ? `live traffic (still ${active})` : 'nothing was live',
        hint: `${left}\nFix the cause above and deploy again (same commit re-runs are fine: a failed revision is not a no-op).`,
    });
}
async function latestPreview(run, verb) {
    const { step, options } = run;
    const revisions = await readRevisions(step.kube, options.namespace, options.app);
    const latest = revisions[0];
    if (!latest || latest.outcome !== 'preview') {
        throw new kit/* UserError */.yo(`Nothing to ${verb}: ${latest ? `the latest revision of ${options.app}, ${latest.revision}, is ${latest.outcome}` : `${options.app} has no recorded revision in ${options.namespace}`}, not waiting in preview.`, {
            hint: 'Deploy with promotion: manual first; promote and abort finish that preview. Nothing was changed.',
        });
    }
    const plan = planColor(revisionManifests(latest), {
        app: options.app,
        namespace: options.namespace,
        color: latest.color,
        revision: latest.revision,
    });
    return { record: latest, plan, revisions };
}
async function promote(run) {
    const { step, options } = run;
    const deadline = Date.now() + options.timeoutMs;
    const { record, plan, revisions } = await latestPreview(run, 'promote');
    const live = await readLiveState(step.kube, options.namespace, plan.services);
    const active = live.activeColor;
    const report = baseReport(run, plan, active ?? plan.color, active);
    const gated = await step.phase(`Gate: check that ${plan.color} is still ready`, () => gate(step, plan, deadline));
    report.replicas = gated.map((g) => ({ workload: g.name, ready: g.ready, desired: g.replicas }));
    report.gateMs = record.gateMs;
    report.images = record.images;
    const promoted = await switchAndRecord(run, plan, record, report, revisions, active, deadline);
    step.log.info(`Promoted revision ${record.revision}: ${plan.color} is live.`);
    return promoted;
}
async function abort(run) {
    const { step, options } = run;
    const { record, plan } = await latestPreview(run, 'abort');
    const live = await readLiveState(step.kube, options.namespace, plan.services);
    await scaleToZero(step, plan.workloads.map((w) => w.object.metadata.name));
    await recordRevision(step.kube, { ...record, outcome: 'aborted', finishedAt: new Date().toISOString() });
    step.log.info(`Aborted revision ${record.revision}: ${plan.color} scaled to 0; live traffic stays on ${live.activeColor ?? 'nothing'}.`);
    const report = baseReport(run, plan, live.activeColor ?? plan.color, undefined);
    report.status = 'aborted';
    report.images = record.images;
    return finish(run, report);
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./packages/bluegreen/manifests.ts




const MANIFEST_FILE = /\.(ya?ml|json)$/i;
/** The manifest files behind the `manifests` input: files as given, directories by their YAML/JSON files. */
function manifestFiles(inputs, cwd = process.cwd()) {
    const files = [];
    for (const entry of inputs) {
        const full = external_node_path_.resolve(cwd, entry);
        if (!(0,external_node_fs_.existsSync)(full)) {
            throw new kit/* UserError */.yo(`Input "manifests": ${entry} does not exist.`, {
                hint: 'Pass the manifests file of render-helm (its `manifests` output) or a folder of YAML files.',
            });
        }
        if ((0,external_node_fs_.statSync)(full).isDirectory()) {
            const inside = (0,external_node_fs_.readdirSync)(full, { recursive: true })
                .map(String)
                .filter((file) => MANIFEST_FILE.test(file))
                .sort()
                .map((file) => external_node_path_.join(full, file));
            files.push(...inside);
        }
        else {
            files.push(full);
        }
    }
    return files;
}
/**
 * Reads every object of the manifests, with the file and line it starts on. `kind: List` is unpacked and
 * empty documents are skipped; anything that is not a Kubernetes object is an error on its line.
 */
function loadManifests(inputs, cwd = process.cwd()) {
    const objects = [];
    const files = manifestFiles(inputs, cwd);
    for (const file of files) {
        const shown = external_node_path_.relative(cwd, file) || file;
        const text = (0,external_node_fs_.readFileSync)(file, 'utf8');
        const lines = new dist/* LineCounter */.HN();
        for (const document of (0,dist/* parseAllDocuments */.hR)(text, { lineCounter: lines, ...kit/* MANIFEST_YAML */.KN })) {
            const start = lines.linePos(document.contents?.range?.[0] ?? document.range[0]).line;
            if (document.errors.length > 0) {
                const first = document.errors[0];
                const where = first.linePos?.[0];
                throw new kit/* UserError */.yo(`${shown}${where ? `:${where.line}` : ''}: the YAML is malformed: ${first.message.split('\n')[0]}`, {
                    hint: 'Fix the YAML; nothing was deployed.',
                    location: { file: shown, line: where?.line ?? start, column: where?.col },
                });
            }
            const value = document.toJS();
            if (value === null || value === undefined)
                continue;
            const location = { file: shown, line: start };
            for (const object of unpack(value, location))
                objects.push({ object, source: location });
        }
    }
    if (objects.length === 0) {
        throw new kit/* UserError */.yo(files.length === 0
            ? `Input "manifests": ${inputs.join(', ') || '(empty)'} holds no YAML or JSON files.`
            : `The manifests (${files.map((f) => external_node_path_.relative(cwd, f) || f).join(', ')}) hold no Kubernetes objects.`, { hint: 'Check the render step: an empty manifest set would deploy nothing. Nothing was changed.' });
    }
    return objects;
}
function unpack(value, location) {
    const fail = (what) => {
        throw new kit/* UserError */.yo(`${location.file}:${location.line}: ${what}`, {
            hint: 'Every document must be a Kubernetes object with apiVersion, kind and metadata.name. Nothing was changed.',
            location,
        });
    };
    if (typeof value !== 'object' || Array.isArray(value) || value === null)
        fail('the document is not a mapping.');
    const object = value;
    if (typeof object.kind === 'string' && object.kind === 'List' && Array.isArray(object.items)) {
        return object.items.flatMap((item) => unpack(item, location));
    }
    if (typeof object.apiVersion !== 'string' || object.apiVersion === '')
        fail('the object has no apiVersion.');
    if (typeof object.kind !== 'string' || object.kind === '')
        fail('the object has no kind.');
    if (typeof object.metadata !== 'object' ||
        object.metadata === null ||
        typeof object.metadata.name !== 'string' ||
        object.metadata.name === '') {
        fail(`the ${object.kind} has no metadata.name${object.metadata?.generateName ? ' (generateName cannot be applied)' : ''}.`);
    }
    return [object];
}

;// CONCATENATED MODULE: ./packages/bluegreen/run-context.ts

/** The workflow run behind this deploy, from the runner's GITHUB_* variables. */
function runInfoFromEnv(env = process.env) {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    const runUrl = env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
        : undefined;
    return {
        commit: env.GITHUB_SHA,
        ref: env.GITHUB_REF,
        repository: env.GITHUB_REPOSITORY,
        runUrl,
        actor: env.GITHUB_ACTOR,
    };
}
/** Who takes the lock: the run, its attempt and job, plus a nonce so two steps of one job never share it. */
function lockHolderFromEnv(env = process.env) {
    const run = runInfoFromEnv(env);
    const nonce = (0,external_node_crypto_.randomBytes)(4).toString('hex');
    const identity = env.GITHUB_RUN_ID
        ? `${env.GITHUB_REPOSITORY ?? 'local'}/runs/${env.GITHUB_RUN_ID}/attempts/${env.GITHUB_RUN_ATTEMPT ?? '1'}/${env.GITHUB_JOB ?? 'job'}/${nonce}`
        : `local/${process.pid}/${nonce}`;
    return {
        identity,
        repository: env.GITHUB_REPOSITORY,
        runId: env.GITHUB_RUN_ID,
        runAttempt: env.GITHUB_RUN_ATTEMPT,
        runUrl: run.runUrl,
        job: env.GITHUB_JOB,
    };
}

;// CONCATENATED MODULE: ./packages/bluegreen/summary.ts

const STATUS_WORDS = {
    succeeded: 'deployed and live',
    preview: 'ready in preview, waiting for promotion',
    promoted: 'promoted and live',
    aborted: 'preview aborted',
    unchanged: 'unchanged (this revision is already live)',
    failed: 'failed',
};
/** The job summary of one run: what went where, by digest, how long each phase took, and links. */
function deploySummary(report, links = {}) {
    const images = report.images.length
        ? report.images
            .map((i) => `${i.container}: ${i.digest ? `${i.image.split('@')[0]}@${i.digest}` : `${i.image} (no digest)`}`)
            .join('\n')
        : '–';
    const facts = {
        app: report.app,
        namespace: report.namespace,
        status: STATUS_WORDS[report.status],
        color: report.previousColor && report.previousColor !== report.color
            ? `${report.color} (was ${report.previousColor})`
            : report.color,
        revision: report.revision,
        'images by digest': (0,kit/* code */.aY)(images),
        'replicas ready': report.replicas.map((r) => `${r.workload} ${r.ready}/${r.desired}`).join(', '),
        'gate time': report.gateMs === undefined ? undefined : (0,kit/* formatDuration */.a3)(report.gateMs),
        'switch time': report.switchMs === undefined ? undefined : (0,kit/* formatDuration */.a3)(report.switchMs),
        'total time': (0,kit/* formatDuration */.a3)(report.durationMs),
        'stable service': report.stableServices.join(', '),
        'preview service': report.previewServices.join(', '),
        'API requests': report.requests['*'],
    };
    if (links.environmentUrl)
        facts.environment = (0,kit/* link */.nf)(links.environmentUrl, links.environmentUrl);
    if (report.runUrl)
        facts.run = (0,kit/* link */.nf)('workflow run', report.runUrl);
    return new kit/* JobSummary */.c3().heading(`Blue/green deploy of ${report.app}`).facts(facts);
}
/** The job summary of a run that failed: what failed, why, and what serves now. */
function failureSummary(title, facts) {
    return new kit/* JobSummary */.c3().heading(title).facts({
        app: facts.app,
        namespace: facts.namespace,
        status: 'failed',
        error: facts.error.message.split('\n')[0],
        'what is live': facts.error.untouched,
        'what to do': facts.error.hint,
    });
}

;// CONCATENATED MODULE: ./packages/bluegreen/rollback-plan.ts

/** The mode follows from what the idle color holds; anything doubtful falls back to a full redeploy. */
function chooseRollbackMode(idle) {
    if (idle.length === 0 || idle.some((w) => !w.found || !w.holdsTarget))
        return 'redeploy';
    if (idle.every((w) => w.ready && w.replicas >= w.desired && w.replicas > 0))
        return 'switch';
    return 'scale-up';
}
function parseRollbackTarget(text) {
    const value = text.trim().toLowerCase();
    if (value === 'previous' || value === '')
        return 'previous';
    if (/^\d{1,9}$/.test(value) && Number(value) > 0)
        return Number(value);
    return undefined;
}
const describe = (r) => `${r.revision} (${r.outcome})`;
function listed(revisions) {
    return revisions.length ? revisions.map(describe).join(', ') : 'none';
}
/**
 * The revision serving now and the one to return to. Every refusal is a UserError raised before anything
 * is touched: nothing live, nothing to go back to, an unknown number, a revision that never served.
 */
function chooseRollbackTarget(revisions, activeColor, to, where) {
    const { app, namespace } = where;
    const noChange = 'Nothing was changed.';
    if (revisions.length === 0) {
        throw new kit/* UserError */.yo(`Nothing to roll back: ${app} has no recorded revision in namespace ${namespace}.`, {
            hint: `Check the app and namespace inputs; deploy-blue-green records every revision there. ${noChange}`,
        });
    }
    const current = revisions.find((r) => r.outcome === 'succeeded' && r.color === activeColor);
    if (!activeColor || !current) {
        throw new kit/* UserError */.yo(`Nothing to roll back: ${activeColor ? `no successful revision of ${app} is recorded for the live color ${activeColor}` : `no stable Service of ${app} selects a color in ${namespace}`}.`, { hint: `Recorded revisions: ${listed(revisions)}. Deploy the app instead. ${noChange}` });
    }
    const eligible = revisions.filter((r) => r.outcome === 'succeeded');
    if (to === 'previous') {
        const target = eligible.find((r) => r.revision < current.revision && r.manifestDigest !== current.manifestDigest);
        if (!target) {
            throw new kit/* UserError */.yo(`Nothing to roll back: revision ${current.revision} of ${app} is live and no earlier revision with other manifests succeeded.`, { hint: `Recorded revisions: ${listed(revisions)}. ${noChange}` });
        }
        return { current, target };
    }
    const target = revisions.find((r) => r.revision === to);
    if (!target) {
        throw new kit/* UserError */.yo(`Input "to" is "${to}": ${app} has no revision ${to} in namespace ${namespace} (recorded: ${listed(revisions)}).`, {
            hint: `Pick one of the recorded revisions, or "previous". The store keeps the last history-limit revisions. ${noChange}`,
        });
    }
    if (target.outcome !== 'succeeded') {
        const why = target.outcome === 'failed'
            ? `is recorded as failed${target.error ? ` (${target.error.split('\n')[0]})` : ''}`
            : `never served live traffic (it is recorded as ${target.outcome})`;
        throw new kit/* UserError */.yo(`Input "to" is "${to}": revision ${to} of ${app} ${why}.`, {
            hint: `Roll back to a revision that succeeded: ${eligible.map((r) => r.revision).join(', ') || 'none'}. ${noChange}`,
        });
    }
    if (target.manifestDigest === current.manifestDigest) {
        throw new kit/* UserError */.yo(`Nothing to roll back: revision ${to} of ${app} has the same manifests as the live revision ${current.revision}.`, { hint: `Pick another revision (recorded: ${listed(revisions)}). ${noChange}` });
    }
    return { current, target };
}
/** The writes a rollback will make, in order, in words precise enough to check against the cluster. */
function rollbackSteps(mode, plan, idle, facts) {
    const ns = plan.namespace;
    const steps = [`take the lock ${ns}/${facts.lock}`];
    const others = plan.others.map((o) => `${o.object.kind}/${o.object.metadata.name}`);
    const applyOthers = others.length ? [`apply ${others.join(', ')} as in revision ${facts.target}`] : [];
    const switchSteps = [
        ...plan.services.map((s) => `patch Service ${ns}/${s.name} (server-side apply): selector swiss-deploy/color ${facts.active} → ${plan.color}`),
        ...plan.services.map((s) => `wait until the EndpointSlices of ${s.name} hold only ready ${plan.color} pods`),
    ];
    const gate = `gate: wait until ${plan.workloads.map((w) => w.object.metadata.name).join(', ')} ${plan.workloads.length > 1 ? 'are' : 'is'} fully ready`;
    const record = `record revision ${facts.revision}: rollback to revision ${facts.target}, ${plan.color} live, ${facts.active} kept running`;
    if (mode === 'switch')
        return [...steps, ...switchSteps, ...applyOthers, record];
    if (mode === 'scale-up') {
        return [
            ...steps,
            ...applyOthers,
            ...idle.map((w) => `scale Deployment ${ns}/${w.name} from ${w.replicas} to ${w.desired} replicas`),
            gate,
            ...switchSteps,
            record,
        ];
    }
    return [
        ...steps,
        `server-side dry run of the ${plan.others.length + plan.workloads.length + plan.attached.length + plan.services.length * 2} objects of revision ${facts.target}`,
        ...applyOthers,
        ...plan.workloads.map((w) => `apply Deployment ${ns}/${w.object.metadata.name} (revision ${facts.target}'s manifests, ${w.object.spec?.replicas ?? 1} replicas)`),
        ...plan.attached.map((a) => `apply ${a.object.kind} ${ns}/${a.object.metadata.name}`),
        ...plan.services.map((s) => `apply Service ${ns}/${s.preview.metadata.name} selecting ${plan.color}`),
        gate,
        ...switchSteps,
        record,
    ];
}

;// CONCATENATED MODULE: ./packages/bluegreen/rollback.ts










/**
 * Decides the rollback from the revision store and the cluster, with read requests only: which revision
 * is live, which one to return to, and whether the idle color can serve it at once (switch), after a
 * scale-up, or only after a redeploy.
 */
async function planRollback(kube, options) {
    const { app, namespace } = options;
    const revisions = await readRevisions(kube, namespace, app);
    const newest = revisions.find((r) => r.outcome === 'succeeded') ?? revisions[0];
    const services = newest
        ? planColor(revisionManifests(newest), { app, namespace, color: 'blue', revision: 0 }).services
        : [];
    const live = await readLiveState(kube, namespace, services);
    const { current, target } = chooseRollbackTarget(revisions, live.activeColor, options.to, options);
    const active = live.activeColor;
    const color = otherColor(active);
    const revision = Math.max(0, ...revisions.map((r) => r.revision)) + 1;
    const byNumber = new Map(revisions.map((r) => [r.revision, r]));
    // What the idle color holds decides the mode; a Deployment holds the target when the revision it was
    // applied for has the target's manifests (a rollback record carries the manifests it returned to).
    const probe = planColor(revisionManifests(target), { app, namespace, color, revision });
    const idle = [];
    for (const workload of probe.workloads) {
        const name = workload.object.metadata.name;
        const desired = workload.object.spec?.replicas ?? 1;
        let deployment;
        try {
            deployment = await kube.request('GET', `${packages_kube/* KNOWN */.cR.deployments(namespace)}/${name}`, {
                purpose: 'read',
            });
        }
        catch (error) {
            if (!(0,packages_kube/* isNotFound */.c4)(error))
                throw explainKubeError(error);
        }
        if (!deployment) {
            idle.push({ name, desired, found: false, holdsTarget: false, replicas: 0, ready: false });
            continue;
        }
        const applied = Number(deployment.metadata.annotations?.[LABELS.revision]);
        const appliedRecord = Number.isInteger(applied) ? byNumber.get(applied) : undefined;
        const progress = (0,packages_kube/* rolloutProgress */.XP)(deployment);
        idle.push({
            name,
            desired,
            found: true,
            holdsTarget: appliedRecord?.manifestDigest === target.manifestDigest,
            appliedRevision: Number.isInteger(applied) ? applied : undefined,
            replicas: deployment.spec?.replicas ?? 1,
            ready: progress.complete,
        });
    }
    const mode = chooseRollbackMode(idle);
    // Switch and scale-up judge the pods the idle color already runs, labelled with the revision they were
    // applied for; a redeploy labels new pods with the rollback's own number.
    const colorPlan = mode === 'redeploy'
        ? probe
        : planColor(revisionManifests(target), { app, namespace, color, revision: idle[0].appliedRevision });
    return {
        app,
        namespace,
        mode,
        from: { revision: current.revision, color: active },
        revisions,
        target,
        color,
        revision,
        colorPlan,
        idle,
        steps: rollbackSteps(mode, colorPlan, idle, {
            lock: lockName(app),
            revision,
            target: target.revision,
            active,
        }),
    };
}
/**
 * Rolls an app back to a recorded revision (DESIGN.md §1, §4): plans with reads only, takes the deploy
 * lock, re-plans under it, then switches, scales up or redeploys the idle color, and records the rollback
 * as a new revision with who, why, from and to. A failure before the switch leaves live traffic as it was.
 */
async function runRollback(kube, options) {
    const started = Date.now();
    const log = options.log ?? silentLogger;
    const phase = options.phase ?? directPhase;
    const name = lockName(options.app);
    const first = await phase('Plan the rollback', async () => {
        try {
            return await planRollback(kube, options);
        }
        catch (error) {
            throw explainPlanError(error, options.namespace);
        }
    });
    logPlan(first, log, options.dryRun === true);
    if (options.dryRun) {
        const report = rollback_baseReport(first, options, started);
        const held = await packages_kube/* LeaseLock */.ip.inspect(kube, options.namespace, name).catch(() => undefined);
        if (held && !held.expired) {
            report.lockHeldBy = (0,packages_kube/* describeHolder */.sG)(held);
            log.warning(`The deploy lock ${options.namespace}/${name} is held by ${report.lockHeldBy}: a real rollback would wait for it or fail.`);
        }
        log.info('Dry run: nothing was changed.');
        return rollback_finish(kube, report, started);
    }
    // A chain holds its lease already; otherwise the rollback takes its own for its whole life.
    const lock = options.lock ?? (await acquireDeployLock(kube, { ...options, log, phase }));
    try {
        // A deploy may have finished while this run waited for the lock: decide again on what is now true.
        const plan = await planRollback(kube, options).catch((error) => {
            throw explainPlanError(error, options.namespace);
        });
        if (plan.mode !== first.mode || plan.target.revision !== first.target.revision)
            logPlan(plan, log, false);
        return await execute(kube, plan, options, lock, started);
    }
    catch (error) {
        throw explainKubeError(error);
    }
    finally {
        if (!options.lock)
            await lock
                .release()
                .catch((error) => log.warning(`Could not release the deploy lock: ${(0,kit/* errorMessage */.gJ)(error)}`));
    }
}
function explainPlanError(error, namespace) {
    if (error instanceof kit/* UserError */.yo || error instanceof kit/* WorldError */.nM)
        return error;
    return explainLockError(error, namespace);
}
function logPlan(plan, log, dryRun) {
    log.info(`${dryRun ? 'Dry run: would roll' : 'Rolling'} ${plan.app} back from revision ${plan.from.revision} (${plan.from.color}) to revision ${plan.target.revision} in ${plan.color}, mode ${plan.mode}: ${modeWhy(plan)}.`);
    plan.steps.forEach((step, index) => log.info(`  ${index + 1}. ${step}`));
}
function modeWhy(plan) {
    if (plan.mode === 'switch')
        return `${plan.color} still runs revision ${plan.target.revision}, ready`;
    if (plan.mode === 'scale-up')
        return `${plan.color} holds revision ${plan.target.revision} but is scaled down (${plan.idle.map((w) => `${w.name} ${w.replicas}/${w.desired}`).join(', ')})`;
    const held = plan.idle.find((w) => !w.holdsTarget);
    return held?.found
        ? `${plan.color} holds revision ${held.appliedRevision ?? '?'}, not ${plan.target.revision}; it comes back from the revision store`
        : `${plan.color} has no Deployment of revision ${plan.target.revision}; it comes back from the revision store`;
}
function rollback_baseReport(plan, options, started) {
    return {
        app: plan.app,
        namespace: plan.namespace,
        mode: plan.mode,
        dryRun: options.dryRun === true,
        color: plan.color,
        previousColor: plan.from.color,
        revision: plan.revision,
        from: plan.from,
        to: { revision: plan.target.revision, color: plan.color },
        reason: options.reason,
        actor: options.run?.actor,
        steps: plan.steps,
        durationMs: Date.now() - started,
        requests: {},
        runUrl: options.run?.runUrl,
    };
}
function rollback_finish(kube, report, started) {
    report.durationMs = Date.now() - started;
    report.requests = kube.requestCounts();
    return report;
}
async function execute(kube, plan, options, lock, started) {
    const log = options.log ?? silentLogger;
    const phase = options.phase ?? directPhase;
    const step = {
        kube,
        discovery: new packages_kube/* Discovery */.TB(kube),
        lock,
        unschedulableGraceMs: options.unschedulableGraceMs,
        log,
        phase,
        namespace: options.namespace,
    };
    const report = rollback_baseReport(plan, options, started);
    const { colorPlan } = plan;
    const deadline = Date.now() + options.timeoutMs;
    const record = rollbackRecord(plan, options, started);
    try {
        if (plan.mode === 'redeploy') {
            await phase(`Check revision ${plan.target.revision}'s objects with a server-side dry run`, () => applyPlanned(step, allObjects(colorPlan), { dryRun: true }));
        }
        if (plan.mode !== 'switch') {
            await recordRevision(kube, record);
            await phase(plan.mode === 'redeploy'
                ? `Redeploy revision ${plan.target.revision} into ${plan.color}`
                : `Scale ${plan.color} back up`, async () => {
                if (plan.mode === 'redeploy') {
                    await applyPlanned(step, colorObjects(colorPlan));
                    log.info(`Applied ${colorPlan.workloads.map((w) => w.object.metadata.name).join(', ')} with revision ${plan.target.revision}'s manifests.`);
                }
                else {
                    // The idle Deployments still point at the target's config copies; make sure they exist.
                    await applyPlanned(step, colorPlan.configs.map((c) => ({ object: c.object, source: c.source })));
                    for (const workload of plan.idle) {
                        lock.assertHeld();
                        await (0,packages_kube/* scaleDeployment */.eV)(kube, plan.namespace, workload.name, workload.desired);
                        log.info(`Scaled ${workload.name} from ${workload.replicas} to ${workload.desired} replicas.`);
                    }
                }
            });
            const gated = await phase(`Gate: wait until ${plan.color} is ready (timeout ${(0,kit/* formatDuration */.a3)(options.timeoutMs)})`, () => gate(step, colorPlan, deadline));
            report.gateMs = Math.max(...gated.map((g) => g.durationMs));
            record.gateMs = report.gateMs;
            if (plan.mode === 'redeploy')
                await applyPlanned(step, previewObjects(colorPlan));
        }
    }
    catch (error) {
        throw await rollback_failBeforeSwitch(kube, plan, record, error, log);
    }
    try {
        // The target's routes and policies go back in the same step as the selectors.
        report.switchMs = await phase(`Switch live traffic back to ${plan.color}`, () => switchTraffic(step, colorPlan, liveRoute(plan.revisions, plan.from.color, plan.app, plan.namespace), deadline));
    }
    catch (error) {
        await recordFailure(kube, record, error, log);
        throw error;
    }
    record.switchMs = report.switchMs;
    if (colorPlan.others.length > 0) {
        // Off the critical path: config no pod template names, so later readers find the target's version.
        await phase(`Restore revision ${plan.target.revision}'s other objects`, () => applyPlanned(step, colorPlan.others));
    }
    record.outcome = 'succeeded';
    record.finishedAt = new Date().toISOString();
    await recordRevision(kube, record);
    await pruneRevisions(kube, options.namespace, options.app, options.historyLimit ?? 10);
    log.info(`Rolled back: revision ${plan.target.revision} serves from ${plan.color} (recorded as revision ${plan.revision}); ${plan.from.color} keeps running revision ${plan.from.revision}.`);
    return rollback_finish(kube, report, started);
}
function rollbackRecord(plan, options, started) {
    const { target } = plan;
    return {
        app: plan.app,
        namespace: plan.namespace,
        revision: plan.revision,
        color: plan.color,
        previousColor: plan.from.color,
        outcome: 'deploying',
        manifestDigest: target.manifestDigest,
        manifests: target.manifests,
        images: target.images,
        // What runs is the target's code; who did it and from which run is this rollback's.
        commit: target.commit,
        ref: target.ref,
        repository: target.repository ?? options.run?.repository,
        runUrl: options.run?.runUrl,
        actor: options.run?.actor,
        startedAt: new Date(started).toISOString(),
        rollback: {
            reason: options.reason,
            mode: plan.mode,
            actor: options.run?.actor,
            runUrl: options.run?.runUrl,
            from: plan.from,
            to: { revision: target.revision, color: plan.color },
            at: new Date(started).toISOString(),
        },
    };
}
async function recordFailure(kube, record, error, log) {
    await recordRevision(kube, {
        ...record,
        outcome: 'failed',
        error: (0,kit/* errorMessage */.gJ)(error),
        finishedAt: new Date().toISOString(),
    }).catch((recordError) => log.warning(`Could not record the failed rollback: ${(0,kit/* errorMessage */.gJ)(recordError)}`));
}
/** A rollback that fails before its switch: the idle color goes back to where it was, live is untouched. */
async function rollback_failBeforeSwitch(kube, plan, record, error, log) {
    if (plan.mode !== 'switch') {
        for (const workload of plan.idle) {
            const back = plan.mode === 'scale-up' ? workload.replicas : 0;
            await (0,packages_kube/* scaleDeployment */.eV)(kube, plan.namespace, workload.name, back).catch((scaleError) => {
                if (!(0,packages_kube/* isNotFound */.c4)(scaleError))
                    log.warning(`Could not scale ${workload.name} to ${back}: ${(0,kit/* errorMessage */.gJ)(scaleError)}`);
            });
        }
    }
    await recordFailure(kube, record, error, log);
    const left = `Live traffic is untouched: the stable Services still select ${plan.from.color} (revision ${plan.from.revision}); the rollback is recorded as failed revision ${plan.revision}.`;
    return withOutcome(explainKubeError(error), `The rollback to revision ${plan.target.revision} failed`, {
        untouched: `live traffic (still ${plan.from.color})`,
        hint: `${left}\nFix the cause above, or roll back to another revision.`,
    });
}

;// CONCATENATED MODULE: ./packages/bluegreen/rollback-summary.ts

const MODE_WORDS = {
    switch: 'switch: the stable Service selector flipped to the color still running it',
    'scale-up': 'scale-up: the color holding it was scaled back up, gated, then switched',
    redeploy: 'redeploy: deployed again from the revision store, gated, then switched',
};
/** The job summary of one rollback: from where to where, how, why, by whom and how long it took. */
function rollbackSummary(report) {
    const facts = {
        app: report.app,
        namespace: report.namespace,
        result: report.dryRun ? 'dry run: nothing was changed' : 'rolled back',
        mode: MODE_WORDS[report.mode],
        from: `revision ${report.from.revision} (${report.from.color})`,
        to: `revision ${report.to.revision} (${report.to.color})`,
        'recorded as': report.dryRun ? `revision ${report.revision} (if run)` : `revision ${report.revision}`,
        reason: report.reason,
        by: report.actor,
        'gate time': report.gateMs === undefined ? undefined : (0,kit/* formatDuration */.a3)(report.gateMs),
        'switch time': report.switchMs === undefined ? undefined : (0,kit/* formatDuration */.a3)(report.switchMs),
        'total time': (0,kit/* formatDuration */.a3)(report.durationMs),
        'API requests': report.requests['*'],
    };
    if (report.lockHeldBy)
        facts['lock held by'] = report.lockHeldBy;
    if (report.runUrl)
        facts.run = (0,kit/* link */.nf)('workflow run', report.runUrl);
    return new kit/* JobSummary */.c3()
        .heading(`${report.dryRun ? 'Rollback plan' : 'Rollback'} of ${report.app}`)
        .facts(facts)
        .details(report.dryRun ? 'Steps it would take' : 'Steps taken', report.steps.map((step, index) => `${index + 1}. ${step}`).join('\n'));
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
;// CONCATENATED MODULE: ./packages/bluegreen/lock-session.ts






const saved = new kit/* SavedState */.pA('deploy-lock');
/**
 * The part of a deploy, rollback or deploy chain that must survive a cancelled job. Main opens a session
 * (the kubeconfig input goes to a 0600 file under RUNNER_TEMP), tells it when the lock is held, and
 * finishes it however main ends: every deploy and rollback call releases its own lease, also when it
 * throws. Only when the process is killed before `finish` does the post step find the lock unreleased,
 * and then it still has the kubeconfig file to release it with.
 */
class LockSession {
    state;
    constructor(state) {
        this.state = state;
        saved.save(state);
    }
    static open(kubeconfig, context) {
        let kubeconfigFile;
        if (kubeconfig) {
            kubeconfigFile = external_node_path_.join(process.env.RUNNER_TEMP || external_node_os_.tmpdir(), `swiss-deploy-kubeconfig-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`);
            (0,external_node_fs_.writeFileSync)(kubeconfigFile, kubeconfig, { mode: 0o600 });
        }
        return new LockSession({ kubeconfigFile, context });
    }
    get kubeconfigFile() {
        return this.state.kubeconfigFile;
    }
    /** Pass as `onLocked` to runBlueGreen / runRollback. */
    onLocked = (lock) => {
        this.state = { ...this.state, ...lock };
        saved.save(this.state);
    };
    /** Main ended (either way): nothing is left for the post step; the kubeconfig file goes. */
    finish() {
        this.state = { ...this.state, released: true };
        saved.save(this.state);
        if (this.state.kubeconfigFile)
            (0,external_node_fs_.rmSync)(this.state.kubeconfigFile, { force: true });
    }
    /** The post step: releases the lock an interrupted main still held, if it is still ours. */
    static async releaseAfterInterruption(what, log) {
        const state = saved.load();
        try {
            if (!state?.identity || !state.namespace || !state.name || state.released) {
                log('No deploy lock to release.');
                return;
            }
            const kube = await packages_kube.Kube.connect({ kubeconfigFile: state.kubeconfigFile, context: state.context });
            const released = await packages_kube/* LeaseLock */.ip.releaseIfHeld(kube, state.namespace, state.name, state.identity);
            log(released
                ? `Released the deploy lock ${state.namespace}/${state.name} that the interrupted ${what} still held.`
                : `The deploy lock ${state.namespace}/${state.name} is no longer ours; left as it is.`);
        }
        finally {
            if (state?.kubeconfigFile)
                (0,external_node_fs_.rmSync)(state.kubeconfigFile, { force: true });
        }
    }
}

;// CONCATENATED MODULE: ./packages/bluegreen/chain.ts





/** The live check failed after the switch and traffic went back: the step fails, with what happened. */
class RolledBackError extends kit/* WorldError */.nM {
    steps;
    constructor(message, steps, options) {
        super(message, options);
        this.steps = steps;
        this.name = 'RolledBackError';
    }
}
/**
 * The chain of swiss/deploy@v1 under ONE lease, from the first apply to the last step (DESIGN.md §4.1):
 * deploy the idle color as a preview, check it, promote it, check the live route, and switch straight back
 * if that fails. No other deploy of the app can slip in between, so the pods the preview check judged are
 * the pods that go live. Live traffic only ever moves to a color that passed its gate and its preview check.
 */
async function runDeployChain(kube, options) {
    const log = options.log ?? silentLogger;
    const phase = options.phase ?? directPhase;
    const lock = options.lock ?? (await acquireDeployLock(kube, { ...options, log, phase }));
    const held = { ...options, log, phase, lock };
    try {
        const preview = await runBlueGreen(kube, { ...held, promotion: 'manual' });
        if (preview.status === 'unchanged') {
            log.info(`Revision ${preview.revision} is already live on ${preview.color}; nothing to deploy.`);
            return { deploy: preview };
        }
        const previewReport = await checkPreview(kube, held, preview);
        const promoted = await runBlueGreen(kube, { ...held, action: 'promote' });
        promoted.gateMs ??= preview.gateMs;
        const stableService = promoted.stableServices[0];
        if (!stableService)
            return { deploy: promoted, preview: previewReport };
        let liveReport;
        let liveFailure;
        try {
            liveReport = await options.check.run('live', stableService);
            if (options.check.passed(liveReport))
                return { deploy: promoted, preview: previewReport, live: liveReport };
            liveFailure = options.check.describe(liveReport);
        }
        catch (error) {
            // A live check that cannot even run is no proof the new color works: treat it as failed.
            liveFailure = `the live smoke test could not run: ${(0,kit/* errorMessage */.gJ)(error)}`;
        }
        return await chain_switchBack(kube, held, promoted, previewReport, liveReport, liveFailure);
    }
    finally {
        if (!options.lock)
            await lock
                .release()
                .catch((error) => log.warning(`Could not release the deploy lock: ${(0,kit/* errorMessage */.gJ)(error)}`));
    }
}
/** Checks the preview; anything but a pass aborts it, and live traffic never moved. */
async function checkPreview(kube, held, preview) {
    const service = preview.previewServices[0];
    if (!service) {
        held.log.warning('The manifests have no Service to smoke-test; promoting on the readiness gate alone.');
        return undefined;
    }
    let report;
    try {
        report = await held.check.run('preview', service);
    }
    catch (error) {
        // The check could not run at all: the preview is not proven, so it never goes live.
        await runBlueGreen(kube, { ...held, action: 'abort' });
        throw error;
    }
    if (!held.check.passed(report)) {
        await runBlueGreen(kube, { ...held, action: 'abort' });
        throw new kit/* UserError */.yo(`The preview of revision ${preview.revision} failed its smoke test: ${held.check.describe(report)}.`, {
            hint: `Live traffic never moved: it still goes to ${preview.color}. Fix the app and deploy again.`,
        });
    }
    return report;
}
/** The live check failed: back to the previous color in one step, still under the chain's lease. */
async function chain_switchBack(kube, held, promoted, preview, live, liveFailure) {
    if (!promoted.previousColor) {
        throw new kit/* WorldError */.nM(`Revision ${promoted.revision} failed its live smoke test after the switch: ${liveFailure}.`, {
            untouched: `this was the app's first deploy, so there is no previous color to switch back to: ${promoted.color} stays live`,
            hint: 'Fix the app and deploy again, or scale it down by hand if it must not serve.',
        });
    }
    let rollback;
    try {
        rollback = await held.phase('Roll back: the live smoke test failed', () => runRollback(kube, {
            ...held,
            to: 'previous',
            reason: `automatic: live smoke test of revision ${promoted.revision} failed (${liveFailure})`,
        }));
    }
    catch (error) {
        throw new kit/* WorldError */.nM(`Revision ${promoted.revision} failed its live smoke test (${liveFailure}), and switching back failed too: ${(0,kit/* errorMessage */.gJ)(error)}`, {
            cause: error,
            untouched: error.untouched ??
                `nothing more was changed; check which color the stable Service ${promoted.stableServices[0]} selects`,
            hint: 'Run the rollback workflow (to: previous) once the cause is fixed.',
        });
    }
    throw new RolledBackError(`Revision ${promoted.revision} failed its live smoke test after the switch: ${liveFailure}.`, { deploy: promoted, preview, live, rollback }, {
        untouched: `traffic was switched back to ${rollback.color} (revision ${rollback.to.revision}), recorded as revision ${rollback.revision}`,
        hint: 'Compare the preview and live checks: the live route saw something the preview did not.',
    });
}

;// CONCATENATED MODULE: ./packages/bluegreen/index.ts
// The blue/green strategy: plan a color, deploy it, gate it, switch to it, record it. The package's only door.

















/***/ })

};
