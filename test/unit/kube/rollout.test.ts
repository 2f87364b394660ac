import { rolloutProgress, selectorString, type Deployment, type Pod } from '@swiss-deploy/kube';
import { endpointsState } from '../../../packages/kube/endpoints';
import { gateProgressLine, podProblem, podWaitingReason } from '../../../packages/kube/rollout';

const deployment = (status: Deployment['status'], generation = 2, replicas = 3): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'shop-green', generation },
  spec: { replicas },
  status,
});

const pod = (status: Pod['status']): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'shop-green-abc' },
  status,
});

describe('rolloutProgress', () => {
  it('is complete only when the controller saw the generation and every replica is updated, ready and available', () => {
    const done = {
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    };
    expect(rolloutProgress(deployment(done)).complete).toBe(true);
    expect(rolloutProgress(deployment({ ...done, observedGeneration: 1 })).complete).toBe(false);
    expect(rolloutProgress(deployment({ ...done, availableReplicas: 2 })).complete).toBe(false);
    expect(rolloutProgress(deployment({ ...done, replicas: 4 })).complete).toBe(false);
  });

  it('reports an exceeded progress deadline', () => {
    const progress = rolloutProgress(
      deployment({
        observedGeneration: 2,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "shop-green-1" has timed out progressing.',
          },
        ],
      }),
    );
    expect(progress.deadlineExceeded).toBe('ReplicaSet "shop-green-1" has timed out progressing.');
  });
});

describe('podProblem', () => {
  it.each([
    [
      'ImagePullBackOff',
      {
        containerStatuses: [
          {
            name: 'web',
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
          },
        ],
      },
    ],
    [
      'CrashLoopBackOff',
      {
        containerStatuses: [
          {
            name: 'web',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
    ],
    [
      'CreateContainerConfigError',
      {
        containerStatuses: [
          {
            name: 'web',
            state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "db" not found' } },
          },
        ],
      },
    ],
    [
      'Unschedulable',
      {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/2 nodes are available',
          },
        ],
      },
    ],
  ] as [string, Pod['status']][])('fails fast on %s', (reason, status) => {
    expect(podProblem(pod(status))).toMatchObject({ pod: 'shop-green-abc', reason });
  });

  it('tells the exit code of a crash loop', () => {
    const problem = podProblem(
      pod({
        containerStatuses: [
          {
            name: 'web',
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
            lastState: { terminated: { exitCode: 137, reason: 'Error' } },
          },
        ],
      }),
    );
    expect(problem?.message).toBe('back-off 10s (last exit code 137, Error)');
  });

  it('waits through states that may still heal', () => {
    expect(
      podProblem(
        pod({ containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ContainerCreating' } } }] }),
      ),
    ).toBeUndefined();
    expect(
      podProblem(
        pod({ containerStatuses: [{ name: 'web', state: { waiting: { reason: 'ErrImagePull' } } }] }),
      ),
    ).toBeUndefined();
    expect(
      podWaitingReason(pod({ containerStatuses: [{ name: 'web', ready: false, state: { running: {} } }] })),
    ).toBe('web: running but not ready (readiness probe failing)');
  });
});

describe('selectorString', () => {
  it('writes matchLabels and expressions the way the API takes them', () => {
    expect(selectorString({ a: '1', b: '2' })).toBe('a=1,b=2');
    expect(
      selectorString({
        matchLabels: { a: '1' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['web', 'api'] },
          { key: 'x', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('a=1,tier in (web,api),!x');
  });
});

describe('endpointsState', () => {
  it('counts ready endpoints of the expected pods and names any other pod', () => {
    const slices = [
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 's' },
        endpoints: [
          { addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: { name: 'new-1' } },
          { addresses: ['10.0.0.2'], conditions: { ready: false }, targetRef: { name: 'new-2' } },
          { addresses: ['10.0.0.3'], conditions: { ready: true }, targetRef: { name: 'old-1' } },
        ],
      },
    ];
    expect(endpointsState(slices, new Set(['new-1', 'new-2']))).toEqual({ ready: 1, foreign: ['old-1'] });
  });
});

describe('gate progress counts only the new revision’s pods', () => {
  const ready = (name: string, deleting = false): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(deleting ? { deletionTimestamp: '2026-12-02T09:00:00Z' } : {}) },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const starting = (name: string): Pod => ({
    ...ready(name),
    status: { conditions: [{ type: 'Ready', status: 'False' }] },
  });
  // The idle color still runs 3 pods of the previous revision, all ready: the Deployment says 3 ready.
  const idle = deployment({ replicas: 5, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });

  it.each([
    [
      'no new pod ready yet',
      [starting('a'), starting('b')],
      'web-blue: 0/3 of revision 7 ready (2 old pods still terminating)',
      0,
    ],
    [
      'one new pod ready',
      [ready('a'), starting('b'), starting('c')],
      'web-blue: 1/3 of revision 7 ready (2 old pods still terminating)',
      1,
    ],
    [
      'a new pod being deleted is not ready',
      [ready('a', true), ready('b')],
      'web-blue: 1/3 of revision 7 ready (2 old pods still terminating)',
      1,
    ],
  ])('%s', (_case, pods, line, count) => {
    const progress = gateProgressLine('web-blue', idle, pods, 7);
    expect(progress.line).toBe(line);
    expect(progress.ready).toBe(count);
  });

  it('drops the old-pod note once only the new revision is left', () => {
    const done = deployment({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(gateProgressLine('web-blue', done, [ready('a'), ready('b'), ready('c')], 7).line).toBe(
      'web-blue: 3/3 of revision 7 ready',
    );
    expect(gateProgressLine('web-blue', done, [ready('a')]).line).toBe('web-blue: 1/3 of the new pods ready');
  });
});
