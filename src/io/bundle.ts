/**
 * MKE/UCP client bundles (`--bundle FILE.zip|DIR`): the zip MKE hands out
 * under "My Profile > Client Bundles", or the folder it was unpacked into.
 * It holds cert.pem (the user's client certificate), key.pem (its key,
 * unencrypted), ca.pem (the cluster CA), cert.pub, env.sh, env.ps1,
 * env.cmd, kube.yml and meta.json, all at the top level.
 *
 * A bundle comes from outside, so it is read fail-closed: the zip is read
 * whole into memory only below a size limit, its entry count is checked
 * from the end-of-central-directory record before any entry is listed, and
 * every entry name is checked (no absolute path, no "..", no backslash, no
 * symbolic link, no encryption) before anything is decompressed. A bundle
 * that breaks any rule is refused as a whole (exit 2); nothing is written.
 */
import { constants as FS, promises as fsp } from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { BUNDLE_LIMITS } from '../core/defaults.js';
import { inputError } from '../core/errors.js';

/** What a client bundle provides: PEM data of the three files that matter. */
export interface ClientBundle {
  cert: Uint8Array;
  key: Uint8Array;
  ca: Uint8Array;
  /** For messages: "bundle.zip:cert.pem", or the file's path in a folder. */
  names: { cert: string; key: string; ca: string };
}

const FILES = { cert: 'cert.pem', key: 'key.pem', ca: 'ca.pem' } as const;
type Part = keyof typeof FILES;

const HINT = 'download a fresh client bundle from MKE (My Profile > Client Bundles) and pass the .zip or the folder it was unpacked into';

function refuse(source: string, why: string): never {
  throw inputError('BAD_BUNDLE', `client bundle ${source} refused: ${why}`, HINT);
}

/** Reads at most `max` bytes of a regular file (not through a symlink); more is refused. */
async function readBounded(file: string, max: number, what: string): Promise<Uint8Array> {
  let fh;
  try {
    fh = await fsp.open(file, FS.O_RDONLY | (FS.O_NOFOLLOW ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError('NOT_FOUND', `${what} not found at ${file}`, HINT);
    if (code === 'ELOOP') throw inputError('BAD_BUNDLE', `${file} is a symbolic link`, 'pass the bundle files themselves');
    if (code === 'EACCES') throw inputError('NOT_READABLE', `${what} at ${file} is not readable`, 'check its permissions (or run with sudo)');
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw inputError('BAD_BUNDLE', `${file} is not a regular file`, HINT);
    if (st.size > max) throw inputError('BAD_BUNDLE', `${what} ${file} is ${st.size} bytes, more than the ${max} a client bundle can hold`, HINT);
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > max) throw inputError('BAD_BUNDLE', `${what} ${file} grew past ${max} bytes while it was read`, HINT);
    }
    return new Uint8Array(buf.subarray(0, n));
  } finally {
    await fh.close();
  }
}

/** Reads cert.pem, key.pem and ca.pem of an MKE/UCP client bundle (zip or folder). */
export async function readClientBundle(bundle: string): Promise<ClientBundle> {
  let st;
  try {
    st = await fsp.lstat(bundle);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw inputError('NOT_FOUND', `client bundle not found at ${bundle}`, 'check the path given to --bundle');
    throw e;
  }
  if (st.isDirectory()) return readBundleDir(bundle);
  if (!st.isFile()) refuse(bundle, 'it is neither a .zip file nor a folder');
  return readBundleZip(bundle);
}

async function readBundleDir(dir: string): Promise<ClientBundle> {
  const out: Partial<Record<Part, Uint8Array>> = {};
  const names = {} as ClientBundle['names'];
  for (const part of Object.keys(FILES) as Part[]) {
    const file = path.join(dir, FILES[part]);
    out[part] = await readBounded(file, BUNDLE_LIMITS.entryBytes, `bundle file ${FILES[part]}`);
    names[part] = file;
  }
  return { cert: out.cert!, key: out.key!, ca: out.ca!, names };
}

/** Why an entry name is unsafe, or undefined when it is a plain relative path. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.length === 0) return 'an entry has an empty name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return `entry "${JSON.stringify(name).slice(1, -1)}" has an absolute path`;
  if (name.includes('\\')) return `entry "${JSON.stringify(name).slice(1, -1)}" has a backslash in its name`;
  if (name.split('/').includes('..')) return `entry "${JSON.stringify(name).slice(1, -1)}" leaves the bundle ("..")`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return `entry "${JSON.stringify(name).slice(1, -1)}" has a control character in its name`;
  return undefined;
}

/** Unix mode bits live in the high 16 bits of the external attributes (made by Unix zip). */
function isSymlinkEntry(entry: yauzl.Entry): boolean {
  return ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

function openZip(data: Buffer, source: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings + strictFileNames: yauzl itself also refuses absolute, ".." and backslash names.
    yauzl.fromBuffer(data, { lazyEntries: true, decodeStrings: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err) reject(zipError(err, source));
      else resolve(zip);
    });
  });
}

/** yauzl's messages quote entry names: control characters are escaped before they reach a terminal. */
function zipError(err: Error, source: string): Error {
  const message = err.message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  if (/invalid relative path|absolute path|invalid characters/i.test(message)) {
    return inputError('BAD_BUNDLE', `client bundle ${source} refused: ${message}`, HINT);
  }
  return inputError('BAD_BUNDLE', `client bundle ${source} is not a readable zip file: ${message}`, HINT, { cause: err });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, source: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(zipError(err, source));
      const chunks: Buffer[] = [];
      let n = 0;
      stream.on('data', (c: Buffer) => {
        n += c.length;
        // validateEntrySizes stops a stream that outgrows its header; this bounds it regardless.
        if (n > BUNDLE_LIMITS.entryBytes) {
          stream.destroy();
          reject(inputError('BAD_BUNDLE', `client bundle ${source} refused: ${entry.fileName} inflates past ${BUNDLE_LIMITS.entryBytes} bytes`, HINT));
          return;
        }
        chunks.push(c);
      });
      stream.on('error', (e) => reject(zipError(e, source)));
      stream.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    });
  });
}

async function readBundleZip(file: string): Promise<ClientBundle> {
  const data = Buffer.from(await readBounded(file, BUNDLE_LIMITS.zipBytes, 'client bundle'));
  const zip = await openZip(data, file);
  try {
    // The count comes from the end-of-central-directory record: refused before any entry is listed.
    if (zip.entryCount > BUNDLE_LIMITS.entries) refuse(file, `it has ${zip.entryCount} entries; an MKE bundle has about 10 (limit ${BUNDLE_LIMITS.entries})`);
    const wanted = new Map<string, Part>(Object.entries(FILES).map(([part, name]) => [name, part as Part]));
    const found = new Map<Part, yauzl.Entry>();
    let total = 0;
    // First pass: every entry's name, kind and declared size; nothing is decompressed yet.
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: Error) => reject(zipError(e, file)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          const bad = unsafeEntryName(entry.fileName);
          if (bad) refuse(file, bad);
          if (isSymlinkEntry(entry)) refuse(file, `entry "${entry.fileName}" is a symbolic link`);
          if (entry.isEncrypted()) refuse(file, `entry "${entry.fileName}" is encrypted`);
          if (entry.uncompressedSize > BUNDLE_LIMITS.entryBytes) refuse(file, `entry "${entry.fileName}" is ${entry.uncompressedSize} bytes (limit ${BUNDLE_LIMITS.entryBytes})`);
          total += entry.uncompressedSize;
          if (total > BUNDLE_LIMITS.totalBytes) refuse(file, `its entries add up to more than ${BUNDLE_LIMITS.totalBytes} bytes`);
          const part = wanted.get(entry.fileName);
          if (part) {
            if (found.has(part)) refuse(file, `it holds ${entry.fileName} twice`);
            found.set(part, entry);
          }
          zip.readEntry();
        } catch (e) {
          reject(e);
        }
      });
      zip.readEntry();
    });
    const out: Partial<Record<Part, Uint8Array>> = {};
    const names = {} as ClientBundle['names'];
    for (const part of Object.keys(FILES) as Part[]) {
      const entry = found.get(part);
      if (!entry) refuse(file, `it has no ${FILES[part]} at its top level (an MKE client bundle holds cert.pem, key.pem and ca.pem)`);
      out[part] = await readEntry(zip, entry, file);
      names[part] = `${file}:${FILES[part]}`;
    }
    return { cert: out.cert!, key: out.key!, ca: out.ca!, names };
  } finally {
    zip.close();
  }
}
