import { decodeRevision, encodeRevision } from '../../../packages/bluegreen/revisions';
import type { RevisionRecord } from '../../../packages/bluegreen/types';

describe('the revision store encoding', () => {
  const record: RevisionRecord = {
    app: 'shop',
    namespace: 'prod',
    revision: 12,
    color: 'green',
    previousColor: 'blue',
    outcome: 'succeeded',
    manifestDigest: `sha256:${'1'.repeat(64)}`,
    manifests: Array.from({ length: 20 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `config-${i}` },
      data: { text: 'same text '.repeat(50) },
    })),
    images: [
      { workload: 'shop', container: 'web', image: 'registry.example/shop@sha256:abc', digest: 'sha256:abc' },
    ],
    commit: '9f3c2a1b',
    runUrl: 'https://github.com/swiss/example-app/actions/runs/1',
    startedAt: '2026-11-21T22:00:00.000Z',
    finishedAt: '2026-11-21T22:01:00.000Z',
  };

  it('round-trips a record through gzip and base64', () => {
    expect(decodeRevision(encodeRevision(record))).toEqual(record);
  });

  it('compresses: the stored text is much smaller than the JSON', () => {
    expect(encodeRevision(record).length * 5).toBeLessThan(JSON.stringify(record).length);
  });
});
