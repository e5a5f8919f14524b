/** The config templates shipped in templates/ (next to dist/ in the package). */
import { promises as fsp } from 'node:fs';

const TEMPLATES = new URL('../../templates/', import.meta.url);

export async function readTemplate(name: string): Promise<string> {
  return fsp.readFile(new URL(name, TEMPLATES), 'utf8');
}
