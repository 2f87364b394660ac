// The jaeger component: OTLP/HTTP JSON in, the trace back out of the query API; every listener on loopback.
import { randomBytes } from 'node:crypto';
import { testEnv } from '../../support/env';

const query = testEnv('JAEGER_URL');
const otlp = testEnv('JAEGER_OTLP_ENDPOINT');

describe('the jaeger component', () => {
  it('listens on loopback only', () => {
    expect(new URL(query).hostname).toBe('127.0.0.1');
    expect(new URL(otlp).hostname).toBe('127.0.0.1');
  });

  it('takes an OTLP/HTTP JSON span and serves it back by trace id and by service', async () => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const service = `env-test-${randomBytes(3).toString('hex')}`;
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              scope: { name: 'env-test' },
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'probe',
                  kind: 1,
                  startTimeUnixNano: String(now - 5_000_000n),
                  endTimeUnixNano: String(now),
                },
              ],
            },
          ],
        },
      ],
    };
    const sent = await fetch(`${otlp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(sent.status).toBe(200);
    let spans: { operationName: string }[] = [];
    for (let tries = 0; tries < 50 && spans.length === 0; tries++) {
      const answer = await fetch(`${query}/api/traces/${traceId}`);
      if (answer.ok)
        spans = ((await answer.json()) as { data: { spans: typeof spans }[] }).data[0]?.spans ?? [];
      if (spans.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(spans.map((s) => s.operationName)).toEqual(['probe']);
    const byService = (await (await fetch(`${query}/api/traces?service=${service}`)).json()) as {
      data: { traceID: string }[];
    };
    expect(byService.data.map((t) => t.traceID)).toEqual([traceId]);
  });
});
