/**
 * nginx as a test peer: one configuration frame (foreground, one worker,
 * logs and temp files under PREFIX), the caller's http-block body, started
 * and stopped by PID through startServer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireBinary, startServer, type Server } from './proc.js';

/** Writes PREFIX/nginx.conf around `http` (server blocks, maps) and starts nginx, waiting for `firstPort`. */
export async function startNginx(prefix: string, http: string, firstPort: number): Promise<Server> {
  mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const conf = `
user root root;
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log info;
events { worker_connections 64; }
http {
  access_log ${prefix}/logs/access.log;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
${http}
}
`;
  writeFileSync(path.join(prefix, 'nginx.conf'), conf);
  return startServer(requireBinary('nginx'), ['-e', 'stderr', '-p', prefix, '-c', path.join(prefix, 'nginx.conf')], firstPort);
}
