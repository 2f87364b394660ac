// Helpers for the data-plane tests: pods on the real node that answer with a version of their own, a
// client pod to call from inside the cluster, and plain HTTP from the host with a Host header of our choice.
import * as http from 'node:http';
import { testEnv } from '../../support/env';
import { httpdDeployment, realNodeScheduling } from '../../support/real-node';
import { kubectl } from './kube';

/**
 * A Deployment of the test image (busybox httpd) whose pods answer `/` with "<app> <version> <pod name>",
 * labelled app=<app>, version=<version>.
 */
export function versionedApp(namespace: string, app: string, version: string): object {
  return httpdDeployment({
    name: `${app}-${version}`,
    namespace,
    labels: { app, version },
    setup: `echo "${app} ${version} $(hostname)" > /www/index.html`,
    readyPath: '/',
  });
}

/** A ClusterIP Service on port 80 in front of the pods matching `selector`. */
export function service(namespace: string, name: string, selector: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

/** A pod on the real node that only sleeps: the place to call Services from inside the cluster. */
export function clientPod(namespace: string, name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      ...realNodeScheduling(),
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'client',
          image: testEnv('KUBE_TEST_IMAGE'),
          imagePullPolicy: 'Never',
          command: ['/bin/sleep', '3600'],
        },
      ],
    },
  };
}

/** busybox wget inside the pod; resolves with the body, or with "error: …" when wget fails. */
export async function wgetInPod(namespace: string, pod: string, url: string): Promise<string> {
  try {
    const result = await kubectl([
      'exec',
      '--namespace',
      namespace,
      pod,
      '--',
      // busybox's own timeout: its wget crashes on -T here (Debian busybox-static 1.35)
      '/bin/busybox',
      'timeout',
      '10',
      '/bin/busybox',
      'wget',
      '-q',
      '-O',
      '-',
      url,
    ]);
    return result.stdout.trim();
  } catch (error) {
    return `error: ${(error as Error).message.split('\n').slice(-3).join(' ')}`;
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * One GET from the host. `host` sets the Host header (fetch() does not let it be set); a connection error
 * resolves as status 0 with the error in the body, so a poll can show what it last saw.
 */
export function httpGet(url: string, host?: string): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const request = http.get(
      url,
      { headers: host ? { host } : {}, timeout: 5_000, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: body.trim() }));
        response.on('error', (error) => resolve({ status: 0, body: `error: ${error.message}` }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => resolve({ status: 0, body: `error: ${error.message}` }));
  });
}

/** The ClusterIP the API server gave a Service. */
export async function clusterIp(namespace: string, name: string): Promise<string> {
  const result = await kubectl([
    'get',
    'service',
    name,
    '--namespace',
    namespace,
    '--output',
    'jsonpath={.spec.clusterIP}',
  ]);
  const ip = result.stdout.trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip))
    throw new Error(`service ${namespace}/${name} has no ClusterIP: "${ip}"`);
  return ip;
}

/** The first word pair of an answer ("web blue"), which names the app and the version that served it. */
export function served(body: string): string {
  return body.split(/\s+/).slice(0, 2).join(' ');
}
