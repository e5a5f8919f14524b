/**
 * A hostile HTTPS server for the trust and bounds tests, run as its own
 * process (started and stopped by PID through test/helpers/proc.ts):
 *
 *   node hostile-https.mjs PORT CERT KEY ROUTES_JSON
 *
 * ROUTES_JSON maps a path to what it answers:
 *   { "text": "..." }                     the text, once
 *   { "repeat": "...", "times": N }       the text N times (no Content-Length)
 *   { "repeat": "...", "bytes": N, "length": true }  N bytes of it, with Content-Length
 *   { "repeat": "..." }                   the text forever, as fast as the client reads
 * Anything else: 404. Listens on 127.0.0.1 only; SIGTERM stops it.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [port, cert, key, routesJson] = process.argv.slice(2);
const routes = JSON.parse(routesJson);

const server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  const route = routes[req.url ?? ''];
  if (!route) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  if (route.text !== undefined) {
    res.writeHead(200, { 'content-type': route.type ?? 'application/json' }).end(route.text);
    return;
  }
  const chunk = Buffer.from(route.repeat.repeat(Math.max(1, Math.floor(65536 / route.repeat.length))));
  let left = route.bytes ?? (route.times !== undefined ? route.times * route.repeat.length : Infinity);
  const headers = { 'content-type': route.type ?? 'application/x-pem-file' };
  if (route.length) headers['content-length'] = String(left);
  res.writeHead(200, headers);
  const pump = () => {
    while (left > 0) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      if (!res.write(part)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('close', () => {
    left = 0;
  });
  pump();
});
server.on('tlsClientError', () => {});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening on ${port}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
});
