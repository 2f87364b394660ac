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
const started = new Date();
let ready = false;
let draining = false;

function send(res, status, body) {
  const text = typeof body === 'string' ? `${body}\n` : `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Cache-Control': 'no-store',
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

server.listen(port, () => {
  console.log(JSON.stringify({ msg: 'listening', port, version }));
  setTimeout(() => (ready = true), startupDelayMs);
});

// Kubernetes sends SIGTERM, then stops routing: report not-ready first, finish in-flight requests, exit.
function shutdown(signal) {
  if (draining) return;
  draining = true;
  console.log(JSON.stringify({ msg: 'draining', signal }));
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 10_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
