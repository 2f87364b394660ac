// A small static file server for single-page apps and documentation sites, with no dependencies:
// GET/HEAD only, no directory listings, no path escapes, long caching for hashed assets, an SPA
// fallback to index.html, security headers, and /healthz for probes. Runs as the non-root app user.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

const root = path.resolve(process.env.STATIC_ROOT || '/srv/www');
const port = Number(process.env.PORT || 8080);
const spa = (process.env.STATIC_SPA_FALLBACK || 'true') === 'true';
// Reading the files anew per request serves edits at once: the development compose mounts the site.
const noCache = (process.env.STATIC_NO_CACHE || 'false') === 'true';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.webmanifest': 'application/manifest+json',
};
const HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Frame-Options': 'DENY',
};

function resolveFile(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return undefined;
  }
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) {
      const index = path.join(file, 'index.html');
      return fs.existsSync(index) ? index : undefined;
    }
    return stat.isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz' || req.url === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain', ...HEADERS });
    res.end('ok\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', ...HEADERS });
    res.end();
    return;
  }
  let file = resolveFile(req.url || '/');
  let status = 200;
  if (!file && spa && !path.extname(req.url || '')) file = resolveFile('/index.html');
  if (!file) {
    status = 404;
    res.writeHead(status, { 'Content-Type': 'text/plain', ...HEADERS });
    res.end('not found\n');
    return;
  }
  const hashed = /\.[0-9a-f]{8,}\./.test(path.basename(file));
  const cache = noCache ? 'no-store' : hashed ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(status, {
    'Content-Type': TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream',
    'Cache-Control': cache,
    ...HEADERS,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  fs.createReadStream(file).pipe(res);
});

server.listen(port, () => console.log(`serving ${root} on :${port}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
