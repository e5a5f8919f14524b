/**
 * DER, read by hand: the tag-length-value walk that every reader of
 * regcert's (certificates in cert-asn.ts and leaf-der.ts, CRLs in crl.ts,
 * the EC key check) shares. No ASN.1 library, so reading a certificate
 * loads nothing (issue 21: start-up). Strict: one-byte tags only, definite
 * lengths, an element never past its parent. What is not a certificate is
 * refused with BAD_CERTIFICATE; callers that read other structures catch it.
 */
import { inputError } from './errors.js';

export interface Tlv {
  tag: number;
  /** Where the whole element starts, its content starts, and it ends. */
  start: number;
  body: number;
  end: number;
}

/**
 * At most this many elements are read for one certificate (asn1js, which
 * regcert read certificates with before, stopped at 10,000 nodes): a bound on
 * the work a hostile certificate can ask for, whatever its size.
 */
const MAX_CERTIFICATE_ELEMENTS = 10_000;
let budget: { left: number } | undefined;

/** Runs `read` with at most MAX_CERTIFICATE_ELEMENTS elements read (readTlv) inside it; more are refused. */
export function withElementBudget<T>(read: () => T): T {
  const outer = budget;
  budget = { left: MAX_CERTIFICATE_ELEMENTS };
  try {
    return read();
  } finally {
    budget = outer;
  }
}

export function bad(why: string): never {
  throw inputError('BAD_CERTIFICATE', `not an X.509 certificate: ${why}`, 'restore the certificate from a backup, or issue it again');
}

export function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) bad('truncated');
  if (budget && --budget.left < 0) bad(`more than ${MAX_CERTIFICATE_ELEMENTS} ASN.1 elements`);
  const tag = der[at]!;
  if ((tag & 0x1f) === 0x1f) bad('a multi-byte tag');
  let len = der[at + 1]!;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) bad('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[body + i]!;
    body += n;
  }
  const end = body + len;
  if (end > limit) bad('truncated');
  return { tag, start: at, body, end };
}

/** The elements inside a constructed element. */
export function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const t = readTlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The one element `der` holds, with nothing after it. */
export function readWhole(der: Uint8Array, tag: number, what: string): Tlv {
  const t = readTlv(der, 0, der.length);
  if (t.tag !== tag || t.end !== der.length) bad(`${what} is not one DER element`);
  return t;
}

/** The element has this tag (else the certificate is refused, naming `what`). */
export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t?.tag !== tag) bad(`no ${what}`);
  return t;
}

/** The content bytes of an element (a view, not a copy). */
export const content = (der: Uint8Array, t: Tlv): Uint8Array => der.subarray(t.body, t.end);

/** An OBJECT IDENTIFIER's dotted text; minimal base-128 arcs no larger than 2^53 - 1. */
export function oidText(der: Uint8Array, t: Tlv): string {
  if (t.tag !== 0x06 || t.end === t.body) bad('a bad OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let v = 0;
  let fresh = true;
  for (let i = t.body; i < t.end; i++) {
    const b = der[i]!;
    if (fresh && b === 0x80) bad('a non-minimal OBJECT IDENTIFIER');
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) bad('an OBJECT IDENTIFIER arc too large');
    fresh = (b & 0x80) === 0;
    if (fresh) {
      arcs.push(v);
      v = 0;
    }
  }
  if (!fresh) bad('a truncated OBJECT IDENTIFIER');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** A BIT STRING's bits (after its unused-bits count) and that count. */
export function bitString(der: Uint8Array, t: Tlv, what: string): { bits: Uint8Array; unused: number } {
  if (t.tag !== 0x03 || t.end === t.body) bad(`no ${what}`);
  const unused = der[t.body]!;
  if (unused > 7 || (unused > 0 && t.end - t.body === 1)) bad(`${what} has a bad unused-bits count`);
  return { bits: der.subarray(t.body + 1, t.end), unused };
}

/** A small non-negative INTEGER (1 to 3 content bytes). */
export function smallInteger(der: Uint8Array, t: Tlv, what: string): number {
  const n = t.end - t.body;
  if (t.tag !== 0x02 || n < 1 || n > 3 || der[t.body]! & 0x80) bad(`${what} is not a small non-negative INTEGER`);
  let v = 0;
  for (let i = t.body; i < t.end; i++) v = v * 256 + der[i]!;
  return v;
}

/** A BOOLEAN's value (one content byte, any non-zero byte is true as asn1js reads it). */
export function booleanValue(der: Uint8Array, t: Tlv, what: string): boolean {
  if (t.tag !== 0x01 || t.end - t.body !== 1) bad(`${what} is not a BOOLEAN`);
  return der[t.body] !== 0;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF8String content as text; invalid UTF-8 is refused (asn1js would read it as bytes). */
export function utf8Text(b: Uint8Array, what: string): string {
  try {
    return UTF8.decode(b);
  } catch {
    return bad(`${what} is not UTF-8`);
  }
}

/** RFC 5280's time forms: UTCTime YYMMDDHHMMSSZ and GeneralizedTime YYYYMMDDHHMMSSZ. */
const TIME_FORMS: Record<number, RegExp> = {
  0x17: /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/,
  0x18: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/,
};
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A UTCTime (50-99 are 19xx, as asn1js reads it) or GeneralizedTime, in RFC 5280's form and a real date. */
export function timeValue(der: Uint8Array, t: Tlv | undefined, what: string): Date {
  const form = t === undefined ? undefined : TIME_FORMS[t.tag];
  const m = form?.exec(Buffer.from(der.buffer, der.byteOffset + t!.body, t!.end - t!.body).toString('latin1'));
  if (!m) return bad(`${what} is not a UTCTime or GeneralizedTime in RFC 5280's form`);
  const [yy, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = t!.tag === 0x17 ? (yy >= 50 ? 1900 + yy : 2000 + yy) : yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && !leap ? 28 : DAYS[mo - 1]!) || h > 23 || mi > 59 || sec > 59) bad(`${what} is not a date`);
  return new Date(Date.UTC(year, mo - 1, d, h, mi, sec));
}

/** Universal primitive types whose content is any bytes: OCTET STRING and the character strings read a byte per character. */
const ANY_CONTENT = new Set([0x04, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1a, 0x1b]);

/**
 * An ANY value (algorithm parameters, an otherName's value): asn1js parses
 * it all, so it is checked all: every element inside, recursively, and each
 * universal primitive by its type's rules. Universal types regcert has no
 * reason to meet are refused.
 */
export function checkAny(der: Uint8Array, t: Tlv, depth = 0): void {
  if (depth > 16) bad('a value nested too deep');
  const constructed = (t.tag & 0x20) !== 0;
  if ((t.tag & 0xc0) !== 0) {
    // context, application or private class: a constructed one holds elements, a primitive one any bytes
    if (constructed) for (const c of children(der, t)) checkAny(der, c, depth + 1);
    return;
  }
  if (constructed) {
    if (t.tag !== 0x30 && t.tag !== 0x31) bad('a constructed value of a primitive type');
    for (const c of children(der, t)) checkAny(der, c, depth + 1);
    return;
  }
  const b = der.subarray(t.body, t.end);
  switch (t.tag) {
    case 0x01:
      booleanValue(der, t, 'a BOOLEAN');
      return;
    case 0x02:
    case 0x0a:
      if (b.length === 0) bad('an empty INTEGER');
      return;
    case 0x03:
      bitString(der, t, 'a BIT STRING');
      return;
    case 0x05:
      if (b.length !== 0) bad('a NULL with content');
      return;
    case 0x06:
      oidText(der, t);
      return;
    case 0x0c:
      utf8Text(b, 'a UTF8String');
      return;
    case 0x17:
    case 0x18:
      timeValue(der, t, 'a time');
      return;
    case 0x1e:
      if (b.length % 2) bad('a BMPString of odd length');
      return;
    case 0x1c:
      if (b.length % 4) bad('a UniversalString of ragged length');
      return;
    default:
      if (!ANY_CONTENT.has(t.tag)) bad('a value of a type regcert does not read');
  }
}
