/**
 * Is it safe to write under this directory? regcert runs as root and writes
 * CA keys and the CAs runtimes trust, so a write must not be steered
 * elsewhere by a symbolic link, nor land where another user can swap files.
 *
 * Every existing component of the absolute path is checked, from / down:
 * - a symbolic link is refused, unless it is a system path: one the
 *   operating system itself puts there (SYSTEM_LINKS: /var/run -> /run,
 *   usr-merged /bin, /lib…, macOS /tmp, /var, /etc -> /private/…) or any link
 *   directly under / (an administrator's /home -> /data/home) — AND it is
 *   owned by root in a root-owned directory that no group or other user can
 *   write (the safe-path rule of sudo and OpenSSH), so nobody but root can
 *   have placed or changed it. Deeper links (/etc/docker -> …, a link in a
 *   home or temp directory) are refused even when root made them: the hint
 *   names the real path to pass instead;
 * - a directory that its group or other users can write without the sticky
 *   bit (as /tmp has) is refused: they could rename our files away and put
 *   theirs in place.
 * Components that do not exist yet are created by regcert itself (0755).
 * Both refusals are exit 1 (the operation was refused, as for an existing
 * file or a symlinked target file).
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { inputError, operationError } from '../core/errors.js';

/** Symbolic links that operating systems ship on the way to system directories. */
export const SYSTEM_LINKS: ReadonlySet<string> = new Set([
  // Debian/Ubuntu/Fedora: /var/run and /var/lock point into /run; usr-merge links.
  '/var/run',
  '/var/lock',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  // macOS: /tmp, /var and /etc point into /private.
  '/tmp',
  '/var',
  '/etc',
]);

/** Writable by the group or by others, and no sticky bit to stop them replacing files. */
function writableByOthers(st: Stats): 'group' | 'world' | undefined {
  if (st.mode & 0o1000) return undefined;
  if (st.mode & 0o002) return 'world';
  if (st.mode & 0o020) return 'group';
  return undefined;
}

async function isTrustedSystemLink(link: string, st: Stats): Promise<boolean> {
  const topLevel = path.dirname(link) === path.parse(link).root;
  if (!(SYSTEM_LINKS.has(link) || topLevel) || st.uid !== 0) return false;
  const parent = await fsp.stat(path.dirname(link));
  return parent.uid === 0 && (parent.mode & 0o022) === 0;
}

/** Throws (exit 1) when writing under `dir` could be redirected by a symlink or a file swapped by another user. */
export async function assertSafeWriteDir(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  const { root } = path.parse(abs);
  let cur = root;
  const parts = abs.slice(root.length).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) cur = path.join(cur, parts[i - 1]!);
    let st: Stats;
    try {
      st = await fsp.lstat(cur);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return; // the rest is created by regcert
      if (code === 'ENOTDIR') throw notADirectory(abs);
      throw e;
    }
    if (st.isSymbolicLink()) {
      if (!(await isTrustedSystemLink(cur, st))) {
        const to = await fsp.readlink(cur).catch(() => '?');
        const real = await fsp.realpath(abs).catch(() => undefined);
        throw operationError(
          'SYMLINK_IN_PATH',
          `refusing to write under ${abs}: ${cur} is a symbolic link (to ${to})`,
          real ? `pass the real directory ${real} instead, or remove the link` : 'pass the real directory instead, or remove the link',
          { details: { path: cur, target: to } },
        );
      }
      st = await fsp.stat(cur);
    }
    if (!st.isDirectory()) throw notADirectory(abs);
    const who = writableByOthers(st);
    if (who) {
      throw operationError(
        'UNSAFE_DIRECTORY',
        `refusing to write under ${abs}: ${cur} is ${who}-writable without the sticky bit, so another user could replace what regcert writes there`,
        `run "chmod ${who === 'world' ? 'o-w' : 'g-w'} ${cur}" (or choose another directory)`,
        { details: { path: cur, writableBy: who } },
      );
    }
  }
}

function notADirectory(abs: string) {
  return inputError('NOT_A_DIRECTORY', `cannot write under ${abs}: a part of that path is not a directory`, 'choose another output directory');
}
