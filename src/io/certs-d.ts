/** Reading certs.d trees (Docker, containers/image, containerd) into snapshots for the doctor. */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { hostsTomlFiles, resolveRef, type FileSnapshot, type HostDirSnapshot, type RootKind } from '../core/doctor.js';

/** Files larger than this are not certificates or keys: listed, not read. */
const MAX_FILE_BYTES = 1 << 20;

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Every HOST[:PORT] folder under root (none when root does not exist). */
export async function readCertsRoot(root: string, kind: RootKind): Promise<HostDirSnapshot[] | undefined> {
  let names: string[];
  try {
    names = (await fsp.readdir(root)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  const out: HostDirSnapshot[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    const st = await fsp.stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    const files: FileSnapshot[] = [];
    for (const f of (await fsp.readdir(dir)).sort()) {
      const p = path.join(dir, f);
      const fst = await fsp.stat(p).catch(() => undefined); // runtimes follow symbolic links
      if (!fst?.isFile() || fst.size > MAX_FILE_BYTES) continue;
      const data = await fsp.readFile(p).catch(() => undefined);
      if (data) files.push({ name: f, mode: fst.mode & 0o777, data: new Uint8Array(data) });
    }
    const existing: string[] = [];
    const toml = files.find((f) => f.name === 'hosts.toml');
    if (toml) {
      for (const ref of hostsTomlFiles(Buffer.from(toml.data).toString('utf8'))) {
        const abs = resolveRef(dir, ref);
        if (await exists(abs)) existing.push(abs);
      }
    }
    out.push({ root, kind, name, path: dir, files, existing });
  }
  return out;
}

/** insecure-registries from Docker's daemon.json; undefined when the file does not exist. */
export async function readInsecureRegistries(file: string): Promise<{ list: string[]; error?: string } | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { list: [], error: `cannot read ${file}: ${(e as Error).message}` };
  }
  try {
    const j = JSON.parse(text) as { 'insecure-registries'?: unknown };
    const list = j['insecure-registries'];
    return { list: Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [] };
  } catch {
    return { list: [], error: `${file} is not valid JSON (Docker will not start with it)` };
  }
}
