import type { UserError } from '@swiss-deploy/kit';
import { validateManifests, workloadImages } from '@swiss-deploy/bluegreen';
import { configReferences } from '../../../packages/bluegreen/config';
import { planColor } from '../../../packages/bluegreen/plan';
import type { ManifestObject } from '../../../packages/bluegreen/types';
import { manifestDigest } from '@swiss-deploy/kit';
import type { Deployment, KubeObject, Service } from '@swiss-deploy/kube';

const labels = { 'app.kubernetes.io/name': 'shop' };
const deployment = (name = 'shop', extra: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 3,
    selector: { matchLabels: { ...labels, ...extra } },
    template: {
      metadata: { labels: { ...labels, ...extra } },
      spec: {
        containers: [
          { name: 'web', image: `registry.example/shop@sha256:${'c'.repeat(64)}` },
          { name: 'side', image: 'busybox:1' },
        ],
      },
    },
  },
});
const service = (selector: Record<string, string> = labels, type?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'shop' },
  spec: {
    ...(type ? { type } : {}),
    selector,
    ports: [
      { name: 'http', port: 80, targetPort: 8080, ...(type === 'NodePort' ? { nodePort: 30080 } : {}) },
    ],
  },
});
const manifests = (...objects: KubeObject[]): ManifestObject[] =>
  objects.map((object, i) => ({ object, source: { file: 'app.yaml', line: 1 + i * 20 } }));

const options = { app: 'shop', namespace: 'prod' };

function refusal(objects: ManifestObject[]): UserError {
  try {
    validateManifests(objects, options);
  } catch (error) {
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

describe('planColor', () => {
  const plan = planColor(
    manifests(
      deployment(),
      service(labels, 'NodePort'),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-config' }, data: {} },
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'shop' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' }, maxReplicas: 5 },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'shop' },
        spec: { minAvailable: 1, selector: { matchLabels: labels } },
      },
    ),
    { ...options, color: 'green', revision: 7 },
  );

  it('renames the workload to <name>-<color> and adds the color to its selector and pod template', () => {
    const [workload] = plan.workloads;
    const object = workload!.object as Deployment;
    expect(object.metadata).toMatchObject({
      name: 'shop-green',
      namespace: 'prod',
      labels: { 'swiss-deploy/color': 'green', 'swiss-deploy/app': 'shop' },
    });
    expect(object.spec?.selector?.matchLabels).toEqual({ ...labels, 'swiss-deploy/color': 'green' });
    expect(object.spec?.template?.metadata?.labels).toMatchObject({
      ...labels,
      'swiss-deploy/color': 'green',
      'swiss-deploy/revision': '7',
    });
    expect(workload!.podSelector).toEqual({
      ...labels,
      'swiss-deploy/color': 'green',
      'swiss-deploy/revision': '7',
    });
  });

  it('makes the Service stable (selecting the color after the switch) and adds a ClusterIP preview on the same ports', () => {
    const [planned] = plan.services;
    expect(planned!.stable.spec).toMatchObject({
      type: 'NodePort',
      selector: { ...labels, 'swiss-deploy/color': 'green' },
    });
    const preview = planned!.preview as Service;
    expect(preview.metadata.name).toBe('shop-preview');
    expect(preview.spec).toEqual({
      type: 'ClusterIP',
      selector: { ...labels, 'swiss-deploy/color': 'green', 'swiss-deploy/revision': '7' },
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    });
  });

  it('makes the HPA and the PDB follow their colored workload, and applies unread config as it is', () => {
    const [hpa, pdb] = plan.attached.map((a) => a.object);
    expect(hpa!.metadata.name).toBe('shop-green');
    expect((hpa!.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name).toBe('shop-green');
    expect((pdb!.spec as { selector: { matchLabels: object } }).selector.matchLabels).toEqual({
      ...labels,
      'swiss-deploy/color': 'green',
    });
    expect(plan.others.map((o) => o.object.metadata)).toEqual([{ name: 'shop-config', namespace: 'prod' }]);
  });

  it('names images with their digest when the reference pins one', () => {
    expect(workloadImages([deployment()])).toEqual([
      {
        workload: 'shop',
        container: 'web',
        image: `registry.example/shop@sha256:${'c'.repeat(64)}`,
        digest: `sha256:${'c'.repeat(64)}`,
      },
      { workload: 'shop', container: 'side', image: 'busybox:1', digest: undefined },
    ]);
  });
});

describe('manifestDigest', () => {
  it('is the same for the same objects whatever the key order, and differs when anything changes', () => {
    const a = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '1', b: '2' } };
    const b = { data: { b: '2', a: '1' }, metadata: { name: 'x' }, kind: 'ConfigMap', apiVersion: 'v1' };
    expect(manifestDigest([a])).toBe(manifestDigest([b]));
    expect(manifestDigest([a])).not.toBe(manifestDigest([{ ...a, data: { a: '1', b: '3' } }]));
    expect(manifestDigest([a])).toMatch(/^sha256:[a-f0-9]{64}$/);
  });
});

describe('validateManifests refuses what the model cannot handle safely', () => {
  it.each([
    ['StatefulSet', 'apps/v1', /keeps stable identities and volumes/],
    ['DaemonSet', 'apps/v1', /one pod per node/],
    ['Pod', 'v1', /a bare Pod has no controller.*wrap it in a Deployment/],
  ])('a %s, saying why and what to do', (kind, apiVersion, why) => {
    const error = refusal(manifests(deployment(), { apiVersion, kind, metadata: { name: 'x' }, spec: {} }));
    expect(error.message).toMatch(new RegExp(`app.yaml:21: ${kind}/x cannot be deployed blue/green`));
    expect(error.message).toMatch(why);
    expect(error.location).toEqual({ file: 'app.yaml', line: 21 });
  });

  it('a Service that selects no workload', () => {
    const error = refusal(manifests(deployment(), service({ app: 'other' })));
    expect(error.message).toContain(
      'Service/shop selects app=other, which matches the pods of no Deployment in the manifests',
    );
    expect(error.hint).toContain("Make the Service's selector match the pod template labels");
  });

  it('two apps in one manifest set', () => {
    const other = deployment('billing');
    (other.spec as { template: { metadata: { labels: object } } }).template.metadata.labels = {
      'app.kubernetes.io/name': 'billing',
    };
    (other.spec as { selector: { matchLabels: object } }).selector.matchLabels = {
      'app.kubernetes.io/name': 'billing',
    };
    const error = refusal(manifests(deployment(), other));
    expect(error.message).toContain(
      'the manifests hold two apps: Deployment/shop is "shop" and Deployment/billing is "billing"',
    );
    expect(error.hint).toContain('Deploy each app in its own deploy-blue-green step');
  });

  it('an object for another namespace', () => {
    const object = deployment();
    object.metadata.namespace = 'staging';
    expect(refusal(manifests(object)).message).toContain(
      'Deployment/shop is for namespace "staging", but this deploy targets "prod"',
    );
  });

  it('manifests without a Deployment', () => {
    expect(refusal(manifests(service())).message).toContain('the manifests hold no apps/v1 Deployment');
  });

  it('and accepts an app of two Deployments with one Service', () => {
    expect(() =>
      validateManifests(
        manifests(deployment(), deployment('shop-worker', { tier: 'worker' }), service()),
        options,
      ),
    ).not.toThrow();
  });
});

describe('replicas of the new color', () => {
  it('start at the HPA minimum (or 1) when the manifest leaves them to the HPA', () => {
    const object = deployment();
    delete (object.spec as { replicas?: number }).replicas;
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
        minReplicas: 2,
        maxReplicas: 5,
      },
    };
    const withHpa = planColor(manifests(object, hpa), { ...options, color: 'blue', revision: 1 });
    expect((withHpa.workloads[0]!.object as Deployment).spec?.replicas).toBe(2);
    const alone = planColor(manifests(object), { ...options, color: 'blue', revision: 1 });
    expect((alone.workloads[0]!.object as Deployment).spec?.replicas).toBe(1);
  });

  it('may not be zero', () => {
    const object = deployment();
    (object.spec as { replicas: number }).replicas = 0;
    expect(refusal(manifests(object)).message).toContain('Deployment/shop has replicas: 0');
  });
});

describe('planColor: config owned by its color', () => {
  const at = { file: 'm.yaml', line: 1 };
  const config = (name: string, data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data,
  });
  const secret = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'Opaque',
    stringData: { token: 'x' },
  });
  const reader = (): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop' },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          imagePullSecrets: [{ name: 'pull' }],
          volumes: [
            { name: 'conf', configMap: { name: 'shop-config' } },
            {
              name: 'all',
              projected: {
                sources: [{ secret: { name: 'shop-secret' } }, { configMap: { name: 'external' } }],
              },
            },
          ],
          initContainers: [
            { name: 'init', image: 'i', envFrom: [{ configMapRef: { name: 'shop-config' } }] },
          ],
          containers: [
            {
              name: 'web',
              image: 'w',
              env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'shop-secret', key: 'token' } } }],
              envFrom: [{ secretRef: { name: 'pull' } }],
            },
          ],
        },
      },
    },
  });
  const manifests = (data: Record<string, string>): ManifestObject[] =>
    [
      reader(),
      config('shop-config', data),
      secret('shop-secret'),
      secret('pull'),
      config('unread', { a: '1' }),
    ].map((object) => ({ object, source: at }));
  const plan = (data: Record<string, string>, color: 'blue' | 'green' = 'green') =>
    planColor(manifests(data), { app: 'shop', namespace: 'prod', color, revision: 3 });

  it('applies every ConfigMap and Secret a pod reads as an immutable copy named after its content', () => {
    const { configs } = plan({ a: '1' });
    expect(configs.map((c) => c.original).sort()).toEqual(['pull', 'shop-config', 'shop-secret']);
    for (const copy of configs) {
      expect(copy.name).toMatch(new RegExp(`^${copy.original}-[0-9a-f]{10}$`));
      expect(copy.object.metadata).toMatchObject({
        name: copy.name,
        namespace: 'prod',
        labels: {
          'swiss-deploy/app': 'shop',
          'swiss-deploy/role': 'config',
          'swiss-deploy/config': copy.original,
        },
      });
      expect((copy.object as { immutable?: boolean }).immutable).toBe(true);
    }
  });

  it('points every reference of the colored workload at the copies, and leaves config it does not carry alone', () => {
    const p = plan({ a: '1' });
    const names = new Map(p.configs.map((c) => [`${c.kind}/${c.original}`, c.name]));
    const refs = configReferences(p.workloads[0]!.object.spec?.template?.spec).map(
      (r) => `${r.kind}/${r.name}`,
    );
    expect(refs.sort()).toEqual(
      [
        `ConfigMap/${names.get('ConfigMap/shop-config')}`,
        `ConfigMap/${names.get('ConfigMap/shop-config')}`,
        'ConfigMap/external',
        `Secret/${names.get('Secret/pull')}`,
        `Secret/${names.get('Secret/pull')}`,
        `Secret/${names.get('Secret/shop-secret')}`,
        `Secret/${names.get('Secret/shop-secret')}`,
      ].sort(),
    );
    expect(p.others.map((o) => o.object.metadata.name)).toEqual(['unread']);
  });

  it('names a copy by content alone: new data, new name; same data in the other color, same name', () => {
    const one = plan({ a: '1' }).configs.find((c) => c.original === 'shop-config')!;
    const again = plan({ a: '1' }, 'blue').configs.find((c) => c.original === 'shop-config')!;
    const changed = plan({ a: '2' }).configs.find((c) => c.original === 'shop-config')!;
    expect(again.name).toBe(one.name);
    expect(changed.name).not.toBe(one.name);
  });

  it('holds Ingresses, routes and NetworkPolicies back for the switch', () => {
    const route: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'shop' },
      spec: {},
    };
    const ingress: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'shop' },
    };
    const policy: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p' },
    };
    const p = planColor(
      [reader(), route, ingress, policy].map((object) => ({ object, source: at })),
      { app: 'shop', namespace: 'prod', color: 'blue', revision: 1 },
    );
    expect(p.traffic.map((t) => t.object.kind)).toEqual(['HTTPRoute', 'Ingress', 'NetworkPolicy']);
    expect(p.others).toEqual([]);
  });
});
