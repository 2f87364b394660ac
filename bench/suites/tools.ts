// render-helm: the bundle rendering the built-in chart with the environment's helm (reused from PATH), start to
// exit. smoke-test: a load burst at concurrency 10 against a tiny HTTP server of ours on 127.0.0.1; requests per
// second measured on the server from the burst's first to its last request.
import { rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { env } from '../lib/cluster';
import { actionMissing, runStep, scratch } from '../lib/step';
import { stat, type Row, type Skip } from '../lib/stats';

const IMAGE_REF = `registry.example/shop@sha256:${'ab'.repeat(32)}`;

export async function renderHelm(runs: number): Promise<{ rows: Row[]; skips: Skip[]; raw: unknown }> {
  const missing = actionMissing('render-helm');
  if (missing) return { rows: [], skips: [{ suite: 'render-helm', reason: missing }], raw: {} };
  const home = scratch('helm-home');
  const ms: number[] = [];
  try {
    const runEnv = {
      PATH: `${env('TOOLS_BIN_DIR')}:${process.env.PATH}`,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
    };
    // One warm-up run (page cache, helm's first start), then the timed ones.
    for (let i = 0; i <= runs; i++) {
      const workspace = scratch('helm-ws');
      try {
        const run = await runStep({
          action: 'render-helm',
          workspace,
          env: runEnv,
          inputs: {
            release: 'shop',
            namespace: 'shop',
            'image-ref': IMAGE_REF,
            'helm-version': env('HELM_VERSION').replace(/^v/, ''),
          },
          timeoutMs: 120_000,
        });
        if (run.exitCode !== 0)
          throw new Error(`render-helm failed: ${run.errors.join(' | ') || run.stderr}`);
        if (i > 0) ms.push(run.ms);
      } finally {
        rmSync(workspace, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return {
    rows: [
      {
        suite: 'render-helm',
        measurement: 'built-in chart, lint on, start → exit',
        stat: stat(ms, 'ms'),
      },
    ],
    skips: [],
    raw: { ms },
  };
}

export async function smokeRps(
  runs: number,
  requests: number,
): Promise<{ rows: Row[]; skips: Skip[]; raw: unknown }> {
  const missing = actionMissing('smoke-test');
  if (missing) return { rows: [], skips: [{ suite: 'smoke-test', reason: missing }], raw: {} };
  let times: number[] = [];
  const server = http.createServer((request, response) => {
    times.push(performance.now());
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
    response.end('ok\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const rps: number[] = [];
  const raw: unknown[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      times = [];
      const run = await runStep({
        action: 'smoke-test',
        inputs: { url, concurrency: '10', load: `{requests: ${requests}}` },
        timeoutMs: 300_000,
      });
      if (run.exitCode !== 0) throw new Error(`smoke-test failed: ${run.errors.join(' | ') || run.stderr}`);
      // The last `requests` requests are the burst; the ones before are the check's tries.
      const burst = times.slice(-requests);
      const seconds = ((burst.at(-1) as number) - (burst[0] as number)) / 1000;
      const value = (burst.length - 1) / seconds;
      rps.push(value);
      raw.push({
        rps: value,
        received: times.length,
        p50: run.outputs.p50,
        p95: run.outputs.p95,
        ms: run.ms,
      });
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return {
    rows: [
      {
        suite: 'smoke-test',
        measurement: `load burst of ${requests} requests at concurrency 10, loopback`,
        stat: stat(rps, 'req/s'),
      },
    ],
    skips: [],
    raw,
  };
}
