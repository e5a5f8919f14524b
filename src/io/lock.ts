/**
 * One lock per directory, so that regcert processes writing into the same
 * directory (two `issue` runs, `init-ca --force` twice, an inventory update)
 * take turns instead of interleaving their files.
 *
 * The lock is the file DIR/.regcert.lock, created with O_EXCL and holding the
 * owner's pid and host name. A lock whose owner is a dead process on this
 * host (SIGKILL, power loss) is stale and is taken over (removeStale: only
 * that very lock, so two waiters never both win). Inside one process,
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
const TAKEOVER_STALE_MS = 2_000;

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

/** The lock file's text and the owner recorded in it; undefined when it cannot be read (being written, or gone). */
async function readOwner(lockPath: string): Promise<{ text: string; owner?: { pid: number; host: string } } | undefined> {
  let text: string;
  try {
    // A lock file is three short lines; more is not ours (bounded read).
    const fh = await fsp.open(lockPath, FS.O_RDONLY | (FS.O_NOFOLLOW ?? 0) | (FS.O_NONBLOCK ?? 0));
    try {
      const buf = Buffer.alloc(1024);
      text = buf.subarray(0, (await fh.read(buf, 0, buf.length, 0)).bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  const [pid, host] = text.split('\n');
  const n = Number(pid);
  return Number.isSafeInteger(n) && n > 0 && host !== undefined && host !== '' ? { text, owner: { pid: n, host } } : { text };
}

/**
 * Removes a stale lock, but only the very lock that was judged stale: two
 * waiters that both saw it must not remove the fresh lock one of them made
 * since. The removal runs inside a second O_EXCL file (LOCK.takeover) and
 * re-reads the lock's text first; a takeover file left by a crash is
 * removed once it is older than TAKEOVER_STALE_MS (the section takes ms).
 */
async function removeStale(lockPath: string, staleText: string): Promise<void> {
  const guard = `${lockPath}.takeover`;
  if (!(await tryCreate(guard))) {
    const st = await fsp.lstat(guard).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > TAKEOVER_STALE_MS) await fsp.rm(guard, { force: true });
    return;
  }
  try {
    if ((await readOwner(lockPath))?.text === staleText) await fsp.rm(lockPath, { force: true });
  } finally {
    await fsp.rm(guard, { force: true });
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
  let unownedSince: number | undefined;
  for (;;) {
    if (await tryCreate(lockPath)) return () => fsp.rm(lockPath, { force: true });
    const read = await readOwner(lockPath);
    const owner = read?.owner;
    if (read !== undefined && owner === undefined) {
      // Created but not yet written, or left empty by a crash between create and write.
      unownedSince ??= Date.now();
      if (Date.now() - unownedSince > 2_000) await removeStale(lockPath, read.text);
    } else {
      unownedSince = undefined;
      if (owner !== undefined && owner.host === os.hostname() && !isAlive(owner.pid)) {
        await removeStale(lockPath, read!.text); // stale: its owner is gone
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
