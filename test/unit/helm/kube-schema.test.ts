import {
  KubeSchemaValidator,
  fieldPath,
  formatSchemaProblem,
  supportedKubeMinor,
  supportedKubeVersions,
  newestKubeVersion,
} from '../../../packages/helm/kube-schema';
import { objectId, splitManifests } from '../../../packages/helm/manifests';

const DEPLOYMENT = `# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  creationTimestamp: null
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: r/app@sha256:${'a'.repeat(64)}
          ports: [{ name: http, containerPort: 8080 }]
          resources:
            limits: { cpu: 500m, memory: 256Mi }
          livenessProbe:
            httpGet: { path: /healthz, port: http }
`;

// One validator per minor for the whole file: it holds no state but compiled schemas, and compiling the
// Deployment schema again for every test cost most of this file's time.
const validators = new Map<string, Promise<KubeSchemaValidator>>();
const validatorFor = (kubeVersion: string): Promise<KubeSchemaValidator> => {
  let validator = validators.get(kubeVersion);
  if (!validator) validators.set(kubeVersion, (validator = KubeSchemaValidator.create(kubeVersion)));
  return validator;
};

async function check(text: string, kubeVersion = '1.36') {
  const validator = await validatorFor(kubeVersion);
  const documents = splitManifests(text);
  const ids = documents.map((d) => objectId(d, 'default', validator.isClusterScoped));
  const report = validator.validate(documents, ids);
  return { ...report, lines: report.problems.map(formatSchemaProblem) };
}

describe('offline validation against the Kubernetes schemas', () => {
  it('ships the current minor and the two before it', () => {
    expect(supportedKubeVersions()).toEqual(['1.34', '1.35', '1.36']);
    expect(newestKubeVersion()).toBe('1.36');
    expect(supportedKubeMinor('v1.35.2')).toBe('1.35');
    expect(supportedKubeMinor('1.20')).toBeUndefined();
  });

  it('refuses a Kubernetes version without schemas and lists the ones it has', async () => {
    await expect(KubeSchemaValidator.create('1.29')).rejects.toMatchObject({
      message: 'Kubernetes 1.29 has no bundled schemas.',
      hint: 'Use one of: 1.34, 1.35, 1.36.',
    });
  });

  it('accepts a valid Deployment, with the nulls helm renders treated as unset', async () => {
    const report = await check(DEPLOYMENT);
    expect(report.lines).toEqual([]);
    expect(report.checked).toBe(1);
  });

  it('names the object, the template and the JSON path of a field of the wrong type', async () => {
    const report = await check(DEPLOYMENT.replace('containerPort: 8080', 'containerPort: "8080"'));
    expect(report.lines).toEqual([
      'Deployment "web" (shop/templates/deployment.yaml): spec.template.spec.containers[0].ports[0].containerPort must be an integer, got a string "8080"',
    ]);
  });

  it('reports a field the kind does not have, which the API server would silently drop', async () => {
    const report = await check(
      DEPLOYMENT.replace('          image:', '          imagePullPolice: Always\n          image:'),
    );
    expect(report.lines).toEqual([
      'Deployment "web" (shop/templates/deployment.yaml): spec.template.spec.containers[0].imagePullPolice is not a field of this object',
    ]);
  });

  it('reports a missing required field and a malformed quantity', async () => {
    const report = await check(
      DEPLOYMENT.replace('        - name: web\n', '        - \n').replace('memory: 256Mi', 'memory: 256MB'),
    );
    expect(report.lines).toEqual([
      'Deployment "web" (shop/templates/deployment.yaml): spec.template.spec.containers[0].name is required',
      'Deployment "web" (shop/templates/deployment.yaml): spec.template.spec.containers[0].resources.limits.memory is not a Kubernetes quantity such as 500m, 128Mi or 2 (got "256MB")',
    ]);
  });

  it('accepts an int-or-string port either way and rejects a boolean there', async () => {
    expect((await check(DEPLOYMENT.replace('port: http', 'port: 8080'))).lines).toEqual([]);
    expect((await check(DEPLOYMENT.replace('port: http', 'port: true'))).lines).toEqual([
      'Deployment "web" (shop/templates/deployment.yaml): spec.template.spec.containers[0].livenessProbe.httpGet.port must be an integer or a string, got a boolean true',
    ]);
  });

  it('names the served versions when an apiVersion is gone from the target Kubernetes', async () => {
    const report = await check(
      '# Source: shop/templates/hpa.yaml\napiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: { name: web }\nspec: {}\n',
    );
    expect(report.lines).toEqual([
      'HorizontalPodAutoscaler "web" (shop/templates/hpa.yaml): apiVersion autoscaling/v2beta2 HorizontalPodAutoscaler is not served by Kubernetes 1.36; use autoscaling/v1 or autoscaling/v2',
    ]);
  });

  it('validates for the chosen minor: what 1.36 added is unknown to 1.34', async () => {
    const policy =
      '# Source: shop/templates/policy.yaml\napiVersion: admissionregistration.k8s.io/v1\nkind: MutatingAdmissionPolicy\nmetadata: { name: p }\nspec: {}\n';
    expect((await check(policy, '1.36')).lines).toEqual([]);
    expect((await check(policy, '1.34')).lines).toEqual([
      'MutatingAdmissionPolicy "p" (shop/templates/policy.yaml): apiVersion admissionregistration.k8s.io/v1 MutatingAdmissionPolicy is not served by Kubernetes 1.34; use admissionregistration.k8s.io/v1alpha1 or admissionregistration.k8s.io/v1beta1',
    ]);
    const grouped = DEPLOYMENT.replace(
      '      containers:',
      '      schedulingGroup: { podGroupName: g }\n      containers:',
    );
    expect((await check(grouped, '1.34')).lines).toEqual([
      'Deployment "web" (shop/templates/deployment.yaml): spec.template.spec.schedulingGroup is not a field of this object',
    ]);
  });

  it('leaves custom resources unchecked and says which', async () => {
    const report = await check(
      'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: { name: web }\nspec: { anything: [1] }\n',
    );
    expect(report.problems).toEqual([]);
    expect(report.unchecked).toEqual([
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', namespace: 'default', name: 'web' },
    ]);
  });

  it('knows which built-in kinds are cluster-scoped', async () => {
    const validator = await validatorFor('1.36');
    expect(validator.isClusterScoped('rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe(true);
    expect(validator.isClusterScoped('v1', 'Namespace')).toBe(true);
    expect(validator.isClusterScoped('apps/v1', 'Deployment')).toBe(false);
  });

  it('writes field paths as a person types them', () => {
    expect(fieldPath('/spec/containers/0/image')).toBe('spec.containers[0].image');
    expect(fieldPath('/metadata/labels/app.kubernetes.io~1name')).toBe(
      'metadata.labels["app.kubernetes.io/name"]',
    );
    expect(fieldPath('', 'spec')).toBe('spec');
  });
});
