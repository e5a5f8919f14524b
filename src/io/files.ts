/**
 * Every file regcert reads or writes goes through here (reads: read.ts,
 * bounded and regular files only).
 *
 * Writes are planned first and committed second, per directory, under that
 * directory's lock (lock.ts), so concurrent regcert runs take turns and the
 * "does it exist?" check and the write happen without another run between
 * them. Before planning, every directory on the way is checked (safe-path.ts:
 * no symbolic links but the operating system's own, no directory others can
 * write without the sticky bit), and work a killed run left behind is
 * finished or cleaned (see "Interrupted writes" below).
 *
 * Planning checks every target (exists? symlink? a directory?) before the
 * first byte is written, so a refused run changes nothing. Then every file
 * is written to a temporary file `.NAME.<random>.tmp` in its directory
 * (fsync, chmod to the exact mode whatever the umask).
 *
 * Sets are atomic. A key and its certificate (ca.key + ca.crt [+ ca-chain.crt],
 * NAME.key + NAME.crt, client.key + client.cert + ca.crt [+ hosts.toml]) live
 * at fixed names in a shared directory, so no single rename can switch them;
 * instead one rename is the commit point and the rest is rolled forward:
 *   1. all temporaries written and fsynced (a kill here: the old set stands;
 *      the temporaries are removed by the next run);
 *   2. a journal `.regcert-journal.<random>` naming each temporary and its
 *      target is written as a temporary, fsynced and renamed into place:
 *      that rename commits the new set;
 *   3. the old certificates and other public files of the set are unlinked
 *      ("withdrawn"), then the keys and secrets are renamed into place, then
 *      the certificates — so a key is never beside a certificate of the other
 *      set: a kill leaves the old set, the new set, or the new keys with the
 *      certificates still missing, never a mismatched pair;
 *   4. the directory is fsynced and the journal removed.
 * Every later write into the directory (and readCa, pki.ts) first completes
 * any journal it finds under the lock (steps 3–4 are idempotent: an entry
 * whose temporary is gone was already applied) and removes stale temporary
 * files. A set with one file in a directory needs no journal: its rename is
 * atomic. A set spread over several directories (install-host for several
 * runtimes) is atomic per directory.
 *
 * Many sets at once (writeFileSets, for `issue --batch`): the sets of one
 * directory are committed together, with the same steps — one lock, one
 * journal naming every temporary of every set, one flush of the temporaries
 * to disk (a file-system sync where the system has one, else an fsync per
 * file), one directory fsync per step. A kill leaves every set of the chunk
 * old (or absent) or rolled forward by the journal, never half of a set.
 * A set of one file (renew keeping the key: the certificate alone) is not
 * withdrawn in step 3: its rename replaces it whole (an unlink of each of
 * thousands of certificates was most of renew --all's time).
 */
import { randomBytes } from 'node:crypto';
import { constants as FS, promises as fsp, closeSync, fchmodSync, lstatSync, openSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
import { CA_DIR_FILES, isCaDirOwnFile } from '../core/ca-dir.js';
import { inputError, operationError } from '../core/errors.js';
import { withDirLock } from './lock.js';
import { pathExists, readInputFile, statIfExists } from './read.js';
import { assertSafeWriteDir } from './safe-path.js';
import { findTool, runTool } from './tool.js';

export type FileKind =
  | 'ca-certificate'
  | 'ca-key'
  | 'ca-chain'
  | 'certificate'
  | 'private-key'
  | 'pkcs12'
  | 'password'
  | 'client-certificate'
  | 'client-key'
  | 'ca-bundle'
  | 'config'
  | 'other';

export interface PlannedFile {
  path: string;
  data: string | Uint8Array;
  /** 0o600 for anything holding a secret, 0o644 otherwise. */
  mode: number;
  kind: FileKind;
  /**
   * false: in a set, this file is replaced by its rename alone, never unlinked
   * first — for a file a server reads at any moment and that pairs with no key
   * (crl.pem: nginx must always find one; inventory.jsonl). Default: public
   * files of a set are withdrawn first (a certificate is never beside the
   * other set's key).
   */
  withdraw?: boolean;
}

export interface WrittenFile {
  path: string;
  kind: FileKind;
  /** Octal string, e.g. "0600". */
  mode: string;
  /** written: new or replaced; unchanged: identical file already there; planned: --dry-run. */
  status: 'written' | 'unchanged' | 'planned';
}

export interface WriteOptions {
  force?: boolean;
  dryRun?: boolean;
  /** Mode for directories created on the way (default 0755). */
  dirMode?: number;
  /**
   * The caller is one of the CA directory's own writers (init-ca, the
   * inventory and CRL writers): it may write ca.key, ca.crt, inventory.jsonl,
   * crl.pem … in a directory that holds a CA key. Every other writer is
   * refused there (see assertNotCaDirFile).
   */
  caDirOwner?: boolean;
}

export function modeString(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/**
 * existed: a file was at the target when planned (so a commit withdraws it).
 * alone: the only file of its set (writeFileSets): its rename replaces it whole,
 * there is no partner to be seen beside it, so it is not withdrawn first.
 */
type Plan = { file: PlannedFile; status: WrittenFile['status']; existed: boolean; alone?: boolean };

/** The bytes a planned file holds (a view of them, not a copy). */
function bytesOf(data: string | Uint8Array): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Is the existing regular file at p byte-for-byte `wanted`? Reads at most
 * wanted.length + 1 bytes, by direct system calls (writeFileSets: a chunk may
 * replace hundreds of files).
 */
function sameContent(p: string, size: number, wanted: Buffer): boolean {
  if (size !== wanted.length) return false;
  const fd = openSync(p, FS.O_RDONLY | (FS.O_NOFOLLOW ?? 0) | (FS.O_NONBLOCK ?? 0));
  try {
    const buf = Buffer.alloc(wanted.length + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return n === wanted.length && buf.subarray(0, n).equals(wanted);
  } finally {
    closeSync(fd);
  }
}

/**
 * The plan for a file at the target: refused unless a regular file; left
 * alone when it holds the content (and mode) already, else replaced with force.
 */
function planExisting(file: PlannedFile, opts: WriteOptions, st: Stats): Plan {
  if (st.isSymbolicLink()) {
    throw operationError('SYMLINK_TARGET', `refusing to write through the symbolic link ${file.path}`, 'remove the link or choose another output path');
  }
  if (!st.isFile()) {
    throw operationError('NOT_A_FILE', `${file.path} exists and is not a regular file`, 'remove it or choose another output path');
  }
  if ((st.mode & 0o777) === file.mode && sameContent(file.path, st.size, bytesOf(file.data))) return { file, status: 'unchanged', existed: true };
  if (!opts.force) throw existsError(file.path, 'pass --force to replace it, or choose another directory');
  return { file, status: opts.dryRun ? 'planned' : 'written', existed: true };
}

async function planOne(file: PlannedFile, opts: WriteOptions): Promise<Plan> {
  let st;
  try {
    st = await fsp.lstat(file.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, status: opts.dryRun ? 'planned' : 'written', existed: false };
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw inputError('NOT_A_DIRECTORY', `cannot write ${file.path}: a parent is not a directory`, 'choose another output directory');
    }
    throw e;
  }
  return planExisting(file, opts, st);
}

/** `.NAME.<12 hex>.tmp`: a temporary file of this writer (a journal's own temporary included). */
const TEMP_RE = /^\..+\.[0-9a-f]{12}\.tmp$/;
const JOURNAL_RE = /^\.regcert-journal\.[0-9a-f]{12}$/;
/** Temporaries and journals this process is writing right now: never "stale". */
const live = new Set<string>();

/** Random hex for temporary names, drawn 6 bytes at a time from a pool (a batch names thousands). */
let randomPool = Buffer.alloc(0);
let randomAt = 0;
function randomHex12(): string {
  if (randomAt + 6 > randomPool.length) {
    randomPool = randomBytes(6 * 256);
    randomAt = 0;
  }
  randomAt += 6;
  return randomPool.toString('hex', randomAt - 6, randomAt);
}

/** A fresh temporary name beside `target` (absolute: `live` is matched against absolute paths). */
function tempPath(target: string): string {
  const abs = path.resolve(target);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${randomHex12()}.tmp`);
}

const TEMP_FLAGS = FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | (FS.O_NOFOLLOW ?? 0);

/**
 * Phase 1: the content in a temporary file beside the target, with the exact
 * mode, synced. dirMode undefined: the directory is known to exist.
 */
async function writeTemp(target: string, data: string | Uint8Array, mode: number, dirMode: number | undefined): Promise<string> {
  if (dirMode !== undefined) await fsp.mkdir(path.dirname(path.resolve(target)), { recursive: true, mode: dirMode });
  const tmp = tempPath(target);
  live.add(tmp);
  const fh = await fsp.open(tmp, TEMP_FLAGS, mode);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode); // the umask never weakens (or strengthens) the mode we promise
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    live.delete(tmp);
    throw e;
  }
  await fh.close();
  return tmp;
}

/**
 * writeTemp for writeFileSets: the same file, by direct system calls (no
 * thread-pool round trip per call: thousands of small files), not synced
 * (the caller flushes the whole chunk at once: syncFiles).
 */
function writeTempNow(target: string, data: string | Uint8Array, mode: number): string {
  const tmp = tempPath(target);
  live.add(tmp);
  const fd = openSync(tmp, TEMP_FLAGS, mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let at = 0; at < buf.length; ) at += writeSync(fd, buf, at, buf.length - at);
    fchmodSync(fd, mode); // as writeTemp
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    live.delete(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

async function syncDir(dir: string): Promise<void> {
  const dh = await fsp.open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    /* some file systems cannot fsync a directory */
  } finally {
    await dh.close();
  }
}

interface JournalEntry {
  /** Base names in the journal's directory. */
  tmp: string;
  target: string;
  /** Unlinked before any entry is renamed (certificates and other public files). */
  withdraw: boolean;
}

/**
 * Files one journal may name: a writeFileSets chunk (MAX_SET_FILES) with room
 * to spare; its journal stays far below the 1 MiB read cap of a 'config' file.
 */
const MAX_JOURNAL_ENTRIES = 4096;
/** Files writeFileSets commits under one journal at most (callers split bigger batches). */
export const MAX_SET_FILES = 2048;

/** Keys and secrets go in first; what pairs with them (certificates, bundles, configs) is withdrawn, then goes in last. */
const FIRST_KINDS: ReadonlySet<FileKind> = new Set(['ca-key', 'private-key', 'client-key', 'password']);

function isPlainName(n: unknown): n is string {
  return typeof n === 'string' && n !== '' && n !== '.' && n !== '..' && !n.includes('/') && !n.includes('\0');
}

async function readJournal(file: string): Promise<JournalEntry[]> {
  const bad = () => operationError('BAD_JOURNAL', `${file} is not a journal regcert can complete`, `look at it, then remove it and check the files in ${path.dirname(file)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(await readInputFile(file, 'journal', undefined, 'config')).toString('utf8'));
  } catch {
    throw bad();
  }
  const entries = (doc as { regcert?: unknown; entries?: unknown })?.entries;
  if ((doc as { regcert?: unknown })?.regcert !== 'journal/1' || !Array.isArray(entries) || entries.length > MAX_JOURNAL_ENTRIES) throw bad();
  for (const e of entries as Array<Partial<JournalEntry>>) {
    if (!isPlainName(e?.target) || !isPlainName(e?.tmp) || !TEMP_RE.test(e.tmp) || typeof e.withdraw !== 'boolean') throw bad();
  }
  return entries as JournalEntry[];
}

/**
 * Steps 3–4 (idempotent): withdraw, rename keys, rename the rest, sync, drop
 * the journal. `fresh` (writeFileSets): the caller wrote these temporaries
 * under the lock just now (all pending), and names the targets that existed
 * (the only ones to withdraw).
 */
async function applyJournal(dir: string, journal: string, entries: JournalEntry[], fresh?: { existing: ReadonlySet<string> }): Promise<void> {
  if (fresh !== undefined) {
    await applyFresh(dir, entries, fresh.existing);
  } else {
    const pending = async (e: JournalEntry) => (await fsp.lstat(path.join(dir, e.tmp)).catch(() => undefined))?.isFile() === true;
    for (const e of entries) if (e.withdraw && (await pending(e))) await fsp.rm(path.join(dir, e.target), { force: true });
    for (const withdraw of [false, true]) {
      for (const e of entries) if (e.withdraw === withdraw && (await pending(e))) await fsp.rename(path.join(dir, e.tmp), path.join(dir, e.target));
    }
  }
  await syncDir(dir);
  await fsp.rm(journal, { force: true });
  await syncDir(dir);
}

/**
 * Replacing or removing a file frees its blocks: on some file systems (ext4
 * mounted with discard and no journal) each costs a round trip to the device,
 * 0.3–1.5 ms, which side by side on the thread pool overlap. renew --all
 * replaces thousands.
 */
const REPLACE_CONCURRENCY = 16;

/**
 * applyJournal's steps 3 for temporaries the caller wrote just now under the
 * lock (writeFileSets: all pending; `existing` names the targets that were
 * there). New names by direct system calls (no thread-pool round trip each);
 * existing targets withdrawn, or replaced, side by side (same order of steps:
 * withdraw, keys and lone files, the rest).
 */
async function applyFresh(dir: string, entries: JournalEntry[], existing: ReadonlySet<string>): Promise<void> {
  await forEachLimit(
    entries.filter((e) => e.withdraw && existing.has(e.target)),
    REPLACE_CONCURRENCY,
    (e) => fsp.rm(path.join(dir, e.target), { force: true }),
  );
  for (const withdraw of [false, true]) {
    const step = entries.filter((e) => e.withdraw === withdraw);
    const replacing = (e: JournalEntry) => !e.withdraw && existing.has(e.target);
    for (const e of step) if (!replacing(e)) renameSync(path.join(dir, e.tmp), path.join(dir, e.target));
    await forEachLimit(step.filter(replacing), REPLACE_CONCURRENCY, (e) => fsp.rename(path.join(dir, e.tmp), path.join(dir, e.target)));
  }
}

/**
 * Finishes what a killed writer left in dir (call under dir's lock): every
 * journal is rolled forward, then temporaries that no journal owns are removed.
 */
async function recoverDir(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const n of names.filter((n) => JOURNAL_RE.test(n)).sort()) {
    const journal = path.join(dir, n);
    if (live.has(journal)) continue;
    await applyJournal(dir, journal, await readJournal(journal));
  }
  for (const n of names.filter((n) => TEMP_RE.test(n))) {
    const p = path.join(dir, n);
    if (live.has(p)) continue;
    if ((await fsp.lstat(p).catch(() => undefined))?.isFile()) await fsp.rm(p, { force: true });
  }
}

/**
 * Readers of a pair (readCa) call this first: when a killed run left a
 * journal in dir, it is completed under the lock, so the pair read is one set.
 * With temporaries (a writer about to look at dir, e.g. issue --batch), stale
 * temporary files alone are also reason to clean up, under the same lock.
 */
export async function completeInterruptedWrites(dir: string, opts: { temporaries?: boolean } = {}): Promise<void> {
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  if (!names.some((n) => JOURNAL_RE.test(n) || (opts.temporaries === true && TEMP_RE.test(n)))) return;
  try {
    await withDirLock(dir, () => recoverDir(path.resolve(dir)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw operationError('INTERRUPTED_WRITE', `a regcert write into ${dir} was interrupted and cannot be completed without write access`, `run the command again as a user who can write ${dir} (e.g. with sudo)`, { cause: e });
    }
    throw e;
  }
}

/** Runs fn over items, at most `limit` at a time; every started call has settled before the first error is thrown. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { e: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.e;
}

/** Files fsynced at once (syncFiles without syncfs): keeps the thread pool busy without flooding it. */
const WRITE_CONCURRENCY = 16;
/**
 * From this many files, one sync of the file system (coreutils `sync
 * --file-system`: syncfs(2)) replaces an fsync per file: an fsync costs
 * 0.4–1 ms on this kind of disk, the syncfs of a whole chunk a few ms.
 * Absolute paths only: a `sync` found on PATH could be anything.
 */
const FS_SYNC_MIN_FILES = 32;
const FS_SYNC_TOOLS = ['/usr/bin/sync', '/bin/sync'];
const FS_SYNC_TIMEOUT_MS = 120_000;
let fsSyncTool: Promise<string | undefined> | undefined;

/**
 * Makes the files durable: syncfs(2) of their file system through `sync
 * --file-system` (Linux) when there are many, else (or when that fails) an
 * fsync of each. Either way they are on disk when this returns.
 */
async function syncFiles(dir: string, files: string[]): Promise<void> {
  if (files.length >= FS_SYNC_MIN_FILES && process.platform === 'linux') {
    fsSyncTool ??= (async () => {
      for (const t of FS_SYNC_TOOLS) if ((await findTool(path.basename(t), { PATH: path.dirname(t) })) === t) return t;
      return undefined;
    })();
    const tool = await fsSyncTool;
    const r = tool === undefined ? undefined : await runTool(tool, ['--file-system', dir], { timeoutMs: FS_SYNC_TIMEOUT_MS }).catch(() => undefined);
    if (r?.code === 0) return;
  }
  await forEachLimit(files, WRITE_CONCURRENCY, async (f) => {
    const fh = await fsp.open(f, FS.O_RDONLY | (FS.O_NOFOLLOW ?? 0));
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

/**
 * Steps 1–4 for the files of one directory (held under its lock). many
 * (writeFileSets): the temporaries are written and renamed by direct system
 * calls and flushed to disk together (syncFiles), not one by one.
 */
async function commitDir(dir: string, plans: Plan[], dirMode: number, many = false): Promise<void> {
  const mine: string[] = []; // every temporary and journal name this call adds to `live`
  const temps: Array<{ tmp: string; file: PlannedFile }> = []; // removed on failure unless a journal owns them
  try {
    if (many) {
      await fsp.mkdir(dir, { recursive: true, mode: dirMode });
      for (const { file } of plans) {
        const tmp = writeTempNow(file.path, file.data, file.mode);
        mine.push(tmp);
        temps.push({ tmp, file });
      }
      await syncFiles(dir, temps.map((t) => t.tmp));
    } else {
      for (const { file } of plans) {
        const tmp = await writeTemp(file.path, file.data, file.mode, dirMode);
        mine.push(tmp);
        temps.push({ tmp, file });
      }
    }
    if (temps.length === 1) {
      await fsp.rename(temps[0]!.tmp, temps[0]!.file.path);
      temps.length = 0;
      await syncDir(dir);
      return;
    }
    const alone = new Set(temps.filter((_t, i) => plans[i]!.alone === true).map((t) => t.tmp));
    const entries: JournalEntry[] = temps.map(({ tmp, file }) => ({ tmp: path.basename(tmp), target: path.basename(file.path), withdraw: file.withdraw ?? (!FIRST_KINDS.has(file.kind) && !alone.has(tmp)) }));
    const journal = path.join(dir, `.regcert-journal.${randomBytes(6).toString('hex')}`);
    live.add(journal);
    mine.push(journal);
    const jtmp = await writeTemp(journal, `${JSON.stringify({ regcert: 'journal/1', pid: process.pid, entries }, null, many ? undefined : 1)}\n`, 0o600, dirMode);
    mine.push(jtmp);
    try {
      // The commit point: from here on the new set is rolled forward (direct in a chunk, as its other renames).
      if (many) renameSync(jtmp, journal);
      else await fsp.rename(jtmp, journal);
    } catch (e) {
      await fsp.rm(jtmp, { force: true });
      throw e;
    }
    temps.length = 0; // owned by the journal now
    await syncDir(dir);
    await applyJournal(dir, journal, entries, many ? { existing: new Set(plans.filter((p) => p.existed).map((p) => path.basename(p.file.path))) } : undefined);
  } finally {
    await Promise.all(temps.map(({ tmp }) => fsp.rm(tmp, { force: true })));
    for (const n of mine) live.delete(n);
  }
}

/** Holds the locks of dirs (sorted: two runs never wait on each other crosswise), then runs fn. */
function withDirLocks<T>(dirs: string[], dirMode: number, fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = dirs;
  if (first === undefined) return fn();
  return withDirLock(first, () => withDirLocks(rest, dirMode, fn), { dirMode });
}

function existsError(p: string, hint: string) {
  // The operation was refused, not the input: exit 1 (errors.ts), the same for every command.
  return operationError('FILE_EXISTS', `${p} already exists`, hint, { details: { path: p } });
}

/**
 * Refuses early (before keys are made or prompts shown) when any target
 * exists and --force was not given. writeFiles checks again at write time.
 */
export async function refuseExisting(paths: string[], force: boolean | undefined, hint: string): Promise<void> {
  if (force) return;
  for (const p of paths) if (await pathExists(p)) throw existsError(p, hint);
}

/**
 * Refuses (exit 2, before anything is written, --force or not) a target that
 * is one of a CA directory's own files (core/ca-dir.ts isCaDirOwnFile) in a
 * directory holding a CA key and certificate: only the CA's own writers (caDirOwner) write
 * those. `to-p12 --out pki/ca.key --force` or `fetch-ca --out pki/ca.crt
 * --force` would otherwise replace the CA.
 */
async function assertNotCaDirFile(file: string): Promise<void> {
  const base = path.basename(file);
  if (!isCaDirOwnFile(base)) return;
  const dir = path.dirname(path.resolve(file));
  // A CA directory holds the CA's key and certificate side by side (a certs.d folder with a stray
  // ca.key, which install-host warns about, is not one).
  for (const f of [CA_DIR_FILES.caKey, CA_DIR_FILES.caCertificate]) if ((await statIfExists(path.join(dir, f))) === undefined) return;
  throw inputError('CA_DIR_FILE', `refusing to write ${file}: ${dir} is a CA directory (it holds ca.key and ca.crt) and ${base} is its own file (only init-ca, crl and revoke write it)`, 'choose another output path');
}

/**
 * Checks every target, then writes them all, as one set per directory (see
 * the top of this file). Files identical to what is already there (content
 * and mode) are left alone and reported "unchanged".
 */
export async function writeFiles(files: PlannedFile[], opts: WriteOptions = {}): Promise<WrittenFile[]> {
  const seen = new Set<string>();
  for (const f of files) {
    const abs = path.resolve(f.path);
    if (seen.has(abs)) throw inputError('DUPLICATE_OUTPUT', `two outputs would both be written to ${f.path}`, 'choose distinct output paths');
    seen.add(abs);
  }
  if (!opts.caDirOwner) for (const f of files) await assertNotCaDirFile(f.path);
  const dirs = [...new Set(files.map((f) => path.dirname(path.resolve(f.path))))].sort();
  for (const dir of dirs) await assertSafeWriteDir(dir);
  const plan = async () => {
    const plans: Plan[] = [];
    for (const f of files) plans.push(await planOne(f, opts));
    return plans;
  };
  let plans: Plan[];
  if (opts.dryRun) {
    plans = await plan(); // a dry run creates nothing, not even a lock
  } else {
    // The locks below create missing folders: when one is missing, every target is checked
    // first, so a run refused (a target that exists, without --force) leaves no empty folder.
    if ((await Promise.all(dirs.map((d) => pathExists(d)))).includes(false)) await plan();
    const dirMode = opts.dirMode ?? 0o755;
    plans = await withDirLocks(dirs, dirMode, async () => {
      for (const dir of dirs) await recoverDir(dir);
      const planned = await plan();
      for (const dir of dirs) {
        const todo = planned.filter((p) => p.status === 'written' && path.dirname(path.resolve(p.file.path)) === dir);
        if (todo.length > 0) await commitDir(dir, todo, dirMode);
      }
      return planned;
    });
  }
  return plans.map((p) => ({ path: p.file.path, kind: p.file.kind, mode: modeString(p.file.mode), status: p.status }));
}

/** One set of writeFileSets: its files, and whether existing files of it may be replaced. */
export interface FileSet {
  files: PlannedFile[];
  force?: boolean | undefined;
}

/**
 * Many sets in ONE directory, committed together (issue --batch): every
 * target checked as writeFiles checks it, then one lock, one journal and one
 * flush for them all (see the top of this file). After a kill at any instant
 * each set is all old (or absent) or, through the journal the next writer or
 * reader completes, all new. At most MAX_SET_FILES files: callers split
 * bigger batches into chunks. A file identical to the one there is left alone.
 */
export async function writeFileSets(dir: string, sets: readonly FileSet[], opts: { dirMode?: number } = {}): Promise<void> {
  const abs = path.resolve(dir);
  const seen = new Set<string>();
  for (const set of sets) {
    for (const f of set.files) {
      const p = path.resolve(f.path);
      if (path.dirname(p) !== abs) throw new Error(`writeFileSets: ${f.path} is not in ${dir}`);
      if (seen.has(p)) throw inputError('DUPLICATE_OUTPUT', `two outputs would both be written to ${f.path}`, 'choose distinct output paths');
      seen.add(p);
    }
  }
  if (seen.size === 0) return;
  if (seen.size > MAX_SET_FILES) throw new Error(`writeFileSets: more than ${MAX_SET_FILES} files at once`);
  for (const set of sets) for (const f of set.files) await assertNotCaDirFile(f.path);
  await assertSafeWriteDir(abs);
  const dirMode = opts.dirMode ?? 0o755;
  await withDirLock(
    abs,
    async () => {
      await recoverDir(abs);
      const todo: Plan[] = [];
      for (const set of sets) {
        for (const f of set.files) {
          // From one direct lstat: nothing there (issue --batch), or a file planned as writeFiles plans it, by direct calls (renew --all).
          const st = lstatSync(f.path, { throwIfNoEntry: false });
          const p: Plan = st === undefined ? { file: f, status: 'written', existed: false } : planExisting(f, { force: set.force === true }, st);
          if (p.status === 'written') todo.push(set.files.length === 1 ? { ...p, alone: true } : p);
        }
      }
      if (todo.length > 0) await commitDir(abs, todo, dirMode, true);
    },
    { dirMode },
  );
}

/** Every input file is read here, bounded by kind (see read.ts). */
export { pathExists, readInputFile, readInputFileSync, statIfExists, statIfExistsSync, type InputKind } from './read.js';

/**
 * Appends text to a log-like file (created with `mode`, never through a
 * symbolic link) and syncs it before returning: what a later run reads back
 * is on disk. Used for the PKCS#12 password manifest of `issue --batch`.
 */
export async function appendDurably(file: string, text: string, mode: number): Promise<void> {
  // The same checks as every writer: no symlinked or shared-writable directory on the way, and the directory's lock.
  const dir = path.dirname(file);
  await assertSafeWriteDir(dir);
  await withDirLock(dir, async () => {
    let fh;
    try {
      fh = await fsp.open(file, FS.O_WRONLY | FS.O_APPEND | FS.O_CREAT | (FS.O_NOFOLLOW ?? 0), mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') {
        throw operationError('SYMLINK_TARGET', `refusing to write through the symbolic link ${file}`, 'remove the link or choose another output path');
      }
      throw e;
    }
    try {
      await fh.chmod(mode);
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

/** Removes one file (never through a symbolic link on the way: the directory is checked as writers check it), under its directory's lock. */
export async function removeFile(file: string): Promise<void> {
  const dir = path.dirname(file);
  await assertSafeWriteDir(dir);
  await withDirLock(dir, () => fsp.rm(file, { force: true }));
}

/**
 * Undo for multi-step commands (quickstart): removes the files a run wrote
 * new (status "written"), then the directories that are left empty. Files
 * that were already there ("unchanged") are never touched.
 */
export async function removeWrittenFiles(files: WrittenFile[], stopAt: string, opts: { keepRoot?: boolean } = {}): Promise<void> {
  const dirs = new Set<string>();
  for (const f of files) {
    if (f.status !== 'written') continue;
    await fsp.rm(f.path, { force: true });
    for (let d = path.dirname(path.resolve(f.path)); d.startsWith(path.resolve(stopAt)); d = path.dirname(d)) dirs.add(d);
  }
  if (opts.keepRoot) dirs.delete(path.resolve(stopAt));
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    await fsp.rmdir(d).catch(() => {
      /* not empty: something else lives there */
    });
  }
}
