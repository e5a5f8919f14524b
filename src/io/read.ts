/**
 * Bounded reads of input files (files.ts re-exports readInputFile; every
 * input goes through it).
 *
 * An input must be a regular file (symbolic links to one are followed: the
 * user chose the path) of at most MAX_INPUT_BYTES[kind]. Devices, FIFOs,
 * sockets and kernel pseudo-files (/proc, /sys) are refused before a byte is
 * read, so /dev/zero or a FIFO without a writer fails at once instead of
 * growing or hanging. The check runs twice: stat() on the path decides
 * whether to open it at all (opening some devices has side effects), then
 * fstat() on the opened descriptor must name the same regular file (the
 * path may have been swapped in between). The open is non-blocking, so even
 * a path swapped to a FIFO cannot hang the open. The read stops one byte past
 * the cap whatever the size the file claims (it may grow while we read).
 *
 * Secrets (kind "secret") may also come from a pipe, as in
 * `--password-file <(pass show registry)` or `--password-file /dev/stdin`:
 * the same byte cap holds, and a pipe that stays silent for
 * SECRET_PIPE_TIMEOUT_MS is refused.
 */
import { closeSync, constants as FS, fstatSync, lstatSync, openSync, promises as fsp, readSync, statSync, type Stats } from 'node:fs';
import { MAX_INPUT_BYTES, SECRET_PIPE_TIMEOUT_MS } from '../core/defaults.js';
import { inputError } from '../core/errors.js';

export type InputKind = keyof typeof MAX_INPUT_BYTES;

const CHUNK = 64 * 1024;

function size(n: number): string {
  return n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`;
}

function fileType(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

let pseudoDevs: Set<number> | undefined;
/** Device numbers of the kernel's pseudo file systems (Linux /proc and /sys): their "files" are not data. */
function pseudoFileSystems(): Set<number> {
  pseudoDevs ??= new Set(['/proc', '/sys'].flatMap((p) => statSync(p, { throwIfNoEntry: false })?.dev ?? []));
  return pseudoDevs;
}

function openError(e: unknown, file: string, what: string, hint: string | undefined): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return inputError('NOT_FOUND', `${what} not found at ${file}`, hint ?? 'check the path');
  if (code === 'EISDIR') return inputError('IS_DIRECTORY', `${what} at ${file} is a directory, not a file`, hint ?? 'pass the file itself');
  if (code === 'EACCES' || code === 'EPERM') return inputError('NOT_READABLE', `${what} at ${file} is not readable`, 'check its permissions (or run with sudo)');
  if (code === 'ELOOP') return inputError('NOT_FOUND', `${what} at ${file} is a loop of symbolic links`, hint ?? 'check the path');
  return e;
}

function checkType(st: Stats, file: string, what: string, kind: InputKind): void {
  if (st.isDirectory()) throw inputError('IS_DIRECTORY', `${what} at ${file} is a directory, not a file`, 'pass the file itself');
  const pipeOk = kind === 'secret' && st.isFIFO();
  if (!st.isFile() && !pipeOk) {
    throw inputError('NOT_A_REGULAR_FILE', `${what} at ${file} is ${fileType(st)}, not a regular file`, 'pass the file itself: regcert reads no devices, FIFOs or sockets');
  }
  if (pseudoFileSystems().has(st.dev)) {
    throw inputError('NOT_A_REGULAR_FILE', `${what} at ${file} is a kernel pseudo-file (/proc, /sys), not a regular file`, 'copy what you need into a file and pass that');
  }
}

function tooLarge(file: string, what: string, kind: InputKind) {
  const cap = MAX_INPUT_BYTES[kind];
  return inputError('FILE_TOO_LARGE', `${what} at ${file} is larger than ${size(cap)}, the most regcert reads for a ${kind} file`, `check that ${file} is the right file`, {
    details: { path: file, limit: cap },
  });
}

/** How an input file is opened: never blocking on a FIFO's writer, never taking a terminal. */
const INPUT_OPEN_FLAGS = FS.O_RDONLY | (FS.O_NONBLOCK ?? 0) | (FS.O_NOCTTY ?? 0);

/** The file opened is the one checked before (not replaced in between). */
function assertSameFile(checked: Stats, opened: Stats, file: string, what: string): void {
  if (opened.dev !== checked.dev || opened.ino !== checked.ino) {
    throw inputError('FILE_CHANGED', `${what} at ${file} was replaced while regcert opened it`, 'run the command again once nothing else writes that file');
  }
}

/**
 * Opens an input file for reading after the checks every input goes
 * through: it exists and is a regular file (a FIFO only for a secret; no
 * device, socket or /proc file), it is within its kind's size cap (no cap
 * for 'stream': the caller bounds what it reads, e.g. per line), and it is
 * still the file that was checked once open.
 */
export async function openInputFile(file: string, what: string, hint: string | undefined, kind: InputKind | 'stream'): Promise<fsp.FileHandle> {
  let st: Stats;
  try {
    st = await fsp.stat(file);
  } catch (e) {
    throw openError(e, file, what, hint);
  }
  const typeKind = kind === 'stream' ? 'bundle' : kind;
  checkType(st, file, what, typeKind);
  if (kind !== 'stream' && st.isFile() && st.size > MAX_INPUT_BYTES[kind]) throw tooLarge(file, what, kind);

  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, INPUT_OPEN_FLAGS);
  } catch (e) {
    throw openError(e, file, what, hint);
  }
  try {
    const opened = await fh.stat();
    assertSameFile(st, opened, file, what);
    checkType(opened, file, what, typeKind);
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * What was read, as bytes of their own (exactly their length: a caller may
 * hand `.buffer` on). A file read in one buffer of its exact size (a large
 * one is never in Buffer's shared pool) is returned as it is, not copied: an
 * inventory of 100 MiB is not held twice.
 */
function ownBytes(chunks: Buffer[], total: number): Uint8Array {
  const only = chunks.length === 1 ? chunks[0]! : undefined;
  if (only !== undefined && only.byteOffset === 0 && only.buffer.byteLength === total) return new Uint8Array(only.buffer, 0, total);
  return new Uint8Array(Buffer.concat(chunks, total));
}

/**
 * Reads a whole input file, bounded by the cap for its kind. A missing,
 * unreadable, oversized or non-regular file is an input error (exit 2)
 * naming `what`, the path and, for size, the cap.
 */
export async function readInputFile(file: string, what: string, hint?: string, kind: InputKind = 'bundle'): Promise<Uint8Array> {
  const cap = MAX_INPUT_BYTES[kind];
  const fh = await openInputFile(file, what, hint, kind);
  try {
    const deadline = Date.now() + SECRET_PIPE_TIMEOUT_MS;
    const chunks: Buffer[] = [];
    let total = 0;
    // A regular file is read in one buffer of its size (then one byte, to see its end): thousands of
    // small certificates and keys (renew --all) would otherwise each allocate and zero two 64 KiB buffers.
    const st = await fh.stat();
    const expected = st.isFile() ? st.size : -1;
    let want = expected > 0 ? expected : CHUNK;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(want, cap + 1 - total)));
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, null));
      } catch (e) {
        // Only a pipe answers EAGAIN (regular files ignore O_NONBLOCK): its writer has not written yet.
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw openError(e, file, what, hint);
        if (Date.now() > deadline) {
          throw inputError('INPUT_TIMEOUT', `${what} at ${file} is a pipe that sent nothing for ${SECRET_PIPE_TIMEOUT_MS / 1000} s`, 'pass a file, or make sure the command behind the pipe writes the secret');
        }
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      if (n === 0) break;
      // All it claimed, or short of what was asked: the end is near (one byte confirms it); else go on in chunks.
      want = total + n === expected || n < buf.length ? 1 : CHUNK;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > cap) throw tooLarge(file, what, kind);
    }
    return ownBytes(chunks, total);
  } finally {
    await fh.close();
  }
}

/**
 * readInputFile by direct system calls, for a run that reads thousands of
 * small files in a row (renew --all: every certificate and key) without a
 * thread-pool round trip per call: the same checks and cap, for regular files
 * only (a secret from a pipe goes through readInputFile).
 */
export function readInputFileSync(file: string, what: string, hint?: string, kind: InputKind = 'bundle'): Uint8Array {
  const cap = MAX_INPUT_BYTES[kind];
  const fail = (e: unknown) => openError(e, file, what, hint);
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    throw fail(e);
  }
  const check = (s: Stats) => {
    checkType(s, file, what, kind);
    if (!s.isFile()) throw inputError('NOT_A_REGULAR_FILE', `${what} at ${file} is ${fileType(s)}, not a regular file`, 'pass the file itself');
    if (s.size > cap) throw tooLarge(file, what, kind);
  };
  check(st);
  let fd: number;
  try {
    fd = openSync(file, INPUT_OPEN_FLAGS);
  } catch (e) {
    throw fail(e);
  }
  try {
    const opened = fstatSync(fd);
    assertSameFile(st, opened, file, what);
    check(opened);
    // Its size and one more byte (to see its end); a file that grows while read stops one byte past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    for (let want = Math.max(opened.size, 1); ; want = total === opened.size ? 1 : CHUNK) {
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(want, cap + 1 - total)));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > cap) throw tooLarge(file, what, kind);
    }
    return ownBytes(chunks, total);
  } catch (e) {
    throw fail(e);
  } finally {
    closeSync(fd);
  }
}

/** statIfExists by a direct system call (the same rule: only "nothing there" is undefined). */
export function statIfExistsSync(file: string, what = 'file'): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (e) {
    return notThere(e, file, what);
  }
}

/**
 * "Read if it exists", the one rule: lstat() of a path, or undefined when
 * nothing is there (ENOENT, ENOTDIR). Every other error (EACCES on a
 * directory on the way, EIO, ELOOP) is reported as the file not being
 * readable, never taken for "absent": a CA directory the user cannot enter
 * must not look empty.
 */
export async function statIfExists(file: string, what = 'file'): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(file);
  } catch (e) {
    return notThere(e, file, what);
  }
}

/** An lstat error: undefined for "nothing there" (ENOENT, ENOTDIR), else thrown as the file not being readable. */
function notThere(e: unknown, file: string, what: string): undefined {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  if (code === 'EACCES' || code === 'EPERM') {
    throw inputError('NOT_READABLE', `${what} at ${file} cannot be read: permission denied (on it or a directory on the way)`, 'check the permissions of the file and its directories (or run with sudo)');
  }
  throw inputError('NOT_READABLE', `${what} at ${file} cannot be read (${code ?? (e as Error).message})`, 'check the path and the disk', { cause: e });
}

/** Does anything exist at the path (a symbolic link counts)? false only when nothing is there; see statIfExists. */
export async function pathExists(file: string, what?: string): Promise<boolean> {
  return (await statIfExists(file, what)) !== undefined;
}
