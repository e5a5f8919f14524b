/**
 * DIR/inventory.jsonl: the record of every certificate the CA in DIR issued.
 *
 * Every change happens under DIR's lock (io/lock.ts) and replaces the whole
 * file atomically (temporary file, rename), so concurrent `issue` runs all
 * land and a reader never sees half a file. A command writes its certificate
 * files first and records them second; a crash in between leaves a .crt the
 * inventory does not know yet, and every load reconciles: a certificate in
 * DIR signed by this CA but missing from the inventory is added (and takes
 * over from the entry that wrote the same file before). A directory without
 * an inventory (regcert 0.1.0, or the openssl CLI) gets one rebuilt that way.
 *
 * Batches append instead (createInventoryAppender): new lines added to the
 * file under the lock, without reading the file again while no other run
 * changed it, and without parsing any certificate. A whole rewrite happens
 * only when a status changes (a new entry supersedes a current one) or the
 * file is missing (rebuilt).
 */
import { constants as FS, lstatSync, promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { CA_DIR_FILES } from '../core/ca-dir.js';
import { isSignedBy, parseCertificates, sha256Fingerprint, type Certificate } from '../core/certificates.js';
import { readBlocks } from '../core/pem.js';
import { inputError, operationError } from '../core/errors.js';
import {
  addEntries,
  buildEntry,
  INVENTORY_MAX_BYTES,
  INVENTORY_MAX_ENTRIES,
  isInventoriable,
  parseInventory,
  serializeInventory,
  settleSuperseded,
  type InventoryEntry,
  type InventoryFile,
} from '../core/inventory.js';
import { isCertName } from '../core/names.js';
import { completeInterruptedWrites, readInputFile, statIfExists, writeFiles, type PlannedFile, type WrittenFile } from './files.js';
import { withDirLock } from './lock.js';
import { readCaCertificate } from './pki.js';

export const INVENTORY_FILE = CA_DIR_FILES.inventory;

/** Removes DIR's inventory (quickstart undoing a failed first run in a directory it created). */
export async function removeInventory(dir: string): Promise<void> {
  await fsp.rm(path.join(dir, INVENTORY_FILE), { force: true });
}

/** Files in DIR that are never issued certificates. */
const NOT_ISSUED: ReadonlySet<string> = new Set([CA_DIR_FILES.caCertificate, CA_DIR_FILES.caChain, CA_DIR_FILES.crl]);
/**
 * Bounds for the scan of DIR: how many candidate files, and how large each
 * may be. A documented limit (README): a pool larger than this lives in an
 * --out-dir (still recorded and listed), and issue --batch refuses to write
 * past it into the CA directory (checkCaDirRoom).
 */
export const SCAN_MAX_FILES = 20_000;
const SCAN_MAX_FILE_BYTES = 1024 * 1024;

/** What a rebuilt entry cannot know (said in its "unknown" field and by list). */
const REBUILT_UNKNOWN = [
  'profile and validity length as asked for (taken from the certificate itself)',
  'revocations made outside regcert (an openssl index.txt is not read)',
  'copies of the certificate or key outside this directory',
];

/** A certificate file in DIR that the inventory does not record (scanUnrecorded), and its key file when there is one. */
interface UnrecordedCertificate {
  cert: Certificate;
  name: string;
  certPath: string;
  keyPath?: string;
}

export interface InventoryView {
  dir: string;
  entries: InventoryEntry[];
  /** True when DIR had no inventory file and it was rebuilt from the .crt files. */
  rebuilt: boolean;
  /** Certificates found in DIR that were missing from the inventory (now added). */
  reconciled: string[];
  /** Whether the reconciled view was saved (false when DIR is not writable). */
  saved: boolean;
  notes: string[];
  /**
   * The file's identity and size when `entries` are exactly its content as
   * read: an appender given this view (createInventoryAppender `known`) does
   * not read and parse the file again while it is unchanged.
   */
  stamp?: { seen: string; size: number } | undefined;
}

/** Where an entry records a file: relative to the CA directory when inside it. */
function recordedPath(caDir: string, file: string): string {
  const rel = path.relative(path.resolve(caDir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(file);
}

/** The file an entry names, as a path usable from here. */
function entryFilePath(caDir: string, f: InventoryFile): string {
  return path.isAbsolute(f.path) ? f.path : path.join(caDir, f.path);
}

export function entryCertPath(caDir: string, e: InventoryEntry): string | undefined {
  const f = e.files.find((x) => x.kind === 'certificate');
  return f ? entryFilePath(caDir, f) : undefined;
}

export function entryKeyPath(caDir: string, e: InventoryEntry): string | undefined {
  const f = e.files.find((x) => x.kind === 'private-key');
  return f ? entryFilePath(caDir, f) : undefined;
}

/** The inventory file's bytes (a torn last line dropped: isTornAppend) and its lstat before reading, undefined when there is none. */
async function readInventoryFile(dir: string): Promise<{ bytes: Buffer; st: Stats } | undefined> {
  const file = path.join(dir, INVENTORY_FILE);
  const st = await statIfExists(file, 'inventory');
  if (st === undefined) return undefined;
  if (!st.isFile()) throw operationError('NOT_A_FILE', `${file} is not a regular file`, 'remove it; regcert rebuilds the inventory from the .crt files');
  if (st.size > INVENTORY_MAX_BYTES) throw inputError('INVENTORY_TOO_LARGE', `${file} is larger than ${INVENTORY_MAX_BYTES} bytes`, 'split the CA, or archive expired entries');
  const data = await readInputFile(file, 'inventory', undefined, 'inventory');
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length === 0 || bytes[bytes.length - 1] === 0x0a) return { bytes, st };
  const cut = bytes.lastIndexOf(0x0a) + 1;
  return { bytes: isTornAppend(bytes.toString('utf8', cut)) ? bytes.subarray(0, cut) : bytes, st };
}

/**
 * An append that a kill cut short (a write of many lines can stop part-way:
 * the kernel ends it early for SIGKILL) leaves a last line with no line end
 * that is not JSON: it is dropped, as if never appended, and the certificate
 * files it recorded are reconciled from the directory like any other written
 * but unrecorded entry. A last line that parses (a hand edit without its line
 * end) is kept.
 */
function isTornAppend(lastLine: string): boolean {
  try {
    JSON.parse(lastLine);
    return false;
  } catch {
    return true;
  }
}

/**
 * The certificate files of `entries` that are not there, by one listing of
 * each directory they live in (not a lookup per entry: a pool has thousands).
 */
export async function missingCertificateFiles(caDir: string, entries: readonly InventoryEntry[]): Promise<Set<string>> {
  const listings = new Map<string, Set<string> | null>();
  const missing = new Set<string>();
  for (const e of entries) {
    const file = entryCertPath(caDir, e);
    if (file === undefined) continue;
    const d = path.dirname(file);
    if (!listings.has(d)) {
      listings.set(
        d,
        await fsp.readdir(d).then(
          (names) => new Set(names),
          () => null,
        ),
      );
    }
    if (listings.get(d)?.has(path.basename(file)) !== true) missing.add(file);
  }
  return missing;
}

/** The files an entry records: the certificate and, when one was written, its key. */
export function entryFiles(caDir: string, certPath: string, keyPath?: string): InventoryFile[] {
  const files: InventoryFile[] = [{ path: recordedPath(caDir, certPath), kind: 'certificate' }];
  if (keyPath !== undefined) files.push({ path: recordedPath(caDir, keyPath), kind: 'private-key' });
  return files;
}

/** The entry a load adds for a certificate found unrecorded in DIR (source "rebuilt"). */
function rebuiltEntry(caDir: string, c: UnrecordedCertificate, now: Date, unknown: string[]): InventoryEntry {
  return buildEntry(c.cert, { name: c.name, files: entryFiles(caDir, c.certPath, c.keyPath), source: 'rebuilt', now, unknown });
}

/** The first certificate's SHA-256 fingerprint, from the PEM alone (no X.509 parsing); undefined when there is none. */
function firstFingerprint(data: Uint8Array, file: string): string | undefined {
  try {
    const der = readBlocks(data, ['CERTIFICATE'], 'CERTIFICATE', file)[0]?.der;
    return der ? sha256Fingerprint(der) : undefined;
  } catch {
    return undefined;
  }
}

const isCandidate = (n: string) => !n.startsWith('.') && /\.(crt|pem|cer)$/.test(n) && !NOT_ISSUED.has(n);

/**
 * Refuses (before anything is written) a batch that would put more than
 * SCAN_MAX_FILES certificate files into the CA directory, where every load
 * scans them: the pool goes to an --out-dir instead.
 */
export async function checkCaDirRoom(caDir: string, adding: number): Promise<void> {
  const names = await fsp.readdir(caDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  const have = names.filter(isCandidate).length;
  if (have + adding > SCAN_MAX_FILES) {
    throw inputError(
      'TOO_MANY_FILES',
      `${caDir} holds ${have} certificate files and this would add ${adding}: more than the ${SCAN_MAX_FILES} a CA directory holds`,
      `write the pool to its own directory with --out-dir (it is recorded and listed all the same)`,
    );
  }
}

/**
 * The newest recordedAt (ms) per certificate file name in DIR: a file whose
 * status changed (ctime: written, renamed, chmod; a copy cannot set it back)
 * no later than that was recorded as it is, and is not read again.
 */
function recordedTimes(dir: string, entries: readonly InventoryEntry[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const e of entries) {
    for (const f of e.files) {
      if (f.kind !== 'certificate' || path.isAbsolute(f.path) || f.path.includes('/')) continue;
      const t = Date.parse(e.recordedAt);
      if (!(times.get(f.path)! >= t)) times.set(f.path, t);
    }
  }
  return times;
}

/**
 * Certificates in DIR signed by `ca` that are not recorded, oldest first. One
 * pass: a directory listing and an lstat per file; only files changed since
 * they were recorded (or never recorded) are read, and of those only
 * fingerprints not in `known` are parsed.
 */
async function scanUnrecorded(
  dir: string,
  ca: Certificate,
  known: Set<string>,
  recorded: ReadonlyMap<string, number>,
  notes: string[],
): Promise<UnrecordedCertificate[]> {
  const all = await fsp.readdir(dir);
  const names = all.filter(isCandidate);
  if (names.length > SCAN_MAX_FILES) {
    throw operationError('TOO_MANY_FILES', `${dir} holds more than ${SCAN_MAX_FILES} certificate files`, 'move old certificates to another directory (README: "Limits")');
  }
  const allNames = new Set(all);
  const found: UnrecordedCertificate[] = [];
  for (const n of names.sort()) {
    const file = path.join(dir, n);
    const st = lstatSync(file, { throwIfNoEntry: false });
    if (st === undefined || !st.isFile() || st.size > SCAN_MAX_FILE_BYTES) continue;
    if (Math.ceil(st.ctimeMs) <= (recorded.get(n) ?? -1)) continue; // recorded as it is
    const data = await readInputFile(file, 'certificate file', undefined, 'certificate');
    // Recorded already: skipped before any X.509 parsing (a CA directory may hold thousands).
    const fp = firstFingerprint(data, file);
    if (fp !== undefined && known.has(fp)) continue;
    let leaf: Certificate;
    try {
      leaf = parseCertificates(data, file)[0]!;
    } catch {
      continue; // a key or some other PEM: not a certificate
    }
    if (known.has(sha256Fingerprint(leaf.rawData)) || !isInventoriable(leaf) || !(await isSignedBy(leaf, ca))) continue;
    const name = n.replace(/\.(crt|pem|cer)$/, '');
    if (!isCertName(name)) {
      notes.push(`${JSON.stringify(n)} is not listed: its name is not a certificate NAME`);
      continue;
    }
    const keyName = `${name}.key`;
    found.push({ cert: leaf, name, certPath: file, ...(allNames.has(keyName) ? { keyPath: path.join(dir, keyName) } : {}) });
  }
  return found.sort((a, b) => a.cert.notBefore.getTime() - b.cert.notBefore.getTime());
}

interface Loaded {
  /** The file as read (undefined: there was none). */
  bytes: Buffer | undefined;
  view: InventoryView;
  /** Whether the entries differ from the file's text (added, reconciled, settled, or no file). */
  changed: boolean;
}

async function load(dir: string, now: Date, added: InventoryEntry[]): Promise<Loaded> {
  // A killed revoke/crl may have left its set (inventory + crl.pem) half renamed: rolled forward before reading,
  // so the inventory read is one set's, and a missing file is never rebuilt over the one the journal brings.
  await completeInterruptedWrites(dir);
  const read = await readInventoryFile(dir);
  const file = path.join(dir, INVENTORY_FILE);
  let entries = read === undefined ? [] : parseInventory(read.bytes, file);
  const notes: string[] = [];
  const ca = await readCaCertificate(dir);
  // The CA's own certificate is never an entry (an earlier regcert recorded it from a batch row named "ca"): dropped, and said.
  const caFingerprint = sha256Fingerprint(ca.rawData);
  const withoutCa = entries.filter((e) => e.sha256 !== caFingerprint);
  const droppedCa = withoutCa.length !== entries.length;
  if (droppedCa) notes.push(`${file} listed the CA's own certificate as an issued entry: removed (the CA is not revoked or renewed through its inventory)`);
  entries = withoutCa;
  const settled = settleSuperseded(entries); // lines appended by renew --all supersede their predecessors
  if (added.length > 0) entries = addEntries(entries, added);
  const missing = await scanUnrecorded(dir, ca, new Set(entries.map((e) => e.sha256)), recordedTimes(dir, entries), notes);
  const unknown = read === undefined ? REBUILT_UNKNOWN : ['this certificate was written but not recorded (an interrupted run, or a file copied in): how it was made is not known'];
  if (missing.length > 0) {
    entries = addEntries(
      entries,
      missing.map((m) => rebuiltEntry(dir, m, now, unknown)),
    );
  }
  if (read === undefined) {
    notes.push(`${file} did not exist: rebuilt from the ${missing.length} certificate file(s) in ${dir}; not known for these: ${REBUILT_UNKNOWN.join('; ')}`);
  } else if (missing.length > 0) {
    notes.push(`${missing.length} certificate file(s) in ${dir} were not in ${file} and were added: ${missing.map((m) => m.name).join(', ')}`);
  }
  const changed = read === undefined || droppedCa || settled > 0 || added.length > 0 || missing.length > 0;
  const stamp = read !== undefined && !changed ? { seen: statKey(read.st), size: read.st.size } : undefined;
  return { bytes: read?.bytes, changed, view: { dir, entries, rebuilt: read === undefined, reconciled: missing.map((m) => m.name), saved: true, notes, stamp } };
}

/** The inventory file as a set member: replaced by its rename, never withdrawn first. */
function inventoryFile(dir: string, data: string | Uint8Array): PlannedFile {
  return { path: path.join(dir, INVENTORY_FILE), data, mode: 0o644, kind: 'other', withdraw: false };
}

async function save(dir: string, l: Loaded): Promise<void> {
  const file = inventoryFile(dir, serializeInventory(l.view.entries));
  refuseTooLarge(file.path, l.view.entries.length, Buffer.byteLength(file.data));
  if (l.bytes?.equals(Buffer.from(file.data)) === true) return;
  await writeFiles([file], { force: true, caDirOwner: true });
}

/**
 * The inventory's bytes with some lines replaced, one line at a time:
 * `replace` is asked about each line (its byte range and line number) and
 * gives the entry the line now holds, re-encoded, or undefined to copy the
 * line as it is. Runs of copied lines stay views of `bytes`, so a rewrite of
 * a pool's inventory holds about twice the file's size, never its entries
 * serialized. undefined when no line was replaced.
 */
function rewriteLines(bytes: Buffer, replace: (at: number, end: number, no: number) => InventoryEntry | undefined): Buffer | undefined {
  const out: Buffer[] = [];
  let from = 0; // where the run of lines copied as they are began
  let no = 0;
  for (let at = 0; at < bytes.length; ) {
    const nl = bytes.indexOf(0x0a, at);
    const end = nl === -1 ? bytes.length : nl;
    const e = replace(at, end, ++no);
    if (e !== undefined) {
      out.push(bytes.subarray(from, at), Buffer.from(`${JSON.stringify(e)}\n`, 'utf8'));
      from = end + 1;
    }
    at = end + 1;
  }
  if (out.length === 0) return undefined;
  if (from < bytes.length) out.push(bytes.subarray(from), ...(bytes[bytes.length - 1] === 0x0a ? [] : [NEWLINE]));
  return Buffer.concat(out);
}

const NEWLINE = Buffer.from('\n');

/** The inventory limits (core/defaults.ts), refused with one message wherever an inventory grows. */
function refuseTooLarge(file: string, entries: number, bytes: number): void {
  if (entries > INVENTORY_MAX_ENTRIES) throw inputError('INVENTORY_TOO_LARGE', `${file} would hold more than ${INVENTORY_MAX_ENTRIES} entries`, 'split the CA, or archive expired entries');
  if (bytes > INVENTORY_MAX_BYTES) throw inputError('INVENTORY_TOO_LARGE', `${file} would be larger than ${INVENTORY_MAX_BYTES} bytes`, 'split the CA, or archive expired entries');
}

/**
 * An inventory with `added` appended, each replacing the current entries of
 * its certificate file (issue --force over a current certificate), decided
 * by the rules a full load applies (core/inventory.ts settleSuperseded, then
 * addEntries) to the lines that name one of those files; those lines whose
 * entry changed are written again (rewriteLines), every other line is
 * copied as it is, and the new lines go at the end. `bytes` ends with a line
 * end; each added entry names its own certificate file.
 */
export function supersedeLines(bytes: Buffer, added: readonly InventoryEntry[], file: string): Buffer {
  const quoted = added.map((a) => JSON.stringify(certPathOf(a) ?? ''));
  const mentions = (at: number, end: number) => {
    const text = bytes.toString('utf8', at, end);
    return quoted.some((q) => text.includes(q)) ? text : undefined;
  };
  // The entries of the lines that name a replaced file, in file order, and what the rules make of them.
  const lines: Array<{ no: number; before: string }> = [];
  const entries: InventoryEntry[] = [];
  rewriteLines(bytes, (at, end, no) => {
    const text = mentions(at, end);
    const e = text === undefined ? undefined : parseInventory(text, file, no)[0];
    if (e !== undefined) {
      lines.push({ no, before: JSON.stringify(e) });
      entries.push(e);
    }
    return undefined;
  });
  settleSuperseded(entries);
  const after = addEntries(entries, added);
  const changed = new Map<number, InventoryEntry>();
  lines.forEach((l, i) => {
    if (JSON.stringify(after[i]) !== l.before) changed.set(l.no, after[i]!);
  });
  const kept = rewriteLines(bytes, (_at, _end, no) => changed.get(no)) ?? bytes;
  return Buffer.concat([kept, Buffer.from(serializeInventory(added), 'utf8')]);
}

/**
 * The rewrite at the end of a run that appended entries superseding others
 * (renew --all): marks each old serial of `superseded` (old → new) as
 * superseded by the new one, when it is still current, under the lock: what
 * any load would conclude (settleSuperseded), written down once. Only the
 * lines that may name an old serial are parsed and re-encoded
 * (rewriteLines); every other line is copied as it is.
 */
export async function markSuperseded(caDir: string, superseded: ReadonlyMap<string, string>): Promise<void> {
  if (superseded.size === 0) return;
  await withDirLock(caDir, async () => {
    const bytes = (await readInventoryFile(caDir))?.bytes;
    if (bytes === undefined) return;
    const file = path.join(caDir, INVENTORY_FILE);
    const data = rewriteLines(bytes, (at, end, no) => {
      // A serial appears once in a line; only lines that may name an old serial are decoded and parsed.
      const m = /"serial":"([0-9a-f]+)"/.exec(bytes.toString('latin1', at, end));
      const next = m ? superseded.get(m[1]!) : undefined;
      const e = next === undefined ? undefined : parseInventory(bytes.toString('utf8', at, end), file, no)[0];
      if (e?.status !== 'valid') return undefined;
      e.status = 'superseded';
      e.supersededBy = next;
      return e;
    });
    if (data === undefined) return;
    await writeFiles([inventoryFile(caDir, data)], { force: true, caDirOwner: true });
  });
}

/** What an appender knows of the file it last wrote or read, so the next append need not read it again. */
interface AppendIndex {
  /** The file's identity and size when last seen: any other run's change alters it. */
  seen: string;
  size: number;
  /** One per entry (a serial never repeats: parseInventory and addEntries refuse it), so also the entry count. */
  serials: Set<string>;
  /** Serials recorded by issue --batch (source "batch"): what a batch rerun may skip as its own. */
  batch: Set<string>;
  /** Certificate paths of current (valid) entries: a new entry for one of them supersedes it. */
  current: Set<string>;
  /**
   * The file's bytes when this run read them (not when the index came from a caller's view), while the file is
   * as `seen` says (an append drops them): supersede writes on them.
   */
  bytes?: Buffer | undefined;
}

const statKey = (st: Stats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
const certPathOf = (e: InventoryEntry) => e.files.find((f) => f.kind === 'certificate')?.path;

function indexOf(entries: readonly InventoryEntry[], seen: string, size: number): AppendIndex {
  const current = new Set<string>();
  for (const e of entries) {
    const p = e.status === 'valid' ? certPathOf(e) : undefined;
    if (p !== undefined) current.add(p);
  }
  return { seen, size, serials: new Set(entries.map((e) => e.serial)), batch: new Set(entries.filter((e) => e.source === 'batch').map((e) => e.serial)), current };
}

/**
 * Records newly issued entries in DIR's inventory — the one way every command
 * (issue, renew, batches) records what it issued, after the certificate files
 * are written: each call appends their lines (one write, fsynced) under DIR's
 * lock. The file is read (JSON only, no certificate parsed) on the first call
 * and again only when another run changed it since; a call whose entries
 * supersede a current entry rewrites the lines naming it (supersedeLines); one
 * whose entries repeat a serial, or that finds no inventory, goes through the
 * full load-reconcile-rewrite. Entries built by the caller
 * (core/inventory.ts buildEntry or buildEntryFromFacts, files from entryFiles).
 */
export function createInventoryAppender(
  caDir: string,
  opts: {
    /**
     * Append entries that replace current ones (renew --all) instead of
     * rewriting the file: every load settles them (core/inventory.ts
     * settleSuperseded), and the caller rewrites once at the end.
     */
    superseding?: boolean;
    /** The inventory as this run read it (readInventory): not read again while the file is unchanged (its stamp). */
    known?: InventoryView | undefined;
  } = {},
): {
  /** Before the files of `added` are written: the inventory read and checked, and room for them. */
  checkRoom(added: readonly InventoryEntry[]): Promise<void>;
  append(added: InventoryEntry[], now?: Date): Promise<void>;
  /** The serials recorded now (read under the lock; empty when there is no inventory yet). */
  recorded(): Promise<ReadonlySet<string>>;
  /** Of those, the serials a batch recorded (source "batch"). */
  recordedByBatch(): Promise<ReadonlySet<string>>;
} {
  const file = path.join(caDir, INVENTORY_FILE);
  const { known } = opts;
  let index = known?.stamp === undefined ? undefined : indexOf(known.entries, known.stamp.seen, known.stamp.size);
  const statFile = () => statIfExists(file, 'inventory');
  const rewrite = async (added: InventoryEntry[], now: Date) => {
    const l = await load(caDir, now, added);
    await save(caDir, l);
    const st = await fsp.lstat(file);
    index = indexOf(l.view.entries, statKey(st), st.size);
  };
  /**
   * Entries replacing current ones (issue --force): the file written again once by supersedeLines,
   * without the full load's parse, reconciliation and serializing of every entry (left to the next
   * load, as after an append). Entries sharing a file, or a file without its last line end (a torn
   * append), take the full rewrite.
   */
  const supersede = async (added: InventoryEntry[], idx: AppendIndex, now: Date): Promise<void> => {
    // The bytes checkRoom (or append) read, when current() just found the file as it saw them (idx.seen): read once.
    const bytes = idx.bytes ?? (await readInventoryFile(caDir))?.bytes;
    const files = new Set(added.map((a) => certPathOf(a)));
    if (bytes === undefined || files.size !== added.length || files.has(undefined) || (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a)) return rewrite(added, now);
    const data = supersedeLines(bytes, added, file);
    refuseTooLarge(file, idx.serials.size + added.length, data.length);
    await writeFiles([inventoryFile(caDir, data)], { force: true, caDirOwner: true });
    index = undefined; // read again by the next call
  };
  /** The index of the file as it is now (read again only when another run changed it); undefined when there is no file. */
  const current = async (): Promise<AppendIndex | undefined> => {
    const st = await statFile();
    if (st === undefined) return undefined;
    if (index?.seen !== statKey(st)) {
      // readInventoryFile refuses what is not a regular file (a directory, a symlink): never taken for no inventory.
      const read = await readInventoryFile(caDir);
      index = { ...indexOf(read === undefined ? [] : parseInventory(read.bytes, file), statKey(st), st.size), bytes: read?.bytes };
    }
    return index;
  };
  const append = async (added: InventoryEntry[], now: Date = new Date()): Promise<void> => {
    if (added.length === 0) return;
    const idx = await current();
    if (idx === undefined) return rewrite(added, now); // rebuilt (or refused) by the full load
    if (added.some((a) => idx.serials.has(a.serial))) return rewrite(added, now);
    if (!opts.superseding && added.some((a) => idx.current.has(certPathOf(a) ?? ''))) return supersede(added, idx, now);
    refuseTooLarge(file, idx.serials.size + added.length, 0);
    const fh = await fsp.open(file, FS.O_RDWR | FS.O_APPEND | (FS.O_NOFOLLOW ?? 0));
    try {
      // No line end at the end: an append a kill cut short, or a hand edit. Appending would join that line,
      // so the whole file is written again instead (load drops a torn last line: isTornAppend).
      const last = Buffer.alloc(1);
      if (idx.size > 0 && (await fh.read(last, 0, 1, idx.size - 1)).bytesRead === 1 && last[0] !== 0x0a) return await rewrite(added, now);
      const data = Buffer.from(serializeInventory(added), 'utf8');
      refuseTooLarge(file, 0, idx.size + data.length);
      try {
        const { bytesWritten } = await fh.write(data, 0, data.length);
        if (bytesWritten !== data.length) throw operationError('SHORT_WRITE', `${file}: only ${bytesWritten} of ${data.length} bytes could be appended`, 'check the free space of the disk');
        await fh.sync();
      } catch (e) {
        await fh.truncate(idx.size).catch(() => {}); // never leave half a line
        throw e;
      }
      for (const a of added) {
        idx.serials.add(a.serial);
        if (a.source === 'batch') idx.batch.add(a.serial);
        const p = certPathOf(a);
        if (p !== undefined) idx.current.add(p);
      }
      const after = await fh.stat();
      idx.seen = statKey(after);
      idx.size = after.size;
      idx.bytes = undefined; // what was read no longer is the file: supersede reads it again
    } finally {
      await fh.close();
    }
  };
  /** Reads (and refuses, if damaged) the inventory as it is now, and refuses `added` if the inventory had no room for them: before anything is written. */
  const checkRoom = async (added: readonly InventoryEntry[]): Promise<void> => {
    const idx = await current();
    if (idx !== undefined) refuseTooLarge(file, idx.serials.size + added.length, idx.size + Buffer.byteLength(serializeInventory(added), 'utf8'));
  };
  return {
    checkRoom: (added) => withDirLock(caDir, () => checkRoom(added)),
    append: (added, now) => withDirLock(caDir, () => append(added, now)),
    recorded: () => withDirLock(caDir, async () => new Set((await current())?.serials ?? [])),
    recordedByBatch: () => withDirLock(caDir, async () => new Set((await current())?.batch ?? [])),
  };
}

/**
 * The inventory after `change` as a set member, undefined when the file
 * would hold what it holds. While the entries read are the file's own (one
 * a line, in order: nothing was rebuilt, reconciled, settled or dropped on
 * loading) and `change` kept their number, the file's bytes are copied and
 * only the lines of the entries `change` replaced are re-encoded
 * (rewriteLines): a pool's inventory is never serialized whole. Otherwise
 * every entry is.
 */
function changedInventory(dir: string, l: Loaded, read: InventoryEntry[], entries: InventoryEntry[]): PlannedFile | undefined {
  if (entries === read && !l.changed) return undefined;
  const bytes = l.bytes;
  if (bytes === undefined || l.changed || entries.length !== read.length) return inventoryFile(dir, serializeInventory(entries));
  let k = 0;
  const data = rewriteLines(bytes, (at, end) => {
    // A line without "{" is blank (parseInventory skips it: every other line is an entry, a JSON object).
    const brace = bytes.indexOf(0x7b, at);
    if (brace === -1 || brace >= end) return undefined;
    const i = k++;
    return entries[i] === read[i] ? undefined : entries[i];
  });
  return data === undefined ? undefined : inventoryFile(dir, data);
}

/**
 * Loads and reconciles the inventory, lets `change` edit the entries
 * (revoke), and writes the new inventory in ONE set with the files `plan`
 * makes from the changed entries (revoke, crl: crl.pem and crlnumber),
 * through io/files.ts's journal: after a kill at any point both are the old
 * ones or (rolled forward by the next reader or writer) both the new ones.
 * `change` returns the new entries and never edits the ones it is given: an
 * entry it changes is a new object in the same place (only those lines are
 * written again: changedInventory). `plan` runs under the lock after
 * `change` and may still refuse (nothing is written then). A `change` that
 * returns the very array it was given (crl) changes nothing: only `plan`'s
 * files are written.
 */
export async function updateInventoryWith<T>(
  caDir: string,
  change: (entries: InventoryEntry[]) => { entries: InventoryEntry[]; result: T },
  plan: (entries: InventoryEntry[], result: T) => Promise<PlannedFile[]>,
  now: Date = new Date(),
): Promise<{ view: InventoryView; result: T; files: WrittenFile[] }> {
  return withDirLock(caDir, async () => {
    const l = await load(caDir, now, []);
    const read = l.view.entries;
    const { entries, result } = change(read);
    l.view.entries = entries;
    const others = await plan(entries, result);
    const inventory = changedInventory(caDir, l, read, entries);
    if (inventory === undefined) return { view: l.view, result, files: await writeFiles(others, { force: true, caDirOwner: true }) };
    const written = await writeFiles([inventory, ...others], { force: true, caDirOwner: true });
    return { view: l.view, result, files: written.slice(1) };
  });
}

const READ_ONLY_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The inventory for reading (list): reconciled and saved under the lock; in
 * a directory this user cannot write, reconciled in memory only, with a note.
 */
export async function readInventory(caDir: string, now: Date = new Date()): Promise<InventoryView> {
  try {
    return await withDirLock(caDir, async () => {
      const l = await load(caDir, now, []);
      if (l.changed) await save(caDir, l);
      return l.view;
    });
  } catch (e) {
    if (!READ_ONLY_CODES.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
    const l = await load(caDir, now, []);
    if (l.view.rebuilt || l.view.reconciled.length) l.view.notes.push(`${caDir} is not writable: the reconciled inventory was not saved`);
    l.view.saved = false;
    return l.view;
  }
}
