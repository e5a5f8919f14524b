/**
 * Every file regcert reads or writes goes through here.
 *
 * Writes are planned first and committed second: every target is checked
 * (exists? symlink? a directory?) before the first byte is written, so a
 * refused run changes nothing. Then every file is written to a temporary
 * file in its directory (fsync, chmod to the exact mode whatever the umask)
 * and only when all of them are written are they renamed into place, so a
 * failed write leaves no target changed; last, the directories are fsynced.
 */
import { randomBytes } from 'node:crypto';
import { constants as FS, promises as fsp } from 'node:fs';
import path from 'node:path';
import { inputError, operationError } from '../core/errors.js';

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
}

export function modeString(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

type Plan = { file: PlannedFile; status: WrittenFile['status'] };

async function planOne(file: PlannedFile, opts: WriteOptions): Promise<Plan> {
  let st;
  try {
    st = await fsp.lstat(file.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, status: opts.dryRun ? 'planned' : 'written' };
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw inputError('NOT_A_DIRECTORY', `cannot write ${file.path}: a parent is not a directory`, 'choose another output directory');
    }
    throw e;
  }
  if (st.isSymbolicLink()) {
    throw operationError('SYMLINK_TARGET', `refusing to write through the symbolic link ${file.path}`, 'remove the link or choose another output path');
  }
  if (!st.isFile()) {
    throw operationError('NOT_A_FILE', `${file.path} exists and is not a regular file`, 'remove it or choose another output path');
  }
  const existing = await fsp.readFile(file.path);
  const wanted = typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : Buffer.from(file.data);
  if (existing.equals(wanted) && (st.mode & 0o777) === file.mode) return { file, status: 'unchanged' };
  if (!opts.force) throw existsError(file.path, 'pass --force to replace it, or choose another directory');
  return { file, status: opts.dryRun ? 'planned' : 'written' };
}

/** Phase 1: the content in a temporary file beside the target, synced, with the exact mode. */
async function writeTemp(file: PlannedFile, dirMode: number): Promise<string> {
  const dir = path.dirname(file.path);
  await fsp.mkdir(dir, { recursive: true, mode: dirMode });
  const tmp = path.join(dir, `.${path.basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await fsp.open(tmp, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | (FS.O_NOFOLLOW ?? 0), file.mode);
  try {
    await fh.writeFile(file.data);
    await fh.chmod(file.mode); // the umask never weakens (or strengthens) the mode we promise
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
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

/**
 * Every file is first written to a temporary file (if any of those fails,
 * all are removed and no target is touched), then all are renamed into place.
 */
async function commit(files: PlannedFile[], dirMode: number): Promise<void> {
  const temps: Array<{ tmp: string; file: PlannedFile }> = [];
  try {
    for (const file of files) temps.push({ tmp: await writeTemp(file, dirMode), file });
    while (temps.length > 0) {
      const { tmp, file } = temps[0]!;
      await fsp.rename(tmp, file.path);
      temps.shift();
    }
  } finally {
    await Promise.all(temps.map(({ tmp }) => fsp.rm(tmp, { force: true })));
  }
  for (const dir of new Set(files.map((f) => path.dirname(f.path)))) await syncDir(dir);
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
 * Checks every target, then writes them all. Files identical to what is
 * already there (content and mode) are left alone and reported "unchanged".
 */
export async function writeFiles(files: PlannedFile[], opts: WriteOptions = {}): Promise<WrittenFile[]> {
  const seen = new Set<string>();
  for (const f of files) {
    const abs = path.resolve(f.path);
    if (seen.has(abs)) throw inputError('DUPLICATE_OUTPUT', `two outputs would both be written to ${f.path}`, 'choose distinct output paths');
    seen.add(abs);
  }
  const plans: Plan[] = [];
  for (const f of files) plans.push(await planOne(f, opts));
  if (!opts.dryRun) await commit(plans.filter((p) => p.status === 'written').map((p) => p.file), opts.dirMode ?? 0o755);
  return plans.map((p) => ({ path: p.file.path, kind: p.file.kind, mode: modeString(p.file.mode), status: p.status }));
}

/**
 * Appends text to a log-like file (created with `mode`, never through a
 * symbolic link) and syncs it before returning: what a later run reads back
 * is on disk. Used for the PKCS#12 password manifest of `issue --batch`.
 */
export async function appendDurably(file: string, text: string, mode: number): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
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
}

/** Reads a whole input file; a missing or unreadable file is an input error naming the flag. */
export async function readInputFile(file: string, what: string, hint?: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fsp.readFile(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError('NOT_FOUND', `${what} not found at ${file}`, hint ?? 'check the path');
    if (code === 'EISDIR') throw inputError('IS_DIRECTORY', `${what} at ${file} is a directory, not a file`, hint ?? 'pass the file itself');
    if (code === 'EACCES') throw inputError('NOT_READABLE', `${what} at ${file} is not readable`, 'check its permissions (or run with sudo)');
    throw e;
  }
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
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
