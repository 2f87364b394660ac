// Smallest HTTP app for the registry round-trip check: answers /healthz with the build stamp.
const http = require('http');
const fs = require('fs');
const stamp = fs.readFileSync('/app/stamp.txt', 'utf8').trim();
http
  .createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz' ? `ok ${stamp}\n` : 'not found\n');
  })
  .listen(Number(process.env.PORT || 8080), () => console.log('listening'));
