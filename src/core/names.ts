/** Distinguished names for subjects, in the conventional C, O, OU, CN order. */
import { inputError } from './errors.js';
import { hasUnsafeCharacters } from './text.js';

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
    validateNameValue(value, flag);
    name.push({ [key]: [value] });
  }
  if (name.length === 0) throw inputError('BAD_NAME', 'the subject name is empty', 'pass --cn NAME');
  return name;
}

/** ub-common-name, ub-organization-name, ub-organizational-unit-name (RFC 5280 appendix A). */
const MAX_NAME_CHARS = 64;
/** Any other attribute a CSR may carry (L, ST, emailAddress, serialNumber…): a generous bound. */
const MAX_OTHER_ATTRIBUTE_CHARS = 256;

/**
 * The one rule for a subject attribute value, from --cn/--org/--ou or from a
 * CSR: not empty, no control characters (NUL, CR, LF, ESC, bidi overrides),
 * at most `max` characters. `what` names it in the message: "--cn" or
 * 'the CN in req.csr'.
 */
export function validateNameValue(value: string, what: string, max = MAX_NAME_CHARS): string {
  if (hasUnsafeCharacters(value)) {
    throw inputError('BAD_NAME', `invalid ${what} "${value}": control characters are not allowed`, `${what.startsWith('--') ? what : 'the subject'} must be printable text: no NUL, CR, LF, ESC or bidi override characters`);
  }
  if (value.trim() === '' || value.length > max) {
    throw inputError('BAD_NAME', `invalid ${what} "${value}"`, `${what} must be 1 to ${max} characters`);
  }
  return value;
}

/** Checks every attribute of a subject read from a file (a CSR) with the rule of validateNameValue. */
export function validateSubject(subject: JsonName, source: string): JsonName {
  for (const rdn of subject) {
    for (const [type, values] of Object.entries(rdn)) {
      const max = type === 'CN' || type === 'O' || type === 'OU' ? MAX_NAME_CHARS : MAX_OTHER_ATTRIBUTE_CHARS;
      for (const v of values) validateNameValue(v, `${type} in ${source}`, max);
      if (type === 'C' && !values.every((v) => /^[A-Za-z]{2}$/.test(v))) {
        throw inputError('BAD_COUNTRY', `invalid C "${values.join(',')}" in ${source}`, 'the country must be a two-letter ISO 3166 code such as US or DE');
      }
    }
  }
  return subject;
}
