// The data plane of the test environment on the real node: kube-proxy (ClusterIPs from the host and from
// pods), the cluster DNS (Service names inside pods), and Traefik as Gateway API and Ingress controller.
// A ClusterIP can "answer" here even without kube-proxy (the packet leaves by the default route and
// something outside replies), so every check reads the body: the app and version that served it.
import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { testEnv } from '../../support/env';
import { applyJson, createNamespace, kubectl, nodesByKind, waitAvailable, waitFor } from './kube';
import {
  clientPod,
  clusterIp,
  httpGet,
  served,
  service,
  versionedApp,
  wgetInPod,
  type HttpAnswer,
} from './dataplane';

jest.setTimeout(300_000);

const stamp = randomBytes(4).toString('hex');
let ns = '';
let removeNamespace: (() => Promise<void>) | undefined;

function gatewayParent(): object {
  return {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name: testEnv('GATEWAY_NAME'),
    namespace: testEnv('GATEWAY_NAMESPACE'),
    sectionName: testEnv('GATEWAY_LISTENER'),
  };
}

function httpRoute(
  name: string,
  hostname: string,
  backends: Array<{ name: string; weight?: number }>,
): object {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: ns },
    spec: {
      parentRefs: [gatewayParent()],
      hostnames: [hostname],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: backends.map((b) => ({
            name: b.name,
            port: 80,
            ...(b.weight ? { weight: b.weight } : {}),
          })),
        },
      ],
    },
  };
}

/** Polls a GET through the gateway until the named app/version answers; returns that answer. */
function gatewayServes(host: string, want: string): Promise<HttpAnswer> {
  return waitFor(
    `${testEnv('GATEWAY_URL')} with Host ${host} served by "${want}"`,
    () => httpGet(testEnv('GATEWAY_URL'), host),
    (answer) => answer.status === 200 && served(answer.body) === want,
  );
}

function clusterIpServes(ip: string, want: string): Promise<HttpAnswer> {
  return waitFor(
    `http://${ip}/ served by "${want}"`,
    () => httpGet(`http://${ip}/`),
    (answer) => answer.status === 200 && served(answer.body) === want,
  );
}

beforeAll(async () => {
  const nodes = await nodesByKind();
  if (nodes.real.length === 0) {
    throw new Error(
      `The data plane needs the real node (KUBE_MODE=${nodes.mode}): \`npm run env:up\` in mixed (default) or real mode.`,
    );
  }
  const namespace = await createNamespace('env-dataplane');
  ns = namespace.name;
  removeNamespace = namespace.remove;
  await applyJson([
    versionedApp(ns, 'web', 'blue'),
    versionedApp(ns, 'web', 'green'),
    service(ns, 'web', { app: 'web', version: 'blue' }),
    service(ns, 'web-blue', { app: 'web', version: 'blue' }),
    service(ns, 'web-green', { app: 'web', version: 'green' }),
    service(ns, 'flip', { app: 'web', version: 'blue' }),
    clientPod(ns, 'client'),
  ]);
  await waitAvailable(ns, 'web-blue', 180);
  await waitAvailable(ns, 'web-green', 180);
  await kubectl(['wait', 'pod/client', '--namespace', ns, '--for=condition=Ready', '--timeout=180s']);
}, 420_000);

afterAll(async () => {
  await removeNamespace?.();
});

describe('the data plane of the real node', () => {
  it('kube-proxy: a ClusterIP Service reaches the real pods from the host', async () => {
    const ip = await clusterIp(ns, 'web');
    expect(ip.startsWith(testEnv('KUBE_SERVICE_CIDR').split('.').slice(0, 2).join('.') + '.')).toBe(true);
    const answer = await clusterIpServes(ip, 'web blue');
    expect(answer.body).toMatch(/^web blue web-blue-[a-z0-9]+-[a-z0-9]+$/);
    const green = await clusterIpServes(await clusterIp(ns, 'web-green'), 'web green');
    expect(green.body).toMatch(/^web green web-green-/);
  });

  it('dns + kube-proxy: a pod reaches a Service by its cluster DNS name and by its ClusterIP', async () => {
    // the kubelet gives pods the environment's cluster DNS as their resolver (ClusterFirst)
    const resolvConf = await kubectl([
      'exec',
      '--namespace',
      ns,
      'client',
      '--',
      '/bin/cat',
      '/etc/resolv.conf',
    ]);
    expect(resolvConf.stdout).toContain(`nameserver ${testEnv('CLUSTER_DNS')}`);
    const byName = await waitFor(
      'wget by DNS name from the client pod',
      () => wgetInPod(ns, 'client', `http://web.${ns}.svc.cluster.local/`),
      (body) => served(body) === 'web blue',
    );
    expect(byName).toMatch(/^web blue web-blue-/);
    const green = await wgetInPod(ns, 'client', `http://web-green.${ns}.svc.cluster.local/`);
    expect(green).toMatch(/^web green web-green-/);
    const byIp = await wgetInPod(ns, 'client', `http://${await clusterIp(ns, 'web')}/`);
    expect(byIp).toMatch(/^web blue web-blue-/);
  });

  it('dns: the cluster DNS answers Service A and PTR records to the host at CLUSTER_DNS_HOST_ADDR', async () => {
    const resolver = new dns.Resolver({ timeout: 3_000, tries: 2 });
    resolver.setServers([testEnv('CLUSTER_DNS_HOST_ADDR')]);
    const ip = await clusterIp(ns, 'web');
    expect(await resolver.resolve4(`web.${ns}.svc.cluster.local`)).toEqual([ip]);
    expect(await resolver.reverse(ip)).toEqual([`web.${ns}.svc.cluster.local`]);
    // the cluster zone is answered, not forwarded: a Service that does not exist is NXDOMAIN
    await expect(resolver.resolve4(`absent.${ns}.svc.cluster.local`)).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
  });

  it('gateway: an HTTPRoute attached to the Gateway serves its hostname through GATEWAY_URL', async () => {
    const host = `web-${stamp}.gateway.test`;
    await applyJson([httpRoute('web', host, [{ name: 'web' }])]);
    const answer = await gatewayServes(host, 'web blue');
    expect(answer.body).toMatch(/^web blue web-blue-/);
    // the route is bound to its hostname: another Host finds no route
    const other = await httpGet(testEnv('GATEWAY_URL'), `other-${stamp}.gateway.test`);
    expect(other.status).toBe(404);
    const route = JSON.parse(
      (await kubectl(['get', 'httproute', 'web', '--namespace', ns, '--output', 'json'])).stdout,
    ) as { status?: { parents?: Array<{ conditions?: Array<{ type: string; status: string }> }> } };
    const conditions = route.status?.parents?.[0]?.conditions ?? [];
    expect(conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Accepted', status: 'True' }),
        expect.objectContaining({ type: 'ResolvedRefs', status: 'True' }),
      ]),
    );
  });

  it('gateway: a 90/10 weighted HTTPRoute splits the answers about 90/10', async () => {
    const host = `split-${stamp}.gateway.test`;
    await applyJson([
      httpRoute('split', host, [
        { name: 'web-blue', weight: 90 },
        { name: 'web-green', weight: 10 },
      ]),
    ]);
    // both backends are in the route once each has answered at least once
    await waitFor(
      `both backends behind Host ${host}`,
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 20; i++) seen.add(served((await httpGet(testEnv('GATEWAY_URL'), host)).body));
        return [...seen].sort();
      },
      (seen) => seen.length === 2 && seen[0] === 'web blue' && seen[1] === 'web green',
    );
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const answer = await httpGet(testEnv('GATEWAY_URL'), host);
      const key = answer.status === 200 ? served(answer.body) : `status ${answer.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['web blue', 'web green']);
    expect(counts['web blue']).toBeGreaterThanOrEqual(170);
    expect(counts['web blue']).toBeLessThanOrEqual(190);
    expect(counts['web green']).toBe(200 - (counts['web blue'] ?? 0));
  });

  it('gateway: an Ingress of class INGRESS_CLASS serves through the same entrypoint', async () => {
    const host = `ingress-${stamp}.gateway.test`;
    await applyJson([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', namespace: ns },
        spec: {
          ingressClassName: testEnv('INGRESS_CLASS'),
          rules: [
            {
              host,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web-green', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ]);
    const answer = await gatewayServes(host, 'web green');
    expect(answer.body).toMatch(/^web green web-green-/);
  });

  it('a Service selector flip shows in the answers through the ClusterIP and through the gateway', async () => {
    const host = `flip-${stamp}.gateway.test`;
    await applyJson([httpRoute('flip', host, [{ name: 'flip' }])]);
    const ip = await clusterIp(ns, 'flip');
    await clusterIpServes(ip, 'web blue');
    await gatewayServes(host, 'web blue');

    await kubectl([
      'patch',
      'service',
      'flip',
      '--namespace',
      ns,
      '--type',
      'merge',
      '--patch',
      JSON.stringify({ spec: { selector: { app: 'web', version: 'green' } } }),
    ]);
    await clusterIpServes(ip, 'web green');
    await gatewayServes(host, 'web green');
    // once flipped, every answer comes from green, on both paths
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      answers.push(served((await httpGet(`http://${ip}/`)).body));
      answers.push(served((await httpGet(testEnv('GATEWAY_URL'), host)).body));
    }
    expect(new Set(answers)).toEqual(new Set(['web green']));
  });
});
