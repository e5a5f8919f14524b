/**
 * The rows of `regcert issue --batch FILE`: CSV with the header
 * `name,sans,profile,days` (RFC 4180 quoting; the columns in any order,
 * sans and days may be empty) or JSON lines with the same fields. Each row
 * becomes a leaf request through the same rules as `issue NAME`
 * (leaf-request.ts, san.ts, names.ts, validateDays). Pure: lines in,
 * requests out; the caller streams the file and names the line in errors.
 */
import { validateDays } from './cert-builder.js';
import { inputError, isRegcertError, RegcertError } from './errors.js';
import { leafSans, validateCertName } from './leaf-request.js';
import { buildName, type JsonName } from './names.js';
import { parseSanList, type San } from './san.js';

export const BATCH_COLUMNS = ['name', 'sans', 'profile', 'days'] as const;
export const BATCH_PROFILES = { client: [false, true], server: [true, false], 'client+server': [true, true] } as const;
/** A row longer than this is not a certificate request (a name, a few SANs): refuse it before parsing. */
export const MAX_BATCH_LINE = 16 * 1024;
/** SANs per row: a client certificate needs a handful; a row with thousands is a mistake. */
export const MAX_BATCH_SANS = 100;

export interface BatchRequest {
  name: string;
  subject: JsonName;
  sans: San[];
  server: boolean;
  client: boolean;
  days: number;
}

export interface BatchDefaults {
  days: number;
  org?: string | undefined;
  ou?: string | undefined;
  country?: string | undefined;
  /** false (--no-name-san): server rows do not get their NAME as a SAN (leaf-request.ts withNameSan). */
  nameSan?: boolean | undefined;
}

/** The parser's state: the format is known after the first non-blank line. */
export interface BatchParser {
  format: 'csv' | 'jsonl' | undefined;
  columns: string[];
}

export function createBatchParser(): BatchParser {
  return { format: undefined, columns: [] };
}

interface RawRow {
  name?: unknown;
  sans?: unknown;
  profile?: unknown;
  days?: unknown;
}

/** One CSV record on one line (RFC 4180: "" is a quote inside a quoted field; no line breaks in fields). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw inputError('BAD_CSV', 'a quoted field is not closed', 'close the quote on the same line ("" for a quote inside a field)');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw inputError('BAD_CSV', 'text after a closing quote', 'quote the whole field');
    } else {
      const end = line.indexOf(',', i);
      field = end === -1 ? line.slice(i) : line.slice(i, end);
      if (field.includes('"')) throw inputError('BAD_CSV', 'a quote inside an unquoted field', 'quote the field and double the quote ("")');
      i = end === -1 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

function rowError(e: unknown, where: string): RegcertError {
  if (isRegcertError(e)) {
    return new RegcertError(e.code, `${where}: ${e.message}`, { hint: e.hint, exitCode: e.exitCode, cause: e, details: { ...e.details } });
  }
  return inputError('BAD_ROW', `${where}: ${e instanceof Error ? e.message : String(e)}`, 'fix the row');
}

/**
 * Parses one line. Returns undefined for blank lines and the CSV header.
 * `where` names the line in errors ("users.csv line 57").
 */
export function parseBatchLine(parser: BatchParser, line: string, where: string, defaults: BatchDefaults): BatchRequest | undefined {
  try {
    if (line.length > MAX_BATCH_LINE) throw inputError('LINE_TOO_LONG', `the line is longer than ${MAX_BATCH_LINE} characters`, 'one certificate per line: a name, its SANs, a profile and days');
    const text = line.replace(/^\uFEFF/, '').trim();
    if (text === '') return undefined;
    if (parser.format === undefined) {
      if (text.startsWith('{')) parser.format = 'jsonl';
      else {
        const header = splitCsvLine(text).map((h) => h.trim().toLowerCase());
        const unknown = header.filter((h) => !(BATCH_COLUMNS as readonly string[]).includes(h));
        if (unknown.length > 0 || !header.includes('name') || !header.includes('profile') || new Set(header).size !== header.length) {
          throw inputError('BAD_HEADER', `the CSV header must name the columns ${BATCH_COLUMNS.join(',')} (got "${header.join(',')}")`, 'start the file with the line: name,sans,profile,days (or use JSON lines)');
        }
        parser.format = 'csv';
        parser.columns = header;
        return undefined;
      }
    }
    let raw: RawRow;
    if (parser.format === 'jsonl') {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        throw inputError('BAD_JSON', 'not a JSON object', 'one object per line: {"name":"alice","sans":"alice@example.com","profile":"client","days":90}');
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw inputError('BAD_JSON', 'not a JSON object', 'one object per line');
      const unknown = Object.keys(v).filter((k) => !(BATCH_COLUMNS as readonly string[]).includes(k));
      if (unknown.length > 0) throw inputError('BAD_ROW', `unknown field "${unknown[0]}"`, `the fields are ${BATCH_COLUMNS.join(', ')}`);
      raw = v as RawRow;
    } else {
      const fields = splitCsvLine(text);
      if (fields.length !== parser.columns.length) {
        throw inputError('BAD_CSV', `${fields.length} fields where the header has ${parser.columns.length}`, 'quote a field that holds commas (several SANs: "a.example.com,10.0.0.5")');
      }
      raw = Object.fromEntries(parser.columns.map((c, i) => [c, fields[i]]));
    }
    return toRequest(raw, defaults);
  } catch (e) {
    throw rowError(e, where);
  }
}

function toRequest(raw: RawRow, defaults: BatchDefaults): BatchRequest {
  if (typeof raw.name !== 'string') throw inputError('BAD_NAME', 'the name is missing', 'give every row a name');
  const name = validateCertName(raw.name.trim());
  const profile = typeof raw.profile === 'string' ? raw.profile.trim().toLowerCase() : undefined;
  if (profile === undefined || !Object.hasOwn(BATCH_PROFILES, profile)) {
    throw inputError('BAD_PROFILE', `invalid profile "${String(raw.profile ?? '')}"`, `use one of: ${Object.keys(BATCH_PROFILES).join(', ')}`);
  }
  const [server, client] = BATCH_PROFILES[profile as keyof typeof BATCH_PROFILES];
  let sanValues: string[];
  if (raw.sans === undefined || raw.sans === null || raw.sans === '') sanValues = [];
  else if (typeof raw.sans === 'string') sanValues = raw.sans.split(/[;,]/).filter((s) => s.trim() !== '');
  else if (Array.isArray(raw.sans) && raw.sans.every((s) => typeof s === 'string')) sanValues = raw.sans as string[];
  else throw inputError('BAD_SAN', 'sans must be a string or a list of strings', 'e.g. "alice@example.com;10.0.0.5"');
  if (sanValues.length > MAX_BATCH_SANS) throw inputError('TOO_MANY_SANS', `more than ${MAX_BATCH_SANS} SANs`, 'split the certificate');
  const sans = leafSans(name, parseSanList(sanValues), { server, client, nameSan: defaults.nameSan });
  let days = defaults.days;
  if (raw.days !== undefined && raw.days !== null && raw.days !== '') {
    const n = typeof raw.days === 'number' ? raw.days : /^\s*\d+\s*$/.test(String(raw.days)) ? Number(String(raw.days)) : NaN;
    if (Number.isNaN(n)) throw inputError('BAD_DAYS', `invalid days "${String(raw.days)}"`, 'days takes a whole number of days from 1 to 36500');
    days = validateDays(n, 'days');
  }
  const subject = buildName({ cn: name, o: defaults.org, ou: defaults.ou, c: defaults.country });
  return { name, subject, sans, server, client, days };
}

/**
 * What a row finds at its files in OUT, gathered by the caller (files read,
 * certificate parsed, key compared): the facts batchEntryState judges.
 */
export interface ExistingEntryFacts {
  cert: boolean;
  key: boolean;
  p12: boolean;
  /** The certificate there, when it parses: signed by this CA, a CA itself, its serial (normalized hex). */
  parsed?: { signedByCa: boolean; isCa: boolean; serial: string } | undefined;
  /** The key there belongs to the certificate. */
  keyMatches: boolean;
  /** The .p12's SHA-256 is what the PKCS#12 manifest records for this name (asked only with --p12). */
  p12Recorded: boolean;
  /** The certificate's serial is one a batch made: in OUT's batch journal, or recorded by a batch in the inventory. */
  madeByBatch: boolean;
}

export type BatchEntryDecision =
  | { state: 'new' }
  | { state: 'complete'; serial: string }
  | { state: 'replace' }
  | { state: 'refuse'; file: 'cert' | 'key' | 'p12'; /** What is wrong with that file, as a predicate: "already exists and …", "is missing …". */
  why: string };

/**
 * The one rule for a batch row whose files may exist: absent → new; an
 * entry a batch made (an interrupted run of it, or an earlier one), whole
 * (its key, and with --p12 the .p12 the manifest records) → complete, left
 * as it is; with --force → replaced; anything else → refused, so a batch
 * never replaces a file without --force (issue NAME's rule) and never takes
 * a certificate it did not make (a CA, another CA's, `issue`'s) as its own.
 */
export function batchEntryState(f: ExistingEntryFacts, opts: { p12: boolean; force: boolean }): BatchEntryDecision {
  if (!f.cert && !f.key && !f.p12) return { state: 'new' };
  if (opts.force) return { state: 'replace' };
  // A batch writes an entry's files as one set: a key or .p12 without its certificate is not one of its entries.
  if (!f.cert) return { state: 'refuse', file: f.key ? 'key' : 'p12', why: 'already exists without its certificate, so it is not an entry issue --batch wrote' };
  if (f.parsed === undefined) return { state: 'refuse', file: 'cert', why: 'already exists and is not a certificate regcert can read' };
  if (f.parsed.isCa) return { state: 'refuse', file: 'cert', why: 'already exists and is a CA certificate' };
  if (!f.parsed.signedByCa) return { state: 'refuse', file: 'cert', why: 'already exists and was not issued by this CA' };
  if (!f.madeByBatch) return { state: 'refuse', file: 'cert', why: 'already exists and was issued another way (issue, renew, a CSR), not by issue --batch' };
  if (!f.key || !f.keyMatches) return { state: 'refuse', file: 'key', why: f.key ? 'does not belong to the certificate beside it' : 'is missing beside its certificate' };
  if (opts.p12 && !f.p12Recorded) return { state: 'refuse', file: 'p12', why: f.p12 ? 'is not the one p12-passwords.tsv records' : 'is missing: the entry was made without --p12' };
  return { state: 'complete', serial: f.parsed.serial };
}
