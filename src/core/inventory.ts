/**
 * The inventory of what a CA directory issued, as openssl's and easy-rsa's
 * index.txt are, but as JSON lines a program can read: one certificate per
 * line. Pure: entries in, entries or text out; the clock is a parameter.
 * Reading and writing DIR/inventory.jsonl lives in src/io/inventory.ts.
 */
import { nameToString, plainNameToString } from './cert-asn.js';
import { isCa, sha256Fingerprint, type Certificate } from './certificates.js';
import { BACKDATE_MS, DAY_MS, MAX_INPUT_BYTES } from './defaults.js';
import { leafEkuOids } from './cert-builder.js';
import { ekuNamesOf, formatSans, summarizeCertificate, type CertificateSummary } from './describe.js';
import { inputError } from './errors.js';
import { isCertName, type JsonName } from './names.js';
import type { San } from './san.js';

/** What is stored. "expired" is not stored: it follows from notAfter and the clock. */
export type StoredStatus = 'valid' | 'revoked' | 'superseded';
export type Status = StoredStatus | 'expired';

/** RFC 5280 5.3.1 CRLReason names and codes (7 is unused; removeFromCRL is for delta CRLs only). */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export type Profile = 'server' | 'client' | 'server+client' | 'other';

/** How the entry came to be: regcert wrote the certificate, or found it (rebuild, reconcile). */
export type EntrySource = 'issue' | 'csr' | 'renew' | 'batch' | 'rebuilt';

export interface InventoryFile {
  /** Relative to the CA directory when inside it, else absolute. */
  path: string;
  kind: 'certificate' | 'private-key';
}

export interface InventoryEntry {
  serial: string;
  name: string;
  subject: string;
  sans: string[];
  ekus: string[];
  profile: Profile;
  keyType: string;
  notBefore: string;
  notAfter: string;
  /** The validity length asked for, in days (renew reuses it). */
  days: number;
  sha256: string;
  files: InventoryFile[];
  status: StoredStatus;
  recordedAt: string;
  source: EntrySource;
  revokedAt?: string;
  reason?: RevocationReason;
  /** Serial of the certificate that replaced this one (renew, issue --force). */
  supersededBy?: string;
  /** Serial of the certificate this one renews. */
  renewedFrom?: string;
  /** What could not be known when the entry was rebuilt from a .crt file. */
  unknown?: string[];
  /** The certificate itself (DER, base64): renew, revoke and crl need nothing else. */
  der: string;
}

/** Bounds on what is read back (fail closed on a hostile or broken file). */
export const INVENTORY_MAX_BYTES = MAX_INPUT_BYTES.inventory;
/** 100,000 revoked (a CRL of that size is proven: test/e2e/crl-scale.test.ts) and the pool still in use. */
export const INVENTORY_MAX_ENTRIES = 250_000;
const LINE_MAX_CHARS = 64 * 1024;

/** Serial numbers compare as lower-case hex without separators or leading zeros. */
export function normalizeSerial(s: string): string {
  const hex = s.trim().toLowerCase().replace(/^0x/, '').replace(/[:\s]/g, '');
  return hex.replace(/^0+(?=.)/, '');
}

export function isSerial(s: string): boolean {
  return /^(0x)?[0-9a-f]{1,40}$/i.test(s.trim().replace(/:/g, ''));
}

export function profileOf(ekus: string[]): Profile {
  const server = ekus.includes('serverAuth');
  const client = ekus.includes('clientAuth');
  return server && client ? 'server+client' : server ? 'server' : client ? 'client' : 'other';
}

/** The validity length a certificate was issued with, in whole days (regcert backdates notBefore). */
export function validityDays(cert: Pick<Certificate, 'notBefore' | 'notAfter'>): number {
  const ms = cert.notAfter.getTime() - cert.notBefore.getTime();
  const days = Math.round((ms >= BACKDATE_MS + DAY_MS ? ms - BACKDATE_MS : ms) / DAY_MS);
  return Math.min(Math.max(days, 1), 36500);
}

export interface EntryParams {
  name: string;
  files: InventoryFile[];
  source: EntrySource;
  now: Date;
  days?: number | undefined;
  renewedFrom?: string | undefined;
  unknown?: string[] | undefined;
}

/**
 * What an entry says of its certificate: summarizeCertificate's fields, or
 * (issue --batch, thousands a second) the same facts as the leaf builder put
 * them in, checked against summarizeCertificate on the batch's first entry.
 */
export interface CertificateFacts {
  serial: string;
  subject: string;
  sans: string[];
  ekus: string[];
  keyType: string;
  /** ISO 8601, as summarizeCertificate gives them. */
  notBefore: string;
  notAfter: string;
  der: Uint8Array;
}

/** A leaf as core/cert-builder.ts built it, with what it was asked for. */
export interface BuiltLeaf {
  der: Uint8Array;
  /** The subject Name as asked for, and its DER as encodeName made it. */
  subject: JsonName;
  subjectDer: Uint8Array;
  serial: string;
  notBefore: string;
  notAfter: string;
  sans: San[];
  server: boolean;
  client: boolean;
  /** keys.ts KeyType (the names describeKey gives). */
  keyType: string;
}

/**
 * The facts of a leaf the builder just made, from what it was asked for:
 * never the whole certificate parsed, only its subject formatted by
 * @peculiar/x509's Name as a certificate's subject is (from the JSON name when
 * every value is plain: 10× cheaper than from DER). EKUs in the builder's order.
 */
export function builtLeafFacts(l: BuiltLeaf): CertificateFacts {
  return {
    serial: l.serial,
    subject: plainNameToString(l.subject) ?? nameToString(l.subjectDer),
    sans: formatSans(l.sans),
    ekus: ekuNamesOf(leafEkuOids(l.server, l.client)),
    keyType: l.keyType,
    notBefore: l.notBefore,
    notAfter: l.notAfter,
    der: l.der,
  };
}

export function buildEntry(cert: Certificate, p: EntryParams): InventoryEntry {
  // A CA certificate (the CA's own, or an intermediate) is never an issued entry: revoke and renew would act on it.
  if (!isInventoriable(cert)) throw inputError('CA_NOT_AN_ENTRY', `${p.name}: a CA certificate is not recorded in the inventory`, 'issue leaf certificates under their own names; the CA lives in ca.crt');
  const s = summarizeCertificate(cert);
  return buildEntryFromFacts({ ...s, der: new Uint8Array(cert.rawData) }, p);
}

export function buildEntryFromFacts(s: CertificateFacts, p: EntryParams): InventoryEntry {
  const entry: InventoryEntry = {
    serial: normalizeSerial(s.serial),
    name: p.name,
    subject: s.subject,
    sans: s.sans,
    ekus: s.ekus,
    profile: profileOf(s.ekus),
    keyType: s.keyType,
    notBefore: s.notBefore,
    notAfter: s.notAfter,
    days: p.days ?? validityDays({ notBefore: new Date(s.notBefore), notAfter: new Date(s.notAfter) }),
    sha256: sha256Fingerprint(s.der),
    files: p.files,
    status: 'valid',
    recordedAt: p.now.toISOString(),
    source: p.source,
    der: Buffer.from(s.der.buffer, s.der.byteOffset, s.der.byteLength).toString('base64'),
  };
  if (p.renewedFrom !== undefined) entry.renewedFrom = p.renewedFrom;
  if (p.unknown?.length) entry.unknown = p.unknown;
  return entry;
}

/** What `issue` and `renew` print of a leaf they just recorded: its entry's facts, and the CA that issued it. */
export function entrySummary(entry: InventoryEntry, issuer: string): CertificateSummary {
  return {
    subject: entry.subject,
    issuer,
    serial: entry.serial,
    notBefore: entry.notBefore,
    notAfter: entry.notAfter,
    sans: entry.sans,
    ekus: entry.ekus,
    isCa: false,
    keyType: entry.keyType,
    sha256: entry.sha256,
  };
}

/** valid / revoked / superseded as stored, "expired" for a valid one past its notAfter. */
export function statusOf(e: Pick<InventoryEntry, 'status' | 'notAfter'>, now: Date = new Date()): Status {
  if (e.status === 'valid' && new Date(e.notAfter).getTime() <= now.getTime()) return 'expired';
  return e.status;
}

/** A certificate still in use (neither revoked nor replaced), expired or not: the ones to watch and renew. */
function isCurrent(e: InventoryEntry): boolean {
  return e.status === 'valid';
}

/** A current certificate whose notAfter falls within `windowMs` from now (already expired included). */
export function isDue(e: InventoryEntry, windowMs: number, now: Date = new Date()): boolean {
  return isCurrent(e) && new Date(e.notAfter).getTime() - now.getTime() <= windowMs;
}

/** Still trusted by a verifier that has no CRL: not expired and not superseded by time. */
export function isUnexpired(e: InventoryEntry, now: Date = new Date()): boolean {
  return new Date(e.notAfter).getTime() > now.getTime();
}

const STATUSES: readonly string[] = ['valid', 'revoked', 'superseded'];
const SOURCES: readonly string[] = ['issue', 'csr', 'renew', 'batch', 'rebuilt'];

function bad(line: number, source: string, what: string) {
  return inputError('BAD_INVENTORY', `${source} line ${line}: ${what}`, `restore the file from a backup, or move it away and run "regcert list" to rebuild it from the .crt files`);
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length <= 4096;
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 1000 && v.every(isStr);
const isIso = (v: unknown): v is string => isStr(v) && !Number.isNaN(Date.parse(v));

/** /^[A-Za-z0-9+/]+=*$/ as one scan for a character out of place (twice as fast on 100,000 DERs of an inventory). */
const NOT_BASE64 = /[^A-Za-z0-9+/=]|=[^=]|^=/;
export const isBase64 = (s: string): boolean => s.length > 0 && !NOT_BASE64.test(s);

/** Checks one parsed line against the shape above; throws naming the line. */
function checkEntry(v: unknown, line: number, source: string): InventoryEntry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(line, source, 'not a JSON object');
  const e = v as Record<string, unknown>;
  if (!isStr(e.serial) || !isSerial(e.serial)) throw bad(line, source, 'serial is not a hex serial number');
  if (!isStr(e.name) || !isCertName(e.name)) throw bad(line, source, 'name is not a certificate name');
  for (const k of ['subject', 'keyType', 'sha256', 'der'] as const) if (typeof e[k] !== 'string') throw bad(line, source, `${k} is missing`);
  for (const k of ['sans', 'ekus'] as const) if (!isStrList(e[k])) throw bad(line, source, `${k} is not a list of strings`);
  for (const k of ['notBefore', 'notAfter', 'recordedAt'] as const) if (!isIso(e[k])) throw bad(line, source, `${k} is not a date`);
  if (e.revokedAt !== undefined && !isIso(e.revokedAt)) throw bad(line, source, 'revokedAt is not a date');
  if (typeof e.days !== 'number' || !Number.isInteger(e.days) || e.days < 1 || e.days > 36500) throw bad(line, source, 'days is not 1 to 36500');
  if (!isStr(e.status) || !STATUSES.includes(e.status)) throw bad(line, source, `status is not one of ${STATUSES.join(', ')}`);
  if (!isStr(e.source) || !SOURCES.includes(e.source)) throw bad(line, source, `source is not one of ${SOURCES.join(', ')}`);
  if (e.reason !== undefined && !(isStr(e.reason) && e.reason in REVOCATION_REASONS)) throw bad(line, source, 'reason is not a CRL reason');
  if (e.status === 'revoked' && (e.revokedAt === undefined || e.reason === undefined)) throw bad(line, source, 'a revoked entry needs revokedAt and reason');
  for (const k of ['supersededBy', 'renewedFrom'] as const) if (e[k] !== undefined && !(isStr(e[k]) && isSerial(e[k]))) throw bad(line, source, `${k} is not a serial`);
  if (e.unknown !== undefined && !isStrList(e.unknown)) throw bad(line, source, 'unknown is not a list of strings');
  const files = e.files;
  if (
    !Array.isArray(files) ||
    files.length > 8 ||
    !files.every((f: unknown) => {
      const o = f as Record<string, unknown> | null;
      // renew writes to these paths: only certificate and key file names, never anything else.
      if (typeof o !== 'object' || o === null || !isStr(o.path) || o.path.includes('\0')) return false;
      return (o.kind === 'certificate' && /[^/]\.(crt|pem|cer)$/.test(o.path)) || (o.kind === 'private-key' && /[^/]\.key$/.test(o.path));
    })
  ) {
    throw bad(line, source, 'files is not a list of {path, kind} naming .crt/.pem/.cer certificates and .key keys');
  }
  if (!isBase64(e.der as string)) throw bad(line, source, 'der is not base64');
  e.serial = normalizeSerial(e.serial); // in place: the object is the line's own (a pool's inventory is not copied entry by entry)
  return e as unknown as InventoryEntry;
}

/** The lines of the file: of its text, or of its bytes (decoded a line at a time: a pool's inventory never becomes one string). */
function* linesOf(data: string | Uint8Array): Generator<string> {
  if (typeof data === 'string') {
    yield* data.split('\n');
    return;
  }
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at <= bytes.length; ) {
    const nl = bytes.indexOf(0x0a, at);
    const end = nl === -1 ? bytes.length : nl;
    yield bytes.toString('utf8', at, end);
    at = end + 1;
  }
}

/** Parses DIR/inventory.jsonl (blank lines allowed). A line that does not fit is an error naming it. */
/** `firstLine`: the line number of data's first line in its file (a caller that parses one line of many). */
export function parseInventory(data: string | Uint8Array, source = 'inventory.jsonl', firstLine = 1): InventoryEntry[] {
  if (data.length > INVENTORY_MAX_BYTES) throw inputError('INVENTORY_TOO_LARGE', `${source} is larger than ${INVENTORY_MAX_BYTES} bytes`, 'split the CA, or archive expired entries');
  const out: InventoryEntry[] = [];
  const serials = new Set<string>();
  let i = -1;
  for (const raw of linesOf(data)) {
    i++;
    const line = raw.trim();
    if (line === '') continue;
    if (line.length > LINE_MAX_CHARS) throw bad(i + firstLine, source, `longer than ${LINE_MAX_CHARS} characters`);
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw bad(i + firstLine, source, 'not valid JSON');
    }
    const e = checkEntry(v, i + firstLine, source);
    if (serials.has(e.serial)) throw bad(i + firstLine, source, `serial ${e.serial} appears twice`);
    serials.add(e.serial);
    out.push(e);
    if (out.length > INVENTORY_MAX_ENTRIES) throw inputError('INVENTORY_TOO_LARGE', `${source} holds more than ${INVENTORY_MAX_ENTRIES} entries`, 'split the CA, or archive expired entries');
  }
  return out;
}

export function serializeInventory(entries: readonly InventoryEntry[]): string {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}

/**
 * Adds newly issued entries. A current entry that wrote the same certificate
 * file is marked superseded by the new one (renew, issue --force): the file no
 * longer holds it. A serial already present is refused (serials never repeat).
 */
export function addEntries(entries: readonly InventoryEntry[], added: readonly InventoryEntry[]): InventoryEntry[] {
  const out = entries.map((e) => ({ ...e }));
  const serials = new Set(out.map((e) => e.serial));
  for (const a of added) {
    if (serials.has(a.serial)) {
      throw inputError('SERIAL_REPEATED', `serial ${a.serial} is already in the inventory`, 'this should never happen with random serials: report it, and do not use the new certificate');
    }
    serials.add(a.serial);
    const certPath = a.files.find((f) => f.kind === 'certificate')?.path;
    for (const e of out) {
      if (e.status === 'valid' && certPath !== undefined && e.files.some((f) => f.kind === 'certificate' && f.path === certPath)) {
        e.status = 'superseded';
        e.supersededBy = a.serial;
      }
    }
    out.push(a);
  }
  return out;
}

/**
 * The statuses an appended file implies: a current entry whose certificate
 * file a later current entry wrote is superseded by it (addEntries' rule, for
 * entries that renew --all appends without rewriting the file). Entries in
 * file order; returns how many it marked.
 */
export function settleSuperseded(entries: InventoryEntry[]): number {
  const latest = new Map<string, InventoryEntry>();
  let marked = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.status !== 'valid') continue;
    const p = e.files.find((f) => f.kind === 'certificate')?.path;
    if (p === undefined) continue;
    const later = latest.get(p);
    if (later === undefined) latest.set(p, e);
    else {
      e.status = 'superseded';
      e.supersededBy = later.serial;
      marked++;
    }
  }
  return marked;
}

export interface Selection {
  entries: InventoryEntry[];
  by: 'serial' | 'name';
}

/**
 * NAME (the current certificates of that name) or SERIAL (exactly that one).
 * A value that is both a name and a serial is taken as a serial when one
 * matches, else as a name.
 */
export function selectEntries(entries: InventoryEntry[], what: string): Selection {
  return createSelector(entries)(what);
}

/** selectEntries for many lookups in the same entries (bulk revoke): indexed once, each lookup O(1). */
export function createSelector(entries: InventoryEntry[]): (what: string) => Selection {
  const bySerial = new Map<string, InventoryEntry[]>();
  const byName = new Map<string, InventoryEntry[]>();
  for (const e of entries) {
    const s = bySerial.get(e.serial);
    if (s) s.push(e);
    else bySerial.set(e.serial, [e]);
    const n = byName.get(e.name);
    if (n) n.push(e);
    else byName.set(e.name, [e]);
  }
  return (what) => {
    const hit = isSerial(what) ? bySerial.get(normalizeSerial(what)) : undefined;
    if (hit) return { entries: hit, by: 'serial' };
    return { entries: byName.get(what) ?? [], by: 'name' };
  };
}

/** Whether a parsed certificate is one a CA directory's inventory lists (a leaf, not a CA). */
export function isInventoriable(cert: Certificate): boolean {
  return !isCa(cert);
}
