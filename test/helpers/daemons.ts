/**
 * Real container daemons in tests (containerd, dockerd, podman): started as
 * root with every path in the test's temp dir, stopped by PID, every wait
 * bounded. Missing prerequisites FAIL (CI runs as root with the packages of
 * scripts/setup.sh); nothing is skipped. `systemFootprint` lets a test check
 * that no daemon, mount or file outside its temp dir was left behind.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './cli.js';
import { requireBinary, spawnStoppable, type Server } from './proc.js';

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} needs root (private daemons, mount namespaces): CI runs as root; run the tests with sudo`);
}

/** Resolves when check() is true; rejects after timeoutMs. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type Daemon = Server;

/** Starts a long-running program; stop() sends SIGTERM, then SIGKILL after 10 s, and waits for the exit. */
export function startDaemon(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Daemon {
  const { exited: _exited, ...daemon } = spawnStoppable(requireBinary(cmd), args, { env, killAfterMs: 10_000 });
  return daemon;
}

/** Processes whose command line names `dir` (a daemon, shim or helper left running). */
export function processesUsing(dir: string): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) out.push(`${p}: ${cmd}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Mounts in this (the host's) mount namespace that name `dir`. */
export function mountsUsing(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));
}

/** What the daemons could touch outside the temp dir: these paths' existence, listings and mtimes. */
const SYSTEM_PATHS = [
  '/etc/docker',
  '/etc/containers',
  '/etc/containerd',
  '/etc/hosts',
  '/var/lib/docker',
  '/var/lib/containerd',
  // Not /var/lib/containers: other test files run skopeo as root, which writes its blob-info cache there.
  // The tests here run skopeo and podman with a private tmpfs over /var/lib (privateMounts).
  '/run/docker',
  '/run/docker.sock',
  '/run/containerd',
  '/run/containers',
];

export function systemFootprint(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of SYSTEM_PATHS) {
    if (!existsSync(p)) {
      out[p] = 'absent';
      continue;
    }
    const st = statSync(p);
    out[p] = st.isDirectory() ? `dir ${readdirSync(p).sort().join(',')} ${st.mtimeMs}` : `file ${st.size} ${st.mtimeMs}`;
  }
  out.mounts = String(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length);
  return out;
}

/** Runs a command inside the mount namespace of `pid` (nsenter), bounded. */
export function inNamespace(pid: number, cmd: string, args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}) {
  return run(requireBinary('nsenter'), ['-t', String(pid), '-m', '--', cmd, ...args], opts);
}

/**
 * A shell script run in a private mount namespace: `mounts` (bind or tmpfs)
 * are set up first and vanish with the namespace when the script exits.
 */
export function privateMounts(mounts: Array<{ target: string; source?: string; mkdir?: string[] }>, script: string): { cmd: string; args: string[] } {
  const setup = mounts
    .map((m) => [m.source ? `mount --bind '${m.source}' '${m.target}'` : `mount -t tmpfs tmpfs '${m.target}'`, ...(m.mkdir ?? []).map((d) => `mkdir -p '${d}'`)].join('\n'))
    .join('\n');
  return { cmd: requireBinary('unshare'), args: ['-m', '--propagation', 'private', 'sh', '-euc', `${setup}\n${script}`] };
}

/**
 * Stops everything a daemon test started (by PID), then checks that nothing
 * is left: no process naming the temp dir (daemons wait up to 20 s for their
 * children), no mount naming it in this namespace, no change outside it.
 */
export async function stopAndCheckClean(dir: string, before: Record<string, string>, stops: Array<{ stop: () => Promise<void> } | undefined>): Promise<void> {
  for (const s of stops) await s?.stop();
  await waitFor('every process started in the test to exit', () => processesUsing(dir).length === 0, 20_000);
  const mounts = mountsUsing(dir);
  const after = systemFootprint();
  if (mounts.length > 0) throw new Error(`mounts left behind:\n${mounts.join('\n')}`);
  for (const [k, v] of Object.entries(before)) if (after[k] !== v) throw new Error(`${k} changed outside the test's temp dir: ${v} → ${after[k]}`);
}

/** A containerd 1.6 config with root, state and every socket under dir (CRI off unless asked). */
export function containerdConfig(dir: string, extra = '', cri = false): string {
  const p = (...s: string[]) => path.join(dir, ...s);
  return [
    'version = 2',
    `root = "${p('root')}"`,
    `state = "${p('state')}"`,
    ...(cri ? [] : ['disabled_plugins = ["io.containerd.grpc.v1.cri"]']),
    '[grpc]',
    `  address = "${p('c.sock')}"`,
    '[ttrpc]',
    `  address = "${p('c.sock')}.ttrpc"`,
    '[debug]',
    `  address = "${p('debug.sock')}"`,
    extra,
  ].join('\n');
}

/** A private containerd daemon in dir (see containerdConfig), ready for `ctr`; stop it with daemon.stop(). */
export async function startContainerd(dir: string): Promise<{ daemon: Daemon; sock: string; ctr: (args: string[]) => ReturnType<typeof run> }> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.toml'), containerdConfig(dir));
  const sock = path.join(dir, 'c.sock');
  const ctr = (args: string[]) => run(requireBinary('ctr'), ['--address', sock, ...args], { timeoutMs: 90_000 });
  const daemon = startDaemon('containerd', ['--config', path.join(dir, 'config.toml')]);
  try {
    await waitFor('containerd', async () => (await ctr(['version'])).code === 0);
  } catch (e) {
    await daemon.stop();
    throw e;
  }
  return { daemon, sock, ctr };
}
