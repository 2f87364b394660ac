import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { UserError } from '@swiss-deploy/kit';
import { findServicePort, parseServiceRef, readyBackends } from '../../../packages/kube/port-forward';

const service: V1Service = {
  metadata: { name: 'web-preview', namespace: 'shop' },
  spec: {
    selector: { app: 'web', color: 'green' },
    ports: [
      { name: 'http', port: 80, targetPort: 'http' as never },
      { name: 'metrics', port: 9090, targetPort: 9102 as never },
    ],
  },
};

function slice(
  name: string,
  ports: { name: string; port: number }[],
  endpoints: V1EndpointSlice['endpoints'],
): V1EndpointSlice {
  return { addressType: 'IPv4', metadata: { name }, ports, endpoints };
}

const pod = (name: string) => ({ kind: 'Pod', name, namespace: 'shop' });

describe('parseServiceRef', () => {
  it('reads namespace/name:port with a port number or name', () => {
    expect(parseServiceRef('shop/web-preview:80')).toEqual({
      namespace: 'shop',
      name: 'web-preview',
      port: 80,
    });
    expect(parseServiceRef(' shop/web-preview:http ')).toEqual({
      namespace: 'shop',
      name: 'web-preview',
      port: 'http',
    });
  });

  it.each([
    ['web-preview:80', 'is not in the form namespace/name:port'],
    ['shop/web-preview', 'is not in the form namespace/name:port'],
    ['Shop/web:80', 'has an invalid namespace "Shop"'],
    ['shop/web_1:80', 'has an invalid Service name "web_1"'],
    ['shop/web:70000', 'has port 70000, outside 1-65535'],
    ['shop/web:-http', 'has an invalid port name "-http"'],
  ])('refuses %s: %s', (text, why) => {
    expect(() => parseServiceRef(text)).toThrow(new UserError(`Service "${text}" ${why}.`));
  });
});

describe('findServicePort', () => {
  it('finds a port by number or by name', () => {
    expect(findServicePort(service, { namespace: 'shop', name: 'web-preview', port: 80 }).name).toBe('http');
    expect(findServicePort(service, { namespace: 'shop', name: 'web-preview', port: 'metrics' }).port).toBe(
      9090,
    );
  });

  it('lists the ports the Service has when the one asked for is not there', () => {
    expect(() => findServicePort(service, { namespace: 'shop', name: 'web-preview', port: 8080 })).toThrow(
      'Service shop/web-preview has no port 8080; it has 80 (http), 9090 (metrics).',
    );
  });
});

describe('readyBackends', () => {
  const port = service.spec!.ports![0]!;

  it('takes the ready pods and the container port the slice resolved the named targetPort to', () => {
    const result = readyBackends(
      [
        slice(
          'web-preview-abc',
          [
            { name: 'http', port: 8080 },
            { name: 'metrics', port: 9102 },
          ],
          [
            { addresses: ['10.0.0.2'], conditions: { ready: true }, targetRef: pod('web-green-2') },
            { addresses: ['10.0.0.1'], conditions: {}, targetRef: pod('web-green-1') },
            { addresses: ['10.0.0.3'], conditions: { ready: false }, targetRef: pod('web-green-3') },
            {
              addresses: ['10.0.0.4'],
              conditions: { ready: true, terminating: true },
              targetRef: pod('web-green-4'),
            },
          ],
        ),
      ],
      port,
    );
    expect(result).toEqual({
      servicePort: { name: 'http', port: 80, targetPort: 'http' },
      ready: [
        { pod: 'web-green-1', port: 8080 },
        { pod: 'web-green-2', port: 8080 },
      ],
      notReady: ['web-green-3', 'web-green-4'],
    });
  });

  it('merges slices, skips FQDN slices and endpoints without a pod', () => {
    const result = readyBackends(
      [
        slice('a', [{ name: 'http', port: 8080 }], [{ addresses: ['10.0.0.1'], targetRef: pod('web-1') }]),
        slice(
          'b',
          [{ name: 'http', port: 8080 }],
          [{ addresses: ['10.0.0.9'] }, { addresses: ['10.0.0.1'], targetRef: pod('web-1') }],
        ),
        {
          ...slice(
            'c',
            [{ name: 'http', port: 8080 }],
            [{ addresses: ['db.example.test'], targetRef: pod('x') }],
          ),
          addressType: 'FQDN',
        },
      ],
      port,
    );
    expect(result.ready).toEqual([{ pod: 'web-1', port: 8080 }]);
    expect(result.notReady).toEqual(['10.0.0.9']);
  });

  it('matches an unnamed Service port to the unnamed slice port', () => {
    const result = readyBackends(
      [slice('a', [{ port: 3000 } as never], [{ addresses: ['10.0.0.1'], targetRef: pod('api-1') }])],
      { port: 80, targetPort: 3000 as never },
    );
    expect(result.ready).toEqual([{ pod: 'api-1', port: 3000 }]);
  });

  it('has no backends when no slice carries the port', () => {
    expect(
      readyBackends(
        [slice('a', [{ name: 'other', port: 1 }], [{ addresses: ['10.0.0.1'], targetRef: pod('p') }])],
        port,
      ).ready,
    ).toEqual([]);
  });
});
