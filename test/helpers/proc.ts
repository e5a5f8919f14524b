/**
 * Real servers in tests: started on 127.0.0.1 and a free port, remembered by
 * PID, stopped by that PID, and every wait bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { execFileSync } from 'node:child_process';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when host:port (default 127.0.0.1) accepts a TCP connection; rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 15_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Server {
  pid: number;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Spawns a long-running program and returns a stop() that kills it by PID:
 * SIGTERM, then SIGKILL after killAfterMs, and waits for the exit (bounded).
 */
export function spawnStoppable(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Server & { exited: Promise<void> } {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${cmd}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const t = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.killAfterMs ?? 5000);
    await exited;
    clearTimeout(t);
  };
  return { pid, child, output: () => out, stop, exited };
}

/** Starts a server process, waits for its port, and returns a stop() that kills it by PID (bounded). */
export async function startServer(cmd: string, args: string[], port: number, opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; host?: string } = {}): Promise<Server> {
  const { exited, ...server } = spawnStoppable(cmd, args, opts);
  try {
    await Promise.race([
      waitForPort(port, opts.timeoutMs ?? 15_000, opts.host),
      exited.then(() => {
        throw new Error(`${cmd} exited before listening:\n${server.output()}`);
      }),
    ]);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Fails loudly (no silent skip) when a peer program is missing: .ci/run installs them. */
export function requireBinary(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed: run "bash scripts/setup.sh" (installs the Debian packages the tests use)`);
  }
}
