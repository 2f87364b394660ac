import { UserError } from '@swiss-deploy/kit';
import type { Deployment, KubeObject, Service } from '@swiss-deploy/kube';
import { configKey, planConfigCopies, type ConfigCopy } from './config';
import { LABELS, type Color, type ManifestObject, type RevisionImage } from './types';

/** Kinds the blue/green model cannot run twice side by side, and what to do instead. */
const REFUSED: Record<string, string> = {
  StatefulSet:
    'a StatefulSet keeps stable identities and volumes that two colors cannot share; deploy it with a rolling update outside blue/green',
  DaemonSet:
    'a DaemonSet runs one pod per node, so two colors would double every node; deploy it with a rolling update outside blue/green',
  Pod: 'a bare Pod has no controller to scale or gate; wrap it in a Deployment',
  ReplicaSet: 'a bare ReplicaSet has no rollout status to gate on; use a Deployment',
  ReplicationController: 'a ReplicationController has no rollout status to gate on; use a Deployment',
};

export interface PlannedWorkload {
  /** The name in the manifests; the colored object is `<name>-<color>`. */
  baseName: string;
  object: Deployment;
  /** Selects exactly the pods of this revision of this color (the gate judges only these). */
  podSelector: Record<string, string>;
  source: ManifestObject['source'];
}

export interface PlannedObject {
  object: KubeObject;
  source: ManifestObject['source'];
}

export interface PlannedService {
  name: string;
  /** The stable Service as it will be after the switch: the manifest's, selecting the new color. */
  stable: Service;
  /** `<name>-preview`, a ClusterIP Service on the same ports selecting this revision's pods of the color. */
  preview: Service;
  /** The manifest's own selector, without color. */
  baseSelector: Record<string, string>;
  source: ManifestObject['source'];
}

/** The idle color's objects, ready to apply, and the Services to switch. */
export interface ColorPlan {
  app: string;
  namespace: string;
  color: Color;
  revision: number;
  workloads: PlannedWorkload[];
  /** HPAs and PDBs renamed and re-pointed to follow their colored workload. */
  attached: PlannedObject[];
  services: PlannedService[];
  /** Content-named copies of the ConfigMaps and Secrets the workloads read; the workloads point at them. */
  configs: ConfigCopy[];
  /** Objects that shape live traffic (Ingress, routes, NetworkPolicy): applied at the switch, never before. */
  traffic: PlannedObject[];
  /** Everything else, applied as it is (config no workload reads, ServiceAccounts, Roles, …). */
  others: PlannedObject[];
}

export interface PlanOptions {
  app: string;
  namespace: string;
  color: Color;
  revision: number;
}

const clone = <T>(value: T): T => structuredClone(value);

function refuse(message: string, source: ManifestObject['source'], hint: string): never {
  throw new UserError(`${source.file}:${source.line}: ${message}`, {
    hint: `${hint} Nothing was changed.`,
    location: source,
  });
}

function podLabels(deployment: Deployment): Record<string, string> {
  return deployment.spec?.template?.metadata?.labels ?? {};
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** The app a workload belongs to by the usual labels, to catch two apps in one manifest set. */
function appIdentity(deployment: Deployment): string | undefined {
  const labels = { ...deployment.metadata.labels, ...podLabels(deployment) };
  return labels['app.kubernetes.io/instance'] ?? labels['app.kubernetes.io/name'] ?? labels.app;
}

/**
 * Checks that the manifests fit the blue/green model before anything touches the cluster, refusing with
 * the reason and the way out: kinds that cannot run in two colors, Services that select nothing, objects
 * for another namespace, two apps in one set.
 */
export function validateManifests(
  objects: readonly ManifestObject[],
  options: { app: string; namespace: string },
): void {
  const deployments = objects.filter(
    (m) => m.object.kind === 'Deployment' && m.object.apiVersion === 'apps/v1',
  );
  for (const { object, source } of objects) {
    const why = REFUSED[object.kind];
    if (why && (object.apiVersion === 'v1' || object.apiVersion === 'apps/v1')) {
      refuse(
        `${object.kind}/${object.metadata.name} cannot be deployed blue/green: ${why}.`,
        source,
        'Remove it from the manifests given to deploy-blue-green.',
      );
    }
    const namespace = object.metadata.namespace;
    if (namespace !== undefined && namespace !== options.namespace) {
      refuse(
        `${object.kind}/${object.metadata.name} is for namespace "${namespace}", but this deploy targets "${options.namespace}".`,
        source,
        'Render the manifests for the target namespace (or drop metadata.namespace), or set the namespace input.',
      );
    }
    const labelledApp = object.metadata.labels?.[LABELS.app];
    if (labelledApp !== undefined && labelledApp !== options.app) {
      refuse(
        `${object.kind}/${object.metadata.name} is labelled ${LABELS.app}=${labelledApp}, but this deploy is for app "${options.app}".`,
        source,
        'Deploy each app in its own step with its own manifests.',
      );
    }
  }
  if (deployments.length === 0) {
    const first = objects[0]!;
    refuse(
      `the manifests hold no apps/v1 Deployment, so there is nothing to deploy blue/green (found: ${[...new Set(objects.map((m) => m.object.kind))].join(', ')}).`,
      first.source,
      'Pass the manifests of an app with a Deployment (e.g. the output of render-helm).',
    );
  }
  const identities = new Map<string, ManifestObject>();
  for (const manifest of deployments) {
    const identity = appIdentity(manifest.object as Deployment);
    if (identity !== undefined) identities.set(identity, identities.get(identity) ?? manifest);
  }
  if (identities.size > 1) {
    const [first, second] = [...identities.entries()];
    refuse(
      `the manifests hold two apps: Deployment/${first![1].object.metadata.name} is "${first![0]}" and Deployment/${second![1].object.metadata.name} is "${second![0]}".`,
      second![1].source,
      'Deploy each app in its own deploy-blue-green step (each with its own app input and lock).',
    );
  }
  for (const manifest of deployments) {
    const deployment = manifest.object as Deployment;
    if (deployment.spec?.replicas === 0) {
      refuse(
        `Deployment/${deployment.metadata.name} has replicas: 0; switching traffic to it would serve nothing.`,
        manifest.source,
        'Give it at least one replica (or leave replicas out and let the HPA decide).',
      );
    }
    const matchLabels = deployment.spec?.selector?.matchLabels;
    if (
      !matchLabels ||
      Object.keys(matchLabels).length === 0 ||
      deployment.spec?.selector?.matchExpressions?.length
    ) {
      refuse(
        `Deployment/${deployment.metadata.name} needs a selector of matchLabels only (the color label is added to it).`,
        manifest.source,
        'Give the Deployment spec.selector.matchLabels and no matchExpressions.',
      );
    }
  }
  for (const manifest of objects) {
    if (manifest.object.kind !== 'Service' || manifest.object.apiVersion !== 'v1') continue;
    const service = manifest.object as Service;
    const selector = service.spec?.selector;
    if (service.spec?.type === 'ExternalName' || !selector || Object.keys(selector).length === 0) continue;
    if (!deployments.some((d) => selects(selector, podLabels(d.object as Deployment)))) {
      refuse(
        `Service/${service.metadata.name} selects ${Object.entries(selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}, which matches the pods of no Deployment in the manifests.`,
        manifest.source,
        "Make the Service's selector match the pod template labels of the app's Deployment, or deploy that Service separately.",
      );
    }
    if (`${service.metadata.name}-preview`.length > 63) {
      refuse(
        `Service/${service.metadata.name} is too long a name for its preview Service (${service.metadata.name}-preview must be at most 63 characters).`,
        manifest.source,
        'Shorten the Service name.',
      );
    }
  }
}

/** Turns the manifests into the objects of one color, as docs/architecture.md §4.2 describes. */
export function planColor(objects: readonly ManifestObject[], options: PlanOptions): ColorPlan {
  const { app, namespace, color, revision } = options;
  const common = { [LABELS.app]: app, [LABELS.managedBy]: 'swiss-deploy' };
  const plan: ColorPlan = {
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
  const deploymentNames = new Set(
    objects
      .filter((m) => m.object.kind === 'Deployment' && m.object.apiVersion === 'apps/v1')
      .map((m) => m.object.metadata.name),
  );
  const minReplicas = new Map<string, number>();
  for (const { object } of objects) {
    const spec = object.spec as
      { scaleTargetRef?: { kind?: string; name?: string }; minReplicas?: number } | undefined;
    if (
      object.kind === 'HorizontalPodAutoscaler' &&
      spec?.scaleTargetRef?.kind === 'Deployment' &&
      spec.scaleTargetRef.name
    )
      minReplicas.set(spec.scaleTargetRef.name, spec.minReplicas ?? 1);
  }
  const withNamespace = (object: KubeObject): KubeObject => {
    const copy = clone(object);
    copy.metadata.namespace = namespace;
    return copy;
  };

  for (const manifest of objects) {
    const { object, source } = manifest;
    if (object.kind === 'Deployment' && object.apiVersion === 'apps/v1') {
      const deployment = withNamespace(object) as Deployment;
      const baseName = object.metadata.name as string;
      deployment.metadata.name = `${baseName}-${color}`;
      deployment.metadata.labels = { ...deployment.metadata.labels, ...common, [LABELS.color]: color };
      deployment.metadata.annotations = {
        ...deployment.metadata.annotations,
        [LABELS.revision]: String(revision),
      };
      const spec = deployment.spec ?? (deployment.spec = {});
      // Without replicas in the manifest, apply would keep what the idle Deployment has, perhaps 0 from a
      // failed or scaled-down deploy; start the new color at the HPA's minimum instead.
      if (spec.replicas === undefined) spec.replicas = minReplicas.get(baseName) ?? 1;
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
      const target = (object.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)
        ?.scaleTargetRef;
      if (target?.kind === 'Deployment' && deploymentNames.has(target.name)) {
        const hpa = withNamespace(object);
        hpa.metadata.name = `${object.metadata.name}-${color}`;
        hpa.metadata.labels = { ...hpa.metadata.labels, ...common, [LABELS.color]: color };
        (hpa.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name = `${target.name}-${color}`;
        plan.attached.push({ object: hpa, source });
        continue;
      }
    }
    if (object.kind === 'PodDisruptionBudget' && object.apiVersion === 'policy/v1') {
      const selector = (object.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)
        ?.selector;
      const matchLabels = selector?.matchLabels;
      const followed = objects.some(
        (m) =>
          m.object.kind === 'Deployment' &&
          matchLabels &&
          selects(matchLabels, podLabels(m.object as Deployment)),
      );
      if (followed && matchLabels) {
        const pdb = withNamespace(object);
        pdb.metadata.name = `${object.metadata.name}-${color}`;
        pdb.metadata.labels = { ...pdb.metadata.labels, ...common, [LABELS.color]: color };
        (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels = {
          ...matchLabels,
          [LABELS.color]: color,
        };
        plan.attached.push({ object: pdb, source });
        continue;
      }
    }
    if (object.kind === 'Service' && object.apiVersion === 'v1') {
      const service = object as Service;
      const selector = service.spec?.selector;
      if (service.spec?.type !== 'ExternalName' && selector && Object.keys(selector).length > 0) {
        const name = service.metadata.name as string;
        const stable = withNamespace(service) as Service;
        stable.metadata.labels = { ...stable.metadata.labels, ...common, [LABELS.role]: 'stable' };
        stable.spec = { ...stable.spec, selector: { ...selector, [LABELS.color]: color } };
        const preview: Service = {
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
      object:
        object.metadata.namespace === undefined && isClusterScoped(object)
          ? clone(object)
          : withNamespace(object),
      source,
    });
  }
  const { copies, copied } = planConfigCopies(
    objects,
    plan.workloads.map((w) => w.object),
    app,
    namespace,
  );
  const copiedKeys = new Set([...copied].map((m) => configKey(m.object.kind, m.object.metadata.name!)));
  plan.configs = copies;
  plan.others = plan.others.filter(
    (o) =>
      !(o.object.apiVersion === 'v1' && copiedKeys.has(configKey(o.object.kind, o.object.metadata.name!))),
  );
  return plan;
}

/** Routing and policy kinds: what live clients go through, changed only when traffic moves. */
const TRAFFIC_KINDS: Record<string, readonly string[]> = {
  'networking.k8s.io': ['Ingress', 'NetworkPolicy'],
  'gateway.networking.k8s.io': ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'],
  'networking.istio.io': ['VirtualService', 'DestinationRule'],
  'traefik.io': ['IngressRoute', 'Middleware'],
};

export function shapesTraffic(object: KubeObject): boolean {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '';
  return TRAFFIC_KINDS[group]?.includes(object.kind) ?? false;
}

/** Kinds that live outside namespaces; they keep no metadata.namespace. */
function isClusterScoped(object: KubeObject): boolean {
  return /^(Namespace|ClusterRole|ClusterRoleBinding|CustomResourceDefinition|PriorityClass|StorageClass|PersistentVolume|IngressClass|ValidatingWebhookConfiguration|MutatingWebhookConfiguration)$/.test(
    object.kind,
  );
}

/** Every container image of the workloads, with the digest when the reference pins one. */
export function workloadImages(objects: readonly KubeObject[]): RevisionImage[] {
  const images: RevisionImage[] = [];
  for (const object of objects) {
    if (object.kind !== 'Deployment') continue;
    const spec = (object as Deployment).spec?.template?.spec;
    for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      if (!container.image) continue;
      const digest = /@(sha256:[a-f0-9]{64})$/.exec(container.image)?.[1];
      images.push({
        workload: object.metadata.name as string,
        container: container.name,
        image: container.image,
        digest,
      });
    }
  }
  return images;
}
