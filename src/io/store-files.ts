/**
 * Files regcert places in other programs' folders (trust anchors in
 * /usr/local/share/ca-certificates and its kin): read with a size bound and
 * never through a symlink, and removed only when their content is exactly
 * what regcert wrote there.
 */
import { constants as FS, promises as fsp } from 'node:fs';
import { operationError } from '../core/errors.js';

/** The file's bytes, or undefined when it does not exist. Symlinks and non-files are refused. */
export async function readPlacedFile(file: string, maxBytes: number): Promise<Uint8Array | undefined> {
  let fh;
  try {
    fh = await fsp.open(file, FS.O_RDONLY | (FS.O_NOFOLLOW ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw operationError('SYMLINK_TARGET', `${file} is a symbolic link, not a file regcert wrote`, 'remove it by hand if it is yours');
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw operationError('NOT_A_FILE', `${file} exists and is not a regular file`, 'remove it or move it away');
    if (st.size > maxBytes) throw operationError('FILE_TOO_LARGE', `${file} is ${st.size} bytes, more than the ${maxBytes} expected`, 'check what wrote it');
    return new Uint8Array(await fh.readFile());
  } finally {
    await fh.close();
  }
}

/** Removes `file` only when it holds exactly `expected`; anything else there is refused, not touched. */
export async function removePlacedFile(file: string, expected: Uint8Array): Promise<void> {
  const current = await readPlacedFile(file, Math.max(expected.byteLength, 1024 * 1024));
  if (current === undefined) return;
  if (!Buffer.from(current).equals(Buffer.from(expected))) {
    throw operationError('NOT_OURS', `${file} does not hold what regcert wrote there; it was left alone`, 'remove it by hand if it should go');
  }
  await fsp.rm(file);
}

/** Names in a folder, or [] when it does not exist. */
export async function listFolder(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch {
    return [];
  }
}
