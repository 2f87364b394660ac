import { UserError } from '@swiss-deploy/kit';
import { imagesOf, isPinnedByDigest, objectId, splitManifests } from '../../../packages/helm/manifests';
import { aliasBomb } from '../../support/yaml-bombs';

const RENDERED = `---
# Source: shop/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: shop
---
# Source: shop/templates/cronjob.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cleanup
  namespace: jobs
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - name: wait
              image: busybox:1.36
          containers:
            - name: run
              image: r/app@sha256:${'c'.repeat(64)}
          restartPolicy: Never
---
# Source: shop/templates/empty.yaml
---
# Source: shop/templates/ns.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    enabled: on
`;

describe('rendered manifests', () => {
  const documents = splitManifests(RENDERED);

  it('split into objects that remember their template and first line, skipping empty documents', () => {
    expect(documents.map((d) => [d.source, d.line])).toEqual([
      ['shop/templates/serviceaccount.yaml', 2],
      ['shop/templates/cronjob.yaml', 8],
      ['shop/templates/ns.yaml', 30],
    ]);
  });

  it('read YAML as Kubernetes does (YAML 1.1: on is true)', () => {
    expect((documents[2]?.object.metadata as { labels: Record<string, unknown> }).labels.enabled).toBe(true);
  });

  it('put namespaced objects without a namespace in the release namespace, cluster-scoped ones in none', () => {
    const clusterScoped = (_: string, kind: string) => kind === 'Namespace';
    expect(documents.map((d) => objectId(d, 'shop-prod', clusterScoped))).toEqual([
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'shop-prod', name: 'shop' },
      { apiVersion: 'batch/v1', kind: 'CronJob', namespace: 'jobs', name: 'cleanup' },
      { apiVersion: 'v1', kind: 'Namespace', name: 'shop' },
    ]);
  });

  it('name the template of an object that has no name', () => {
    const [nameless] = splitManifests('# Source: shop/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n');
    expect(() => objectId(nameless!, 'default', () => false)).toThrow(
      new UserError('shop/templates/cm.yaml renders an object without metadata.name.'),
    );
  });

  it('name the template whose output is a list, not an object', () => {
    expect(() => splitManifests('---\n# Source: shop/templates/list.yaml\n- a\n- b\n')).toThrow(
      'shop/templates/list.yaml renders a YAML list where a Kubernetes object belongs.',
    );
  });

  it('find every container image, init containers and nested pod templates included', () => {
    expect(documents.flatMap((d) => imagesOf(d.object))).toEqual([
      'busybox:1.36',
      `r/app@sha256:${'c'.repeat(64)}`,
    ]);
  });

  it('tell an image pinned by digest from one pinned by tag only', () => {
    expect(isPinnedByDigest(`r/app@sha256:${'c'.repeat(64)}`)).toBe(true);
    expect(isPinnedByDigest(`r/app:1.0@sha256:${'c'.repeat(64)}`)).toBe(true);
    expect(isPinnedByDigest('busybox:1.36')).toBe(false);
    expect(isPinnedByDigest('r/app@sha256:abc')).toBe(false);
  });

  it("names the alias limit when a template renders an alias bomb, with the line in helm's output", () => {
    const rendered = `# Source: shop/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\n# Source: shop/templates/bomb.yaml\n${aliasBomb()}`;
    expect(() => splitManifests(rendered)).toThrow(
      /^The rendered output of shop\/templates\/bomb\.yaml is not valid YAML \(line 7 of the output\): it expands more than 100 aliases/,
    );
  });
});
