import { objectName, type ManifestObject, type YamlPath } from './manifests';
import type { Severity } from './types';

/** A rule broken at one place of one object. */
export interface Violation {
  object: ManifestObject;
  path: YamlPath;
  message: string;
}

export interface PolicyRule {
  id: string;
  /** Short title, also the SARIF rule's name. */
  title: string;
  severity: Severity;
  /** Why it matters, in a sentence. */
  description: string;
  /** What to change. */
  fix: string;
  check(objects: readonly ManifestObject[]): Violation[];
}

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const get = (value: unknown, path: YamlPath): unknown =>
  path.reduce<unknown>((at, step) => (Array.isArray(at) ? at[step as number] : asRecord(at)[step]), value);

/** Where each kind keeps its pod template's spec. */
const POD_SPEC_PATHS: Readonly<Record<string, YamlPath>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Kinds whose pods serve and are gated on readiness; Jobs run to completion and need no probes. */
const SERVING_KINDS = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
]);

interface PodSpec {
  object: ManifestObject;
  path: YamlPath;
  spec: Json;
}

interface Container {
  pod: PodSpec;
  path: YamlPath;
  value: Json;
  init: boolean;
  label: string;
}

function podSpecs(objects: readonly ManifestObject[]): PodSpec[] {
  return objects.flatMap((object) => {
    const path = POD_SPEC_PATHS[object.kind];
    if (!path) return [];
    const spec = get(object.value, path);
    return spec === undefined ? [] : [{ object, path, spec: asRecord(spec) }];
  });
}

function containers(objects: readonly ManifestObject[], options: { init?: boolean } = {}): Container[] {
  return podSpecs(objects).flatMap((pod) =>
    (['initContainers', 'containers'] as const)
      .filter((field) => options.init !== false || field === 'containers')
      .flatMap((field) =>
        asList(pod.spec[field]).map((value, index) => {
          const container = asRecord(value);
          const name = typeof container.name === 'string' ? container.name : `#${index}`;
          return {
            pod,
            path: [...pod.path, field, index],
            value: container,
            init: field === 'initContainers',
            label: `${objectName(pod.object)} ${field === 'initContainers' ? 'init container' : 'container'} "${name}"`,
          };
        }),
      ),
  );
}

const at = (container: Container, ...rest: YamlPath): YamlPath => [...container.path, ...rest];
const violation = (object: ManifestObject, path: YamlPath, message: string): Violation => ({
  object,
  path,
  message,
});

/** A security context field: the container's value wins over the pod's. */
function effective(container: Container, field: string): { value: unknown; path: YamlPath } {
  const own = asRecord(container.value.securityContext);
  if (own[field] !== undefined) return { value: own[field], path: at(container, 'securityContext', field) };
  const pod = asRecord(container.pod.spec.securityContext);
  if (pod[field] !== undefined)
    return { value: pod[field], path: [...container.pod.path, 'securityContext', field] };
  return { value: undefined, path: at(container, 'name') };
}

/** Capabilities that amount to root on the node, or close to it. */
const DANGEROUS_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_BOOT',
  'DAC_READ_SEARCH',
  'BPF',
  'PERFMON',
]);

const SECRET_NAME = /(PASSW(OR)?D|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

/** Parses an image reference into what the rules need: its tag and whether a digest pins it. */
export function imageParts(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  return { tag: colon >= 0 ? name.slice(colon + 1) : undefined, digest };
}

/** Whether a NetworkPolicy's podSelector selects the pods a Service selects (pods labelled exactly so). */
function selectorCovers(podSelector: Json, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels = asRecord(podSelector.matchLabels);
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== String(value)) return false;
  for (const expression of asList(podSelector.matchExpressions).map(asRecord)) {
    const key = String(expression.key);
    const values = asList(expression.values).map(String);
    const has = key in labels;
    const ok =
      expression.operator === 'In'
        ? has && values.includes(labels[key] as string)
        : expression.operator === 'NotIn'
          ? !has || !values.includes(labels[key] as string)
          : expression.operator === 'Exists'
            ? has
            : expression.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

export const POLICY_RULES: readonly PolicyRule[] = [
  {
    id: 'SWD001',
    title: 'privileged-container',
    severity: 'HIGH',
    description: 'A privileged container has every capability and all host devices: it is root on the node.',
    fix: 'Remove securityContext.privileged, or set it to false.',
    check: (objects) =>
      containers(objects)
        .filter((c) => asRecord(c.value.securityContext).privileged === true)
        .map((c) =>
          violation(c.pod.object, at(c, 'securityContext', 'privileged'), `${c.label} is privileged.`),
        ),
  },
  {
    id: 'SWD002',
    title: 'privilege-escalation-allowed',
    severity: 'MEDIUM',
    description:
      'Without allowPrivilegeEscalation: false a process can gain more privileges than its parent (setuid).',
    fix: 'Set securityContext.allowPrivilegeEscalation: false on the container.',
    check: (objects) =>
      containers(objects)
        .filter((c) => asRecord(c.value.securityContext).allowPrivilegeEscalation !== false)
        .map((c) =>
          violation(
            c.pod.object,
            asRecord(c.value.securityContext).allowPrivilegeEscalation === undefined
              ? at(c, 'name')
              : at(c, 'securityContext', 'allowPrivilegeEscalation'),
            `${c.label} does not set allowPrivilegeEscalation: false.`,
          ),
        ),
  },
  {
    id: 'SWD003',
    title: 'runs-as-root',
    severity: 'HIGH',
    description: 'A container running as user 0 is root inside, and one escape away from root on the node.',
    fix: 'Run as a non-zero user: set securityContext.runAsUser (e.g. 10001) and build the image with a USER.',
    check: (objects) =>
      containers(objects).flatMap((c) => {
        const user = effective(c, 'runAsUser');
        return user.value === 0
          ? [violation(c.pod.object, user.path, `${c.label} runs as root (runAsUser: 0).`)]
          : [];
      }),
  },
  {
    id: 'SWD004',
    title: 'run-as-non-root-missing',
    severity: 'MEDIUM',
    description:
      'Without runAsNonRoot: true the kubelet starts the container even when its image runs as root.',
    fix: 'Set securityContext.runAsNonRoot: true on the pod or the container.',
    check: (objects) =>
      containers(objects).flatMap((c) => {
        const nonRoot = effective(c, 'runAsNonRoot');
        return nonRoot.value === true
          ? []
          : [violation(c.pod.object, nonRoot.path, `${c.label} does not set runAsNonRoot: true.`)];
      }),
  },
  {
    id: 'SWD005',
    title: 'writable-root-filesystem',
    severity: 'MEDIUM',
    description: 'A writable root filesystem lets an attacker change the binaries the container runs.',
    fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes.',
    check: (objects) =>
      containers(objects)
        .filter((c) => asRecord(c.value.securityContext).readOnlyRootFilesystem !== true)
        .map((c) =>
          violation(c.pod.object, at(c, 'name'), `${c.label} does not set readOnlyRootFilesystem: true.`),
        ),
  },
  {
    id: 'SWD006',
    title: 'host-namespace',
    severity: 'HIGH',
    description: "Sharing the host's network, PID or IPC namespace exposes the node's processes and traffic.",
    fix: 'Remove hostNetwork, hostPID and hostIPC from the pod spec.',
    check: (objects) =>
      podSpecs(objects).flatMap((pod) =>
        (['hostNetwork', 'hostPID', 'hostIPC'] as const)
          .filter((field) => pod.spec[field] === true)
          .map((field) =>
            violation(pod.object, [...pod.path, field], `${objectName(pod.object)} sets ${field}: true.`),
          ),
      ),
  },
  {
    id: 'SWD007',
    title: 'host-path-volume',
    severity: 'HIGH',
    description: "A hostPath volume gives the pod the node's filesystem.",
    fix: 'Use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead of hostPath.',
    check: (objects) =>
      podSpecs(objects).flatMap((pod) =>
        asList(pod.spec.volumes).flatMap((volume, index) => {
          const hostPath = asRecord(asRecord(volume).hostPath);
          if (asRecord(volume).hostPath === undefined) return [];
          return [
            violation(
              pod.object,
              [...pod.path, 'volumes', index, 'hostPath'],
              `${objectName(pod.object)} mounts the host path ${String(hostPath.path ?? '?')} (volume "${String(asRecord(volume).name)}").`,
            ),
          ];
        }),
      ),
  },
  {
    id: 'SWD008',
    title: 'resource-requests-missing',
    severity: 'LOW',
    description:
      'Without CPU and memory requests the scheduler places pods blind and they are evicted first.',
    fix: 'Set resources.requests.cpu and resources.requests.memory on the container.',
    check: (objects) =>
      containers(objects, { init: false }).flatMap((c) => {
        const requests = asRecord(asRecord(c.value.resources).requests);
        const missing = ['cpu', 'memory'].filter((r) => requests[r] === undefined);
        return missing.length === 0
          ? []
          : [
              violation(
                c.pod.object,
                c.value.resources === undefined ? at(c, 'name') : at(c, 'resources'),
                `${c.label} has no ${missing.join(' or ')} request.`,
              ),
            ];
      }),
  },
  {
    id: 'SWD009',
    title: 'memory-limit-missing',
    severity: 'LOW',
    description: 'Without a memory limit one leaking container can exhaust its node.',
    fix: 'Set resources.limits.memory on the container.',
    check: (objects) =>
      containers(objects, { init: false })
        .filter((c) => asRecord(asRecord(c.value.resources).limits).memory === undefined)
        .map((c) =>
          violation(
            c.pod.object,
            c.value.resources === undefined ? at(c, 'name') : at(c, 'resources'),
            `${c.label} has no memory limit.`,
          ),
        ),
  },
  {
    id: 'SWD010',
    title: 'readiness-probe-missing',
    severity: 'MEDIUM',
    description:
      'Without a readiness probe a pod counts as ready when its process starts: the blue/green gate and Services send traffic to it too early.',
    fix: 'Add a readinessProbe (httpGet on a health endpoint, or tcpSocket) to the container.',
    check: (objects) =>
      containers(objects, { init: false })
        .filter((c) => SERVING_KINDS.has(c.pod.object.kind) && c.value.readinessProbe === undefined)
        .map((c) => violation(c.pod.object, at(c, 'name'), `${c.label} has no readinessProbe.`)),
  },
  {
    id: 'SWD011',
    title: 'liveness-probe-missing',
    severity: 'LOW',
    description: 'Without a liveness probe a hung process is never restarted.',
    fix: 'Add a livenessProbe to the container.',
    check: (objects) =>
      containers(objects, { init: false })
        .filter((c) => SERVING_KINDS.has(c.pod.object.kind) && c.value.livenessProbe === undefined)
        .map((c) => violation(c.pod.object, at(c, 'name'), `${c.label} has no livenessProbe.`)),
  },
  {
    id: 'SWD012',
    title: 'image-not-pinned-by-digest',
    severity: 'MEDIUM',
    description:
      'A tag can be moved to other content; only a digest names exactly what was built and scanned.',
    fix: 'Reference the image as repository@sha256:… (render-helm injects the digest from build-image).',
    check: (objects) =>
      containers(objects).flatMap((c) => {
        const image = typeof c.value.image === 'string' ? c.value.image : undefined;
        if (image === undefined || imageParts(image).digest) return [];
        return [violation(c.pod.object, at(c, 'image'), `${c.label} uses ${image}, not pinned by digest.`)];
      }),
  },
  {
    id: 'SWD013',
    title: 'image-latest-tag',
    severity: 'HIGH',
    description:
      'An image without a tag or with :latest changes under a running workload; rollbacks cannot return to it.',
    fix: 'Use an immutable reference: repository@sha256:…, or at least a version tag.',
    check: (objects) =>
      containers(objects).flatMap((c) => {
        const image = typeof c.value.image === 'string' ? c.value.image : undefined;
        if (image === undefined) {
          return [violation(c.pod.object, at(c, 'name'), `${c.label} has no image.`)];
        }
        const { tag, digest } = imageParts(image);
        if (digest || (tag !== undefined && tag !== 'latest')) return [];
        return [
          violation(
            c.pod.object,
            at(c, 'image'),
            `${c.label} uses ${image}: ${tag === 'latest' ? 'the latest tag' : 'no tag, which means latest'}.`,
          ),
        ];
      }),
  },
  {
    id: 'SWD014',
    title: 'service-without-network-policy',
    severity: 'LOW',
    description:
      'Pods behind a Service that no NetworkPolicy selects accept traffic from every pod in the cluster.',
    fix: 'Add a NetworkPolicy whose podSelector selects the pods of this Service and allows only the expected clients.',
    check: (objects) => {
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      return objects
        .filter((o) => o.kind === 'Service')
        .flatMap((service) => {
          const spec = asRecord(service.value.spec);
          const selector = asRecord(spec.selector);
          if (spec.type === 'ExternalName' || Object.keys(selector).length === 0) return [];
          const labels = Object.fromEntries(Object.entries(selector).map(([k, v]) => [k, String(v)]));
          const covered = policies.some(
            (policy) =>
              (policy.namespace ?? '') === (service.namespace ?? '') &&
              selectorCovers(asRecord(asRecord(policy.value.spec).podSelector), labels),
          );
          return covered
            ? []
            : [
                violation(
                  service,
                  ['spec', 'selector'],
                  `${objectName(service)} selects pods that no NetworkPolicy in the manifests selects.`,
                ),
              ];
        });
    },
  },
  {
    id: 'SWD015',
    title: 'dangerous-capability',
    severity: 'HIGH',
    description:
      'Capabilities such as SYS_ADMIN, NET_ADMIN or ALL give a container near-root power over the node.',
    fix: 'Remove the capability from securityContext.capabilities.add; add only narrow ones such as NET_BIND_SERVICE.',
    check: (objects) =>
      containers(objects).flatMap((c) =>
        asList(asRecord(asRecord(c.value.securityContext).capabilities).add).flatMap((cap, index) =>
          DANGEROUS_CAPABILITIES.has(String(cap).toUpperCase().replace(/^CAP_/, ''))
            ? [
                violation(
                  c.pod.object,
                  at(c, 'securityContext', 'capabilities', 'add', index),
                  `${c.label} adds the capability ${String(cap)}.`,
                ),
              ]
            : [],
        ),
      ),
  },
  {
    id: 'SWD016',
    title: 'capabilities-not-dropped',
    severity: 'LOW',
    description:
      'Containers start with a default set of capabilities (NET_RAW, CHOWN, …) most apps never need.',
    fix: 'Set securityContext.capabilities.drop: [ALL] and add back only what the app needs.',
    check: (objects) =>
      containers(objects)
        .filter(
          (c) =>
            !asList(asRecord(asRecord(c.value.securityContext).capabilities).drop).some(
              (cap) => String(cap).toUpperCase() === 'ALL',
            ),
        )
        .map((c) => violation(c.pod.object, at(c, 'name'), `${c.label} does not drop ALL capabilities.`)),
  },
  {
    id: 'SWD017',
    title: 'secret-in-environment',
    severity: 'HIGH',
    description:
      'A secret written into the manifest as a plain env value is readable by anyone who can read the workload.',
    fix: 'Move the value into a Secret and reference it with env[].valueFrom.secretKeyRef.',
    check: (objects) =>
      containers(objects).flatMap((c) =>
        asList(c.value.env).flatMap((entry, index) => {
          const env = asRecord(entry);
          const name = String(env.name ?? '');
          if (!SECRET_NAME.test(name) || typeof env.value !== 'string' || env.value === '') return [];
          return [
            violation(
              c.pod.object,
              at(c, 'env', index, 'value'),
              `${c.label} sets ${name} to a literal value in the manifest.`,
            ),
          ];
        }),
      ),
  },
  {
    id: 'SWD018',
    title: 'host-port',
    severity: 'MEDIUM',
    description:
      "A hostPort binds the node's port: it bypasses NetworkPolicies and limits scheduling to one pod per node.",
    fix: 'Remove ports[].hostPort and expose the port through a Service.',
    check: (objects) =>
      containers(objects).flatMap((c) =>
        asList(c.value.ports).flatMap((entry, index) =>
          asRecord(entry).hostPort === undefined
            ? []
            : [
                violation(
                  c.pod.object,
                  at(c, 'ports', index, 'hostPort'),
                  `${c.label} binds host port ${String(asRecord(entry).hostPort)}.`,
                ),
              ],
        ),
      ),
  },
];
