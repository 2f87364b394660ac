// HEALTHCHECK for Node.js images: GET http://127.0.0.1:$PORT$HEALTHCHECK_PATH, healthy on 2xx.
// Node itself does the request because the minimal runtime images carry neither curl nor wget.
import * as http from 'node:http';

const port = Number(process.env.PORT || 8080);
const path = process.env.HEALTHCHECK_PATH || '/healthz';
const request = http.get({ host: '127.0.0.1', port, path, timeout: 2000 }, (response) => {
  response.resume();
  process.exit(response.statusCode >= 200 && response.statusCode < 300 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
