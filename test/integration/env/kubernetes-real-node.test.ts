// The kubernetes component in real-node mode: a kubelet runs a pod of an image built and pushed here, and
// an HTTP request through its Service gets the app's answer.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { testEnv } from '../../support/env';
import { repoRoot } from '../../support/versions';
import { applyJson, createNamespace, getJson, kubectl, nodesByKind, waitAvailable } from './kube';
import { run, runOk } from './run';

const stamp = randomBytes(6).toString('hex');
const work = mkdtempSync(path.join(os.tmpdir(), 'swiss-env-real-'));
let namespace: Awaited<ReturnType<typeof createNamespace>> | undefined;
let imageRef = '';

/** KUBE_REAL_NODE_SELECTOR is key=value. */
function realNodeSelector(): Record<string, string> {
  const [key, value] = testEnv('KUBE_REAL_NODE_SELECTOR').split('=');
  return { [key ?? '']: value ?? '' };
}

/** KUBE_REAL_TOLERATION is key=value:Effect, the taint the real node carries in mixed mode. */
function realNodeToleration(): object {
  const match = /^([^=]+)=([^:]*):(\w+)$/.exec(testEnv('KUBE_REAL_TOLERATION'));
  if (!match)
    throw new Error(`KUBE_REAL_TOLERATION is not key=value:Effect: ${testEnv('KUBE_REAL_TOLERATION')}`);
  return { key: match[1], operator: 'Equal', value: match[2], effect: match[3] };
}

beforeAll(async () => {
  const nodes = await nodesByKind();
  if (nodes.real.length === 0) {
    throw new Error(
      `The cluster has no real node (KUBE_MODE=${nodes.mode}; nodes: ${nodes.kwok.map((n) => n.metadata.name).join(', ') || 'none'}, all kwok). ` +
        'Real-node tests need a kubelet: `npm run env:up` in the default mixed mode (or SWISS_DEPLOY_KUBE_MODE=real).',
    );
  }

  // Build and push the app by digest, with a docker config of its own.
  const registry = testEnv('REGISTRY');
  const docker = { DOCKER_HOST: testEnv('DOCKER_HOST'), DOCKER_CONFIG: path.join(work, 'docker') };
  await runOk('docker', ['login', '--username', testEnv('REGISTRY_USER'), '--password-stdin', registry], {
    input: testEnv('REGISTRY_PASSWORD'),
    env: docker,
  });
  const metadata = path.join(work, 'metadata.json');
  const image = `${registry}/swiss-deploy/env-app`;
  await runOk(
    'docker',
    [
      'buildx',
      'build',
      '--push',
      '--metadata-file',
      metadata,
      '--build-arg',
      `BASE_IMAGE_NODE=${testEnv('BASE_IMAGE_NODE')}`,
      '--build-arg',
      `STAMP=${stamp}`,
      '--tag',
      `${image}:real-${stamp}`,
      path.join(repoRoot, 'test', 'fixtures', 'env', 'app'),
    ],
    { env: docker, timeoutMs: 300_000 },
  );
  const digest = (JSON.parse(readFileSync(metadata, 'utf8')) as Record<string, string>)[
    'containerimage.digest'
  ];
  imageRef = `${image}@${digest}`;
  namespace = await createNamespace('env-real');
}, 420_000);

afterAll(async () => {
  await namespace?.remove();
  if (imageRef) {
    await run('docker', ['image', 'rm', '--force', imageRef, imageRef.replace(/@.*$/, `:real-${stamp}`)], {
      env: { DOCKER_HOST: testEnv('DOCKER_HOST'), DOCKER_CONFIG: path.join(work, 'docker') },
    });
    // keep the registry small: the manifest goes (the pod, if any, is deleted with its namespace)
    const [, digest] = imageRef.split('@');
    const auth = Buffer.from(`${testEnv('REGISTRY_USER')}:${testEnv('REGISTRY_PASSWORD')}`).toString(
      'base64',
    );
    await fetch(`http://${testEnv('REGISTRY')}/v2/swiss-deploy/env-app/manifests/${digest}`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${auth}` },
    });
  }
  rmSync(work, { recursive: true, force: true });
});

describe('the kubernetes component (real node)', () => {
  it('runs a pod of an image pulled by digest with credentials, and answers HTTP through its Service', async () => {
    const ns = (namespace as { name: string }).name;
    const auth = Buffer.from(`${testEnv('REGISTRY_USER')}:${testEnv('REGISTRY_PASSWORD')}`).toString(
      'base64',
    );
    const dockerConfig = JSON.stringify({ auths: { [testEnv('REGISTRY')]: { auth } } });
    await applyJson([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'registry', namespace: ns },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'env-app' } },
          template: {
            metadata: { labels: { app: 'env-app' } },
            spec: {
              // the real node, as the environment names it (in mixed mode it is tainted against kwok-minded pods)
              nodeSelector: realNodeSelector(),
              tolerations: [realNodeToleration()],
              imagePullSecrets: [{ name: 'registry' }],
              containers: [
                {
                  name: 'app',
                  image: imageRef,
                  ports: [{ name: 'http', containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'app', namespace: ns },
        spec: { selector: { app: 'env-app' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      },
    ]);
    await waitAvailable(ns, 'app', 180);
    const pods = await getJson<{ items: Array<{ metadata: { name: string }; status: { podIP: string } }> }>([
      'pods',
      '--namespace',
      ns,
      '--selector',
      'app=env-app',
    ]);
    expect(pods.items).toHaveLength(1);
    const podName = pods.items[0]?.metadata.name;

    // Through the Service: the API server resolves its endpoints and forwards to the pod.
    const answer = await kubectl(['get', '--raw', `/api/v1/namespaces/${ns}/services/app:http/proxy/hello`]);
    expect(JSON.parse(answer.stdout)).toEqual({ app: 'env-app', stamp, pod: podName, path: '/hello' });
  }, 300_000);
});
