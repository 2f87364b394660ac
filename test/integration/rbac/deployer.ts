// The deployer identity of deploy/rbac.yaml in a test namespace: its objects with the namespace filled in
// (and, for the tests that take one permission away, a rule edited), and a kubeconfig that signs in as its
// ServiceAccount with a token from the TokenRequest API, which the API server checks like any other.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Kube, type KubeObject } from '@swiss-deploy/kube';
import { repoRoot } from '../../support/versions';
import { testEnv } from '../../support/env';
import { writeManifests } from '../deploy/cluster';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export const RBAC_FILE = path.join(repoRoot, 'deploy', 'rbac.yaml');

/** The three objects of deploy/rbac.yaml, moved into `namespace`. */
export function deployerObjects(namespace: string): KubeObject[] {
  const objects = parseAllDocuments(readFileSync(RBAC_FILE, 'utf8')).map((doc) => doc.toJS() as KubeObject);
  for (const object of objects) {
    object.metadata.namespace = namespace;
    for (const subject of (object as { subjects?: { namespace?: string }[] }).subjects ?? [])
      subject.namespace = namespace;
  }
  return objects;
}

export function roleRules(objects: KubeObject[]): PolicyRule[] {
  const role = objects.find((o) => o.kind === 'Role') as (KubeObject & { rules: PolicyRule[] }) | undefined;
  if (!role) throw new Error(`${RBAC_FILE} holds no Role`);
  return role.rules;
}

/** `patch services`, `create pods/portforward`, `list leases.coordination.k8s.io`: RBAC's own names. */
export function permissionName(verb: string, group: string, resource: string): string {
  const [base, sub] = resource.split('/');
  return `${verb} ${group === '' ? base : `${base}.${group}`}${sub ? `/${sub}` : ''}`;
}

/** Every (verb, resource) the Role grants, one by one. */
export function grants(
  rules: PolicyRule[],
): { rule: number; verb: string; group: string; resource: string }[] {
  return rules.flatMap((rule, index) =>
    rule.apiGroups.flatMap((group) =>
      rule.resources.flatMap((resource) =>
        rule.verbs.map((verb) => ({ rule: index, verb, group, resource })),
      ),
    ),
  );
}

/** The rules without one verb on one resource (a rule left with nothing is dropped). */
export function withoutGrant(
  rules: PolicyRule[],
  take: { rule: number; verb: string; group: string; resource: string },
): PolicyRule[] {
  const out: PolicyRule[] = [];
  rules.forEach((rule, index) => {
    if (index !== take.rule) return void out.push(rule);
    const others = rule.resources.filter((r) => r !== take.resource);
    if (others.length > 0) out.push({ ...rule, resources: others });
    const verbs = rule.verbs.filter((v) => v !== take.verb);
    if (verbs.length > 0) out.push({ ...rule, resources: [take.resource], verbs });
  });
  return out;
}

/** Applies the ServiceAccount, the Role (with `rules` instead of the file's, when given) and the binding. */
export async function installDeployer(admin: Kube, namespace: string, rules?: PolicyRule[]): Promise<void> {
  for (const object of deployerObjects(namespace)) {
    if (rules && object.kind === 'Role') (object as { rules?: PolicyRule[] }).rules = rules;
    const plural = { ServiceAccount: 'serviceaccounts', Role: 'roles', RoleBinding: 'rolebindings' }[
      object.kind as string
    ];
    const base = object.kind === 'ServiceAccount' ? '/api/v1' : '/apis/rbac.authorization.k8s.io/v1';
    await admin.request('PATCH', `${base}/namespaces/${namespace}/${plural}/${object.metadata.name}`, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'rbac-tests', force: true },
    });
  }
}

/** A fresh token of the deployer ServiceAccount from the TokenRequest API. */
export async function deployerToken(admin: Kube, namespace: string, seconds = 900): Promise<string> {
  const answer = await admin.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/swiss-deploy/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: seconds },
      },
    },
  );
  return answer.status.token;
}

/** The environment's cluster (address and CA) with another user: a token, or an exec plugin. */
export function kubeconfigWith(user: Record<string, unknown>): string {
  const admin = parse(readFileSync(testEnv('KUBECONFIG'), 'utf8')) as {
    clusters: { name: string }[];
  };
  const cluster = admin.clusters[0] as { name: string };
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [cluster],
    users: [{ name: 'deployer', user }],
    contexts: [{ name: 'deployer', context: { cluster: cluster.name, user: 'deployer' } }],
    'current-context': 'deployer',
  });
}

/** A client signed in as the deployer ServiceAccount. */
export async function deployerKube(admin: Kube, namespace: string): Promise<Kube> {
  const file = writeManifests(kubeconfigWith({ token: await deployerToken(admin, namespace) }));
  return Kube.connect({ kubeconfigFile: file });
}
