/**
 * Reading certs.d trees (Docker, containers/image, containerd) and runtime
 * config files into snapshots for doctor and install-host. Fails closed: a
 * file or folder that exists but cannot be read is reported as unreadable,
 * never as missing.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { FileSnapshot, HostDirSnapshot, RootKind } from '../runtimes/types.js';
import { isRegcertError } from '../core/errors.js';
import { pathExists, readInputFile } from './read.js';

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;
const why = (e: unknown) =>
  errno(e) === 'EACCES' || errno(e) === 'EPERM' || (isRegcertError(e) && e.code === 'NOT_READABLE') ? 'permission denied' : ((e as Error).message ?? String(e));

/** Missing (ENOENT, ENOTDIR) is the only "not there"; anything else means it is there. */
async function existsOrUnknown(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch (e) {
    return errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR';
  }
}

async function readFileSnapshot(dir: string, name: string): Promise<FileSnapshot | undefined> {
  const p = path.join(dir, name);
  let st;
  try {
    st = await fsp.stat(p); // runtimes follow symbolic links
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined; // a dangling link: the runtime sees nothing either
    return { name, mode: 0, data: new Uint8Array(), unreadable: why(e) };
  }
  if (!st.isFile()) return undefined;
  try {
    // Bounded, regular files only (read.ts): what cannot be read that way is reported, not parsed.
    return { name, mode: st.mode & 0o777, data: await readInputFile(p, 'file', undefined, 'certificate') };
  } catch (e) {
    return { name, mode: st.mode & 0o777, data: new Uint8Array(), unreadable: why(e) };
  }
}

/** The files a runtime config in a host folder names (containerd's hosts.toml: runtimes/hosts-toml.ts), relative to the folder or absolute. */
export type FolderRefs = (hostsToml: string) => string[];

/** One HOST[:PORT] folder; undefined when it does not exist. `refs`: which files its hosts.toml names (their existence is recorded). */
export async function readHostDir(root: string, kind: RootKind, name: string, refs: FolderRefs): Promise<HostDirSnapshot | undefined> {
  const dir = path.join(root, name);
  let entries: string[];
  try {
    const st = await fsp.stat(dir);
    if (!st.isDirectory()) return undefined;
    entries = (await fsp.readdir(dir)).sort();
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return undefined;
    return { root, kind, name, path: dir, files: [], existing: [], unreadable: why(e) };
  }
  const files: FileSnapshot[] = [];
  for (const f of entries) {
    const snap = await readFileSnapshot(dir, f);
    if (snap) files.push(snap);
  }
  const existing: string[] = [];
  const toml = files.find((f) => f.name === 'hosts.toml' && f.unreadable === undefined);
  if (toml) {
    for (const ref of refs(Buffer.from(toml.data).toString('utf8'))) {
      const abs = path.resolve(dir, ref);
      if (await existsOrUnknown(abs)) existing.push(abs);
    }
  }
  return { root, kind, name, path: dir, files, existing };
}

export interface RootSnapshot {
  exists: boolean;
  /** Why the root could not be listed (it exists). */
  unreadable?: string | undefined;
  dirs: HostDirSnapshot[];
}

/** Every HOST[:PORT] folder under root. */
export async function readCertsRoot(root: string, kind: RootKind, refs: FolderRefs): Promise<RootSnapshot> {
  let names: string[];
  try {
    names = (await fsp.readdir(root)).sort();
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return { exists: false, dirs: [] };
    return { exists: true, unreadable: why(e), dirs: [] };
  }
  const dirs: HostDirSnapshot[] = [];
  for (const name of names) {
    const d = await readHostDir(root, kind, name, refs);
    if (d) dirs.push(d);
  }
  return { exists: true, dirs };
}

export type OptionalText = { text: string; mode: number } | { unreadable: string } | undefined;

/** A runtime config file (daemon.json, config.toml, registries.yaml): undefined when it does not exist. */
export async function readOptionalText(file: string): Promise<OptionalText> {
  try {
    if (!(await pathExists(file, 'runtime configuration'))) return undefined;
    const st = await fsp.stat(file);
    return { text: Buffer.from(await readInputFile(file, 'runtime configuration', undefined, 'config')).toString('utf8'), mode: st.mode & 0o777 };
  } catch (e) {
    return { unreadable: why(e) };
  }
}

/**
 * What Docker's daemon.json says about registries: insecure-registries, and
 * whether the containerd image store is on (features.containerd-snapshotter);
 * undefined when the file does not exist.
 */
export async function readInsecureRegistries(file: string): Promise<{ list: string[]; containerdStore?: boolean; error?: string } | undefined> {
  const r = await readOptionalText(file);
  if (r === undefined) return undefined;
  if ('unreadable' in r) return { list: [], error: `cannot read ${file} (${r.unreadable}): its insecure-registries were not checked` };
  try {
    const j = JSON.parse(r.text) as { 'insecure-registries'?: unknown; features?: { 'containerd-snapshotter'?: unknown } };
    const list = j['insecure-registries'];
    const store = j.features?.['containerd-snapshotter'];
    return { list: Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [], ...(typeof store === 'boolean' ? { containerdStore: store } : {}) };
  } catch {
    return { list: [], error: `${file} is not valid JSON (Docker will not start with it)` };
  }
}
