/** nginx as a test peer: a self-contained nginx.conf under PREFIX, started in the foreground and stopped by PID. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireBinary, startServer, type Server } from './proc.js';

/** Writes PREFIX/nginx.conf with `http` as the body of the http { } block (logs and temp paths under PREFIX). */
export function writeNginxConf(prefix: string, http: string): string {
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
  const file = path.join(prefix, 'nginx.conf');
  writeFileSync(file, conf);
  return file;
}

/** Starts nginx with PREFIX/nginx.conf and waits for `port`. */
export function startNginx(prefix: string, port: number): Promise<Server> {
  return startServer(requireBinary('nginx'), ['-e', 'stderr', '-p', prefix, '-c', path.join(prefix, 'nginx.conf')], port);
}
