/**
 * Running the system's own tools (update-ca-certificates, certutil,
 * keytool): found on PATH first, so a missing one is reported before
 * anything is changed, then run without a shell, with a time limit, a cap
 * on what is kept of their output, and secrets only in the environment.
 */
import { constants as FS, promises as fsp } from 'node:fs';
import path from 'node:path';
import { operationError } from '../core/errors.js';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A tool's run that takes longer than this is stopped and reported (update-ca-certificates with its hooks is the slowest). */
const TOOL_TIMEOUT_MS = 120_000;
/** What is kept of a tool's stdout and stderr each. */
const TOOL_OUTPUT_BYTES = 4 * 1024 * 1024;

/** The absolute path of an executable on PATH (plus the sbin folders root's tools live in), or undefined. */
export async function findTool(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter((d) => d !== ''), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      await fsp.access(file, FS.X_OK);
      if ((await fsp.stat(file)).isFile()) return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** findTool, or an exit-1 error that names the package to install. */
export async function requireTool(name: string, pkg: string): Promise<string> {
  const file = await findTool(name);
  if (file === undefined) throw operationError('MISSING_TOOL', `${name} is not installed`, `install it (${pkg}) and run the command again`);
  return file;
}

export async function runTool(
  file: string,
  args: string[],
  opts: { input?: string | undefined; env?: Record<string, string> | undefined; timeoutMs?: number | undefined } = {},
): Promise<ToolResult> {
  // node:child_process (with net and dgram) loads when a tool runs: io/files.ts imports this
  // module for syncfs, and issue and renew start faster without it (issue 21).
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    child.stdout.on('data', (d: Buffer) => {
      if (outBytes < TOOL_OUTPUT_BYTES) out.push(d);
      outBytes += d.length;
    });
    child.stderr.on('data', (d: Buffer) => {
      if (errBytes < TOOL_OUTPUT_BYTES) err.push(d);
      errBytes += d.length;
    });
    const ms = opts.timeoutMs ?? TOOL_TIMEOUT_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(operationError('TOOL_TIMEOUT', `${path.basename(file)} did not finish within ${ms / 1000} s`, 'run it by hand to see what it waits for'));
    }, ms);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(operationError('TOOL_FAILED', `cannot run ${file}: ${e.message}`, 'check that it is installed and executable', { cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {
      /* a tool may exit without reading its input */
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The last lines of a tool's complaint, one line, for an error message. */
export function toolComplaint(r: ToolResult): string {
  const text = `${r.stderr}\n${r.stdout}`.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
  return text.split('\n').filter((l) => l.trim() !== '').slice(-3).join(' / ').slice(0, 500) || `exit code ${r.code}`;
}
