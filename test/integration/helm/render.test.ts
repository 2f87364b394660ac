// The helm package against the environment's real helm: the built-in chart, values in every form, and
// the errors a chart author meets (template, values schema, Kubernetes schema, digests).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { UserError } from '@swiss-deploy/kit';
import { inspectManifests, prepareChart, renderChart, type RenderPlan } from '@swiss-deploy/helm';
import type { Helm } from '../../../packages/helm/helm';
import { checkManifests } from '../../../packages/scan/policy';
import { loadManifests, validateManifests } from '@swiss-deploy/bluegreen';
import { planColor } from '../../../packages/bluegreen/plan';
import { testEnv } from '../../support/env';
import { DIGEST, IMAGE_REF, helmHome, plan, realHelm, workspaceWithFixtures } from './harness';

jest.setTimeout(60_000);

type K8s = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered objects are read field by field
  spec: any;
  data?: Record<string, string>;
};

const home = helmHome();
let helm: Helm;
let workspace: string;

beforeAll(() => {
  helm = realHelm(home.env);
  workspace = workspaceWithFixtures();
});
afterAll(() => home.remove());

async function render(renderPlan: RenderPlan) {
  const chart = await prepareChart(helm, renderPlan);
  const rendered = await renderChart(helm, chart, renderPlan);
  const inspection = await inspectManifests(rendered, renderPlan);
  const objects = rendered.documents.map((d) => d.object as unknown as K8s);
  const byKind = (kind: string) => objects.find((o) => o.kind === kind) as K8s;
  return { chart, rendered, inspection, objects, byKind };
}

async function failure(renderPlan: RenderPlan): Promise<UserError> {
  const error = await render(renderPlan).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('the built-in swiss-app chart', () => {
  it('renders with the example values, passes lint --strict and the schemas, and runs only the injected digest', async () => {
    const { chart, rendered, inspection, objects, byKind } = await render(
      plan(workspace, { valuesFiles: ['example-values.yaml'], imageRef: IMAGE_REF }),
    );
    expect(chart).toMatchObject({ name: 'swiss-app', version: '0.1.0', label: 'built-in swiss-app' });
    expect(rendered.lintReport).toContain('0 chart(s) failed');
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
    expect(inspection.images).toEqual([IMAGE_REF]);
    expect(inspection.unchecked.map((o) => o.kind)).toEqual(['ServiceMonitor']);
    expect(inspection.objects.every((o) => o.namespace === 'shop')).toBe(true);
    expect(byKind('Ingress').spec.tls).toEqual([
      { hosts: ['example-app.local'], secretName: 'example-app-tls' },
    ]);
  });

  it('renders for every supported Kubernetes minor', async () => {
    for (const kubeVersion of ['1.34', '1.35', '1.36']) {
      const { inspection } = await render(
        plan(workspace, { valuesFiles: ['example-values.yaml'], imageRef: IMAGE_REF, kubeVersion }),
      );
      expect(inspection.kubeVersion.startsWith(kubeVersion)).toBe(true);
    }
  });

  it('selects pods by the two stable labels only, so the blue/green deploy can add its color', async () => {
    const { byKind } = await render(
      plan(workspace, { valuesFiles: ['example-values.yaml'], imageRef: IMAGE_REF }),
    );
    const stable = { 'app.kubernetes.io/name': 'swiss-app', 'app.kubernetes.io/instance': 'shop' };
    expect(byKind('Deployment').spec.selector).toEqual({ matchLabels: stable });
    expect(byKind('Service').spec.selector).toEqual(stable);
    expect(byKind('PodDisruptionBudget').spec.selector).toEqual({ matchLabels: stable });
    expect(byKind('NetworkPolicy').spec.podSelector).toEqual({ matchLabels: stable });
    expect(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: byKind('Deployment').metadata.name,
    });
  });

  it('runs hardened pods by default: non-root, probes, limits, read-only root, no capabilities', async () => {
    const { byKind, objects } = await render(plan(workspace, { imageRef: IMAGE_REF }));
    const pod = byKind('Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
    expect(container.image).toBe(IMAGE_REF);
    expect(objects.map((o) => o.kind)).toContain('NetworkPolicy');
  });
  it('renders objects deploy-blue-green accepts and colors: workload renamed, HPA and PDB attached, stable and preview Services', async () => {
    const { rendered } = await render(
      plan(workspace, { valuesFiles: ['example-values.yaml'], imageRef: IMAGE_REF }),
    );
    const file = path.join(workspace, 'out', 'bluegreen.yaml');
    writeFileSync(file, rendered.text);
    const manifests = loadManifests([file], workspace);
    validateManifests(manifests, { app: 'shop', namespace: 'shop' });
    const colored = planColor(manifests, { app: 'shop', namespace: 'shop', color: 'green', revision: 1 });
    expect(colored.workloads.map((w) => w.object.metadata.name)).toEqual(['shop-swiss-app-green']);
    expect(colored.attached.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort()).toEqual([
      'HorizontalPodAutoscaler/shop-swiss-app-green',
      'PodDisruptionBudget/shop-swiss-app-green',
    ]);
    expect(colored.services.map((s) => [s.stable.metadata.name, s.preview.metadata.name])).toEqual([
      ['shop-swiss-app', 'shop-swiss-app-preview'],
    ]);
  });

  it('renders an HTTPRoute to the Service that deploy-blue-green applies only at the switch', async () => {
    writeFileSync(
      path.join(workspace, 'httproute-values.yaml'),
      [
        'httpRoute:',
        '  enabled: true',
        '  parentRefs: [{ name: swiss-deploy, namespace: swiss-deploy-gateway, sectionName: web }]',
        '  hostnames: [shop.example.test]',
      ].join('\n'),
    );
    const { rendered, byKind } = await render(
      plan(workspace, { valuesFiles: ['httproute-values.yaml'], imageRef: IMAGE_REF }),
    );
    expect(byKind('HTTPRoute').spec).toEqual({
      parentRefs: [{ name: 'swiss-deploy', namespace: 'swiss-deploy-gateway', sectionName: 'web' }],
      hostnames: ['shop.example.test'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: 'shop-swiss-app', port: 80 }],
        },
      ],
    });
    const file = path.join(workspace, 'out', 'httproute.yaml');
    writeFileSync(file, rendered.text);
    const colored = planColor(loadManifests([file], workspace), {
      app: 'shop',
      namespace: 'shop',
      color: 'green',
      revision: 1,
    });
    expect(colored.traffic.map((t) => `${t.object.kind}/${t.object.metadata.name}`).sort()).toEqual([
      'HTTPRoute/shop-swiss-app',
      'NetworkPolicy/shop-swiss-app',
    ]);
  });

  it('refuses an enabled HTTPRoute with no Gateway to attach to, naming the value', async () => {
    const error = await failure(plan(workspace, { set: ['httpRoute.enabled=true'], imageRef: IMAGE_REF }));
    expect(error.message).toMatch(/httpRoute/);
    expect(error.message).toMatch(/parentRefs/);
  });

  it("passes the scan action's manifest policy without a single finding, by default and with the example values", async () => {
    for (const valuesFiles of [[], ['example-values.yaml']]) {
      const { rendered } = await render(plan(workspace, { valuesFiles, imageRef: IMAGE_REF }));
      const findings = checkManifests([{ file: 'shop.yaml', text: rendered.text }]);
      expect(findings.map((f) => `${f.severity} ${f.ruleId}: ${f.message}`)).toEqual([]);
    }
  });
});

describe('values', () => {
  it('keep commas inside --set values, lists in braces, and file contents from set-file', async () => {
    const { byKind } = await render(
      plan(workspace, {
        imageRef: IMAGE_REF,
        set: ['podAnnotations.note=red,green,blue', 'args={--port,--verbose}'],
        setString: ['podAnnotations.build=1,2'],
        setFile: ['podAnnotations.motd=motd.txt'],
      }),
    );
    const template = byKind('Deployment').spec.template;
    expect(template.metadata.annotations).toEqual({
      note: 'red,green,blue',
      build: '1,2',
      motd: 'line one, with a comma\nline two\n',
    });
    expect(template.spec.containers[0].args).toEqual(['--port', '--verbose']);
  });

  it('layer several values files in the order given, then set on top', async () => {
    const ordered = await render(
      plan(workspace, { imageRef: IMAGE_REF, valuesFiles: ['values-base.yaml', 'values-override.yaml'] }),
    );
    const deployment = ordered.byKind('Deployment');
    expect(deployment.spec.replicas).toBe(4);
    expect(deployment.spec.template.metadata.annotations).toEqual({ layer: 'override', 'from-base': 'yes' });
    expect(ordered.byKind('Service').spec.ports[0].port).toBe(8080);

    const reversed = await render(
      plan(workspace, {
        imageRef: IMAGE_REF,
        valuesFiles: ['values-override.yaml', 'values-base.yaml'],
        set: ['replicaCount=7'],
      }),
    );
    expect(reversed.byKind('Deployment').spec.replicas).toBe(7);
    expect(reversed.byKind('Deployment').spec.template.metadata.annotations.layer).toBe('base');
  });

  it('inject image-ref over whatever a values file says about the image', async () => {
    const { inspection } = await render(
      plan(workspace, {
        imageRef: IMAGE_REF,
        setString: ['image.repository=elsewhere/app', `image.digest=sha256:${'0'.repeat(64)}`],
      }),
    );
    expect(inspection.images).toEqual([IMAGE_REF]);
  });

  it('inject image-ref at custom value paths of another chart', async () => {
    const { inspection } = await render(
      plan(workspace, {
        chart: 'charts/hello',
        imageRef: `r.local/hello@${DIGEST}`,
        imageValuePaths: ['image.repository image.digest'],
      }),
    );
    expect(inspection.images).toEqual([`r.local/hello@${DIGEST}`]);
  });
});

describe('chart sources, dependencies and cluster capabilities', () => {
  it('renders a packaged chart (.tgz) from the workspace and reads its name and version from inside', async () => {
    execFileSync(testEnv('HELM'), ['package', path.join(workspace, 'charts', 'hello'), '-d', workspace], {
      env: { ...process.env, ...home.env },
    });
    const { chart, inspection } = await render(
      plan(workspace, { chart: 'hello-1.2.0.tgz', imageRef: `r.local/hello@${DIGEST}` }),
    );
    expect(chart).toMatchObject({
      name: 'hello',
      version: '1.2.0',
      appVersion: '1.2.0',
      label: 'hello-1.2.0.tgz',
    });
    expect(inspection.images).toEqual([`r.local/hello@${DIGEST}`]);
  });

  it('asks for dependency-update when a dependency is missing, and renders it once updated', async () => {
    const missing = await failure(plan(workspace, { chart: 'charts/umbrella' }));
    expect(missing.message).toMatch(/^The chart's dependencies are missing/);
    expect(missing.hint).toContain('dependency-update: true');

    const { objects, inspection } = await render(
      plan(workspace, { chart: 'charts/umbrella', dependencyUpdate: true }),
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/shop-hello']);
    expect(inspection.images).toEqual([`registry.local/hello@sha256:${'2'.repeat(64)}`]);
  });

  it('tells the chart the API versions and Kubernetes version it renders for', async () => {
    const { byKind } = await render(
      plan(workspace, {
        chart: 'charts/umbrella',
        dependencyUpdate: true,
        apiVersions: ['example.com/v1'],
        kubeVersion: '1.35',
      }),
    );
    expect(byKind('ConfigMap').data).toEqual({ kube: 'v1.35.0' });
  });
});

describe('errors a chart author can act on', () => {
  it('a template error names the template file and line, annotated on the file in the workspace', async () => {
    const error = await failure(plan(workspace, { chart: 'charts/broken', requireDigests: false }));
    expect(error.message).toContain('broken/templates/configmap.yaml:7');
    expect(error.message).toContain('.Values.settings.feature.enabled');
    expect(error.location).toMatchObject({
      file: path.join('charts', 'broken', 'templates', 'configmap.yaml'),
      line: 7,
    });
  });

  it('a value that breaks the chart schema names the value', async () => {
    const error = await failure(plan(workspace, { imageRef: IMAGE_REF, set: ['replicaCount=many'] }));
    expect(error.message).toContain('values.schema.json');
    expect(error.message).toContain('replicaCount');
    const typo = await failure(plan(workspace, { imageRef: IMAGE_REF, set: ['replicas=3'] }));
    expect(typo.message).toContain('replicas');
  });

  it('an object invalid for kube-version names the object, the field and the template', async () => {
    const error = await failure(plan(workspace, { chart: 'charts/legacy', lint: false }));
    expect(error.message).toContain('problems against the Kubernetes 1.36');
    expect(error.message).toContain(
      'HorizontalPodAutoscaler "shop" (legacy/templates/hpa.yaml): apiVersion autoscaling/v2beta2 HorizontalPodAutoscaler is not served by Kubernetes 1.36; use autoscaling/v1 or autoscaling/v2',
    );
    expect(error.message).toContain(
      'Deployment "shop" (legacy/templates/deployment.yaml): spec.template.spec.containers[0].imagePullPolice is not a field of this object',
    );
    expect(error.message).toContain(
      'Deployment "shop" (legacy/templates/deployment.yaml): spec.template.spec.containers[0].ports[0].containerPort must be an integer, got a string "8080"',
    );
    // helm sorts objects by kind, so the Deployment's problems come first.
    expect(error.location?.file).toBe(path.join('charts', 'legacy', 'templates', 'deployment.yaml'));
  });

  it('require-digests fails on an image pinned by tag only, and names the object and template', async () => {
    const error = await failure(plan(workspace, {}));
    expect(error.message).toContain(
      'Deployment "shop-swiss-app" (swiss-app/templates/deployment.yaml) runs ghcr.io/swiss/example-app:1.0.0',
    );
    const { inspection } = await render(plan(workspace, { requireDigests: false }));
    expect(inspection.images).toEqual(['ghcr.io/swiss/example-app:1.0.0']);
  });

  it('an image-ref the chart never uses is an error, not a silent no-op', async () => {
    const error = await failure(
      plan(workspace, { imageRef: IMAGE_REF, imageValuePaths: ['sidecar.image'], set: [] }),
    );
    // The built-in schema refuses the unknown key first; on a chart without a schema the image check speaks.
    expect(error.message).toMatch(/sidecar|no rendered container uses it/);
    const hello = await failure(
      plan(workspace, {
        chart: 'charts/hello',
        imageRef: IMAGE_REF,
        imageValuePaths: ['worker.image'],
        requireDigests: false,
      }),
    );
    expect(hello.message).toContain(
      `image-ref ${IMAGE_REF} was set at worker.image.repository + worker.image.digest`,
    );
  });
});
