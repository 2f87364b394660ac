// The example app the quick start deploys: a tiny HTTP service with no dependencies.
//   GET /healthz  liveness: the process serves requests
//   GET /readyz   readiness: 503 while starting up or draining, 200 otherwise
//   GET /version  {"version": APP_VERSION, "color": DEPLOY_COLOR, ...} so a blue/green switch is visible
//   GET /         a greeting
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
const started = new Date();
let ready = false;
let draining = false;

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
});

server.on('connection', (socket) => openedAt.set(socket, Date.now()));

server.listen(port, () => {
  console.log(JSON.stringify({ msg: 'listening', port, version }));
  setTimeout(() => (ready = true), startupDelayMs);
});

// Kubernetes sends SIGTERM while Services and routes are still dropping the pod: report not-ready, keep
// answering (each answer closing its connection) for the drain delay, then stop accepting, close idle
// kept-alive connections, finish in-flight requests and exit.
function shutdown(signal) {
  if (draining) return;
  draining = true;
  console.log(JSON.stringify({ msg: 'draining', signal, drainDelayMs }));
  setTimeout(() => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  }, drainDelayMs).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
