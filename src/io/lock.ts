/**
 * One lock per directory, so that regcert processes writing into the same
 * directory (two `issue` runs, `init-ca --force` twice, an inventory update)
 * take turns instead of interleaving their files.
 *
 * The lock is the file DIR/.regcert.lock, created with O_EXCL and holding the
 * owner's pid and host name. A lock whose owner is a dead process on this
 * host (SIGKILL, power loss) is stale and is taken over. Inside one process,
 * callers of the same directory queue behind each other, and a call made
 * while the current async context already holds the lock runs at once
 * (re-entrant), so `issue` may lock the CA directory and then write into it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { constants as FS, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { operationError } from '../core/errors.js';

export const LOCK_FILE_NAME = '.regcert.lock';

export interface LockOptions {
  /** How long to wait for another process's lock (default 30 s). */
  timeoutMs?: number;
  /** Mode of the directory if it has to be created (default 0755). */
  dirMode?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const POLL_MS = 20;

const held = new AsyncLocalStorage<ReadonlySet<string>>();
/** In-process queue per directory: the tail promise of the last waiter. */
const queues = new Map<string, Promise<void>>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner recorded in a lock file, or undefined when it cannot be read (being written, or gone). */
async function readOwner(lockPath: string): Promise<{ pid: number; host: string } | undefined> {
  try {
    const [pid, host] = (await fsp.readFile(lockPath, 'utf8')).split('\n');
    const n = Number(pid);
    return Number.isSafeInteger(n) && n > 0 && host !== undefined ? { pid: n, host } : undefined;
  } catch {
    return undefined;
  }
}

async function tryCreate(lockPath: string): Promise<boolean> {
  try {
    const fh = await fsp.open(lockPath, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | (FS.O_NOFOLLOW ?? 0), 0o600);
    try {
      await fh.writeFile(`${process.pid}\n${os.hostname()}\n${new Date().toISOString()}\n`);
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function acquireFileLock(dir: string, timeoutMs: number): Promise<() => Promise<void>> {
  const lockPath = path.join(dir, LOCK_FILE_NAME);
  const deadline = Date.now() + timeoutMs;
  let unreadableSince: number | undefined;
  for (;;) {
    if (await tryCreate(lockPath)) return () => fsp.rm(lockPath, { force: true });
    const owner = await readOwner(lockPath);
    if (owner === undefined) {
      // Created but not yet written, or left empty by a crash between create and write.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 2_000) await fsp.rm(lockPath, { force: true });
    } else {
      unreadableSince = undefined;
      if (owner.host === os.hostname() && !isAlive(owner.pid)) {
        await fsp.rm(lockPath, { force: true }); // stale: its owner is gone
        continue;
      }
    }
    if (Date.now() > deadline) {
      throw operationError(
        'LOCKED',
        `${dir} is locked by another regcert process${owner ? ` (pid ${owner.pid} on ${owner.host})` : ''}`,
        `wait for it to finish; if no regcert is running, remove ${lockPath}`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Runs fn while holding DIR's lock (creating DIR if needed). */
export async function withDirLock<T>(dir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const abs = path.resolve(dir);
  const mine = held.getStore();
  if (mine?.has(abs)) return fn();

  const previous = queues.get(abs) ?? Promise.resolve();
  let release!: () => void;
  const turn = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => turn);
  queues.set(abs, tail);
  await previous;
  try {
    await fsp.mkdir(abs, { recursive: true, mode: opts.dirMode ?? 0o755 });
    const unlock = await acquireFileLock(abs, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      return await held.run(new Set([...(mine ?? []), abs]), fn);
    } finally {
      await unlock();
    }
  } finally {
    release();
    if (queues.get(abs) === tail) queues.delete(abs);
  }
}
