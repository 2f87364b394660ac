// The example app the quick start deploys: a tiny HTTP service with no dependencies.
//   GET /healthz  liveness: the process serves requests
//   GET /readyz   readiness: 503 while starting up or draining, 200 otherwise
//   GET /version  {"version": APP_VERSION, "color": DEPLOY_COLOR, ...} so a blue/green switch is visible
//   GET /metrics  Prometheus text exposition: requests by code, a latency histogram (app routes only)
//   GET /         a greeting
// FAIL_RATIO (0–1) answers that share of app requests with 500, evenly spread, to rehearse a bad release.
// Logs are JSON lines carrying the app, version, revision and color.
import * as http from 'node:http';
import * as os from 'node:os';

const port = Number(process.env.PORT || 8080);
const version = process.env.APP_VERSION || 'dev';
const startupDelayMs = Number(process.env.STARTUP_DELAY_MS || 0);
// After SIGTERM the pod keeps serving this long (Services and routes take a moment to drop it), then closes.
const drainDelayMs = Number(process.env.DRAIN_DELAY_MS || 5000);
// A kept-alive connection older than this is closed after its next answer, so clients that hold connections
// open reach the color traffic was switched to within this window (a ClusterIP pins a connection to a pod).
const connectionMaxAgeMs = Number(process.env.CONNECTION_MAX_AGE_MS || 10000);
const failRatio = Math.min(1, Math.max(0, Number(process.env.FAIL_RATIO || 0)));
const identity = {
  app: process.env.APP_NAME || 'example-app',
  version,
  revision: process.env.APP_REVISION || '',
  color: process.env.DEPLOY_COLOR || '',
};
const started = new Date();
let ready = false;
let draining = false;

function logLine(level, msg, fields = {}) {
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...identity, ...fields }));
}

// Metrics of the app routes (probes and /metrics are left out: they would dilute the error ratio).
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const byCode = new Map();
const bucketCounts = BUCKETS.map(() => 0);
let durationSum = 0;
let durationCount = 0;
let appRequests = 0;
let failed = 0;

function observe(code, seconds) {
  byCode.set(code, (byCode.get(code) ?? 0) + 1);
  BUCKETS.forEach((le, i) => {
    if (seconds <= le) bucketCounts[i] += 1;
  });
  durationSum += seconds;
  durationCount += 1;
}

const escapeLabel = (value) =>
  String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (extra = {}) =>
  Object.entries({ ...identity, ...extra })
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');

function exposition() {
  const lines = [
    '# HELP http_requests_total App requests answered, by status code.',
    '# TYPE http_requests_total counter',
    ...[...byCode.entries()].map(([code, n]) => `http_requests_total{${labelText({ code })}} ${n}`),
    '# HELP http_request_duration_seconds Time to answer an app request.',
    '# TYPE http_request_duration_seconds histogram',
    ...BUCKETS.map(
      (le, i) => `http_request_duration_seconds_bucket{${labelText({ le })}} ${bucketCounts[i]}`,
    ),
    `http_request_duration_seconds_bucket{${labelText({ le: '+Inf' })}} ${durationCount}`,
    `http_request_duration_seconds_sum{${labelText()}} ${durationSum}`,
    `http_request_duration_seconds_count{${labelText()}} ${durationCount}`,
    '# HELP app_info The running build.',
    '# TYPE app_info gauge',
    `app_info{${labelText()}} 1`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Whether this app request fails: exactly FAIL_RATIO of them, spread evenly. */
function shouldFail() {
  appRequests += 1;
  if (failed < Math.floor(appRequests * failRatio)) {
    failed += 1;
    return true;
  }
  return false;
}

const openedAt = new WeakMap();

function send(res, status, body) {
  const text = typeof body === 'string' ? `${body}\n` : `${JSON.stringify(body)}\n`;
  const age = Date.now() - (openedAt.get(res.socket) ?? Date.now());
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Cache-Control': 'no-store',
    // Draining or old: this answer is the connection's last, the client opens a new one for the next.
    ...(draining || age > connectionMaxAgeMs ? { Connection: 'close' } : {}),
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const path = (req.url || '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
  if (path === '/metrics') {
    res.writeHead(200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    return res.end(exposition());
  }
  if (path === '/healthz' || path === '/readyz') return route(path, res);
  const begun = process.hrtime.bigint();
  res.on('finish', () => {
    observe(String(res.statusCode), Number(process.hrtime.bigint() - begun) / 1e9);
    if (res.statusCode >= 500) logLine('error', 'request failed', { path, status: res.statusCode });
  });
  if (shouldFail()) return send(res, 500, 'injected failure (FAIL_RATIO)');
  return route(path, res);
});

function route(path, res) {
  switch (path) {
    case '/healthz':
      return send(res, 200, 'ok');
    case '/readyz':
      return ready && !draining
        ? send(res, 200, 'ready')
        : send(res, 503, draining ? 'draining' : 'starting');
    case '/version':
      return send(res, 200, {
        version,
        color: process.env.DEPLOY_COLOR || null,
        revision: process.env.APP_REVISION || null,
        hostname: os.hostname(),
        started: started.toISOString(),
      });
    case '/':
      return send(res, 200, `Grüezi from example-app ${version}`);
    default:
      return send(res, 404, 'not found');
  }
}

server.on('connection', (socket) => openedAt.set(socket, Date.now()));

server.listen(port, () => {
  logLine('info', 'listening', { port, failRatio });
  setTimeout(() => (ready = true), startupDelayMs);
});

// Kubernetes sends SIGTERM while Services and routes are still dropping the pod: report not-ready, keep
// answering (each answer closing its connection) for the drain delay, then stop accepting, close idle
// kept-alive connections, finish in-flight requests and exit.
function shutdown(signal) {
  if (draining) return;
  draining = true;
  logLine('info', 'draining', { signal, drainDelayMs });
  setTimeout(() => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  }, drainDelayMs).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
