/** Distinguished names for subjects, in the conventional C, O, OU, CN order. */
import { inputError } from './errors.js';

export interface NameParts {
  cn?: string | undefined;
  o?: string | undefined;
  ou?: string | undefined;
  c?: string | undefined;
}

/**
 * A certificate NAME becomes a file name (NAME.crt, NAME.key) and an
 * inventory key: a safe, portable set, never a path.
 */
const CERT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export function isCertName(name: string): boolean {
  return CERT_NAME_RE.test(name) && !name.includes('..');
}

/** The JsonName shape that @peculiar/x509 takes: one attribute per RDN. */
export type JsonName = Array<Record<string, string[]>>;

export function buildName(parts: NameParts): JsonName {
  const name: JsonName = [];
  if (parts.c !== undefined) {
    if (!/^[A-Za-z]{2}$/.test(parts.c)) {
      throw inputError('BAD_COUNTRY', `invalid --country "${parts.c}"`, 'use a two-letter ISO 3166 code such as US or DE');
    }
    name.push({ C: [parts.c.toUpperCase()] });
  }
  for (const [key, value, flag] of [
    ['O', parts.o, '--org'],
    ['OU', parts.ou, '--ou'],
    ['CN', parts.cn, '--cn'],
  ] as const) {
    if (value === undefined) continue;
    if (value.trim() === '' || value.length > 64) {
      throw inputError('BAD_NAME', `invalid ${flag} "${value}"`, `${flag} must be 1 to 64 characters`);
    }
    name.push({ [key]: [value] });
  }
  if (name.length === 0) throw inputError('BAD_NAME', 'the subject name is empty', 'pass --cn NAME');
  return name;
}
