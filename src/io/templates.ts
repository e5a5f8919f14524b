/** What ships next to dist/ in the package: the config templates (templates/) and bin/regcert.js. */
import { promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root, from dist/io/ (or dist/bundle/, whose import.meta.url the bundle defines alike). */
const PACKAGE = new URL('../../', import.meta.url);
const TEMPLATES = new URL('templates/', PACKAGE);

/** This installation's bin/regcert.js, as an absolute path (what cron and systemd run). */
export function regcertBin(): string {
  return fileURLToPath(new URL('bin/regcert.js', PACKAGE));
}

export async function readTemplate(name: string): Promise<string> {
  return fsp.readFile(new URL(name, TEMPLATES), 'utf8');
}
