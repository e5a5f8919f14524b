/** Reading certs.d trees (Docker, containers/image, containerd) into snapshots for the doctor. */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { readInputFile } from './read.js';
import { hostsTomlFiles, resolveRef, type FileSnapshot, type HostDirSnapshot, type RootKind } from '../core/doctor.js';

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
      if (!fst?.isFile()) continue;
      // Bounded and regular files only (read.ts); what cannot be read is not a certificate or key.
      const data = await readInputFile(p, 'file', undefined, 'certificate').catch(() => undefined);
      if (data) files.push({ name: f, mode: fst.mode & 0o777, data });
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
    text = Buffer.from(await readInputFile(file, 'Docker daemon configuration', undefined, 'config')).toString('utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'NOT_FOUND') return undefined;
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
