/**
 * `regcert renew NAME|SERIAL` / `regcert renew --all`: a new certificate with
 * the same subject, SANs, EKUs and validity length and a new serial; the old
 * one is marked superseded. The key is kept unless --rekey (so installed
 * client.key files stay valid). --if-expiring makes it a no-op until due, so
 * it can run daily; --install re-runs install-host --force for the new pair;
 * --exec runs a reload command after success. The CA itself is not renewed.
 *
 * Several at once (renew NAME…, --all: a pool comes due on one night): the
 * inventory is read once and every due certificate is checked before
 * anything is written; the renewals are made on worker threads (a few in
 * this thread) by core/batch-maker.ts, as issue --batch makes its entries,
 * and written in chunks of sets (io/batch-pipeline.ts, io/files.ts
 * writeFileSets), each chunk's records appended to the inventory in one
 * write (they supersede their predecessors when it is read), and the file
 * rewritten once at the end. A rerun after a kill records the renewals a
 * killed run wrote but did not record, and renews the rest. --exec runs
 * once, after all of them, with their names.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createBatchMaker, type BatchWorkerInit, type RenewedLeaf, type RenewJob } from '../core/batch-maker.js';
import { isCaDirFile } from '../core/ca-dir.js';
import { leafEkuOids } from '../core/cert-builder.js';
import { isSignedBy, keyMatchesSpki, parseCertificates, sha256Fingerprint, type Certificate } from '../core/certificates.js';
import { assertCanIssue, type Usage } from '../core/chain.js';
import { DEFAULT_KEY_TYPE, DEFAULT_PKI_DIR, EXPIRY_WARNING_DAYS, DAY_MS } from '../core/defaults.js';
import { ekuNamesOf, formatSans, summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { buildEntry, buildEntryFromFacts, createSelector, entrySummary, isDue, normalizeSerial, type InventoryEntry, type Selection } from '../core/inventory.js';
import { isEncryptedPrivateKey, KEY_TYPES, parsePrivateKey, type KeyType } from '../core/keys.js';
import { ecKeyMatchesSpki, leafParts } from '../core/leaf-der.js';
import { withNameSan } from '../core/leaf-request.js';
import { readBlocks } from '../core/pem.js';
import { parseRegistryHost } from '../core/registry-host.js';
import { formatSan, type San } from '../core/san.js';
import { daysUntil, parseDurationFlag } from '../core/time.js';
import { batchWorkerInit, checkWorkers, createBatchPool, poolSize, runBatchPipeline } from '../io/batch-pipeline.js';
import { pathExists, readInputFileSync, statIfExistsSync, writeFileSets, type FileSet, type PlannedFile, type WrittenFile } from '../io/files.js';
import { withDirLock } from '../io/lock.js';
import { createInventoryAppender, entryCertPath, entryFiles, entryKeyPath, INVENTORY_FILE, markSuperseded, readInventory } from '../io/inventory.js';
import { readCa, readCaCertificate } from '../io/pki.js';
import { readSecret } from '../io/secrets.js';
import { runTool } from '../io/tool.js';
import type { CommandContext } from './context.js';
import type { InstallHostResult } from '../runtimes/install.js';

export interface RenewOptions {
  target?: string | undefined;
  /** Several NAMEs or SERIALs (renew NAME…), renewed in one run. */
  targets?: string[] | undefined;
  all?: boolean | undefined;
  dir?: string | undefined;
  ifExpiring?: string | undefined;
  rekey?: boolean | undefined;
  install?: string | undefined;
  runtime?: string[] | undefined;
  certsDir?: string | undefined;
  exec?: string | undefined;
  /** false (--no-name-san): keep exactly the SANs the certificate had, without adding NAME (core/leaf-request.ts withNameSan). */
  nameSan?: boolean | undefined;
  keyPasswordFile?: string | undefined;
  keyPasswordEnv?: string | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
  /** Worker threads for many renewals (default: one per core). */
  workers?: number | undefined;
}

export interface RenewedItem {
  name: string;
  oldSerial: string;
  serial: string;
  notAfter: string;
  keyKept: boolean;
  files: WrittenFile[];
  /** The new certificate (cli.md: what write commands report). */
  certificate: CertificateSummary;
}

export interface RenewResult {
  command: 'renew';
  ok: boolean;
  exitCode?: number;
  dir: string;
  /** The --if-expiring window in days (null: renew regardless). */
  windowDays: number | null;
  renewed: RenewedItem[];
  notDue: Array<{ name: string; serial: string; notAfter: string; daysLeft: number }>;
  installed: Pick<InstallHostResult, 'host' | 'runtimes' | 'files' | 'warnings'> | null;
  exec: { command: string; exitCode: number | null; output: string } | null;
  notes: string[];
  next: string[];
}

/** What to do instead of renewing the CA. */
const CA_ROTATION_HINT =
  'renewing the CA is not done by regcert: create a new CA ("regcert init-ca --dir NEW"), trust both CA certificates where clients are checked ' +
  '(clientcas / ssl_client_certificate, and each certs.d ca.crt), issue new certificates from NEW, then retire the old CA';

const EXEC_TIMEOUT_MS = 10 * 60 * 1000;
const EXEC_OUTPUT_MAX = 64 * 1024;

/** The certificates this run is about, from the inventory; throws when a NAME or SERIAL cannot be renewed. */
function selectTargets(entries: InventoryEntry[], opts: RenewOptions, names: readonly string[], dir: string): InventoryEntry[] {
  if (opts.all) return entries.filter((e) => e.status === 'valid');
  // Indexed once for every NAME (renew NAME… in a pool): not a scan of the inventory per name.
  const select = createSelector(entries);
  const out = new Map<string, InventoryEntry>();
  for (const what of names) for (const e of selectTarget(select, what, dir)) out.set(e.serial, e);
  return [...out.values()];
}

function selectTarget(select: (what: string) => Selection, what: string, dir: string): InventoryEntry[] {
  const sel = select(what);
  if (sel.entries.length === 0) {
    throw inputError('NOT_IN_INVENTORY', `no certificate named or numbered "${what}" in ${dir}`, `run "regcert list --dir ${dir} --all" to see names and serials`);
  }
  const current = sel.entries.filter((e) => e.status === 'valid');
  if (current.length === 0) {
    const e = sel.entries[sel.entries.length - 1]!;
    if (e.status === 'revoked') throw inputError('REVOKED', `${e.name} (serial ${e.serial}) is revoked`, `a revoked certificate is not renewed: issue a new one with "regcert issue ${e.name} --force"`);
    throw inputError('SUPERSEDED', `serial ${e.serial} was already renewed (superseded by ${e.supersededBy ?? 'a newer certificate'})`, `renew the current one: regcert renew ${e.name}`);
  }
  if (current.length > 1) {
    throw inputError('AMBIGUOUS', `${current.length} current certificates are named "${what}" (${current.map((e) => e.serial).join(', ')})`, 'renew one by its SERIAL');
  }
  return current;
}

function keyTypeOf(e: InventoryEntry): KeyType {
  return (KEY_TYPES as readonly string[]).includes(e.keyType) ? (e.keyType as KeyType) : DEFAULT_KEY_TYPE;
}

/** --exec COMMAND through /bin/sh, run as every external program is (io/tool.ts: time limit, capped output). */
async function runExec(command: string, renewed: RenewedItem[], notes: string[]): Promise<{ exitCode: number | null; output: string }> {
  let names = renewed.map((x) => x.name).join(' ');
  if (names.length > EXEC_NAMES_MAX) {
    notes.push(`REGCERT_RENEWED was left empty for --exec: the ${renewed.length} names are more than ${EXEC_NAMES_MAX} characters (REGCERT_RENEWED_COUNT has the count; "regcert renew --json" lists them)`);
    names = '';
  }
  try {
    const r = await runTool('/bin/sh', ['-c', command], { env: { REGCERT_RENEWED: names, REGCERT_RENEWED_COUNT: String(renewed.length) }, timeoutMs: EXEC_TIMEOUT_MS });
    return { exitCode: r.code, output: `${r.stdout}${r.stderr}`.slice(0, EXEC_OUTPUT_MAX) };
  } catch (e) {
    return { exitCode: null, output: (e as Error).message };
  }
}

interface Plan {
  entry: InventoryEntry;
  /** The certificate it renews (DER, from the inventory). */
  der: Uint8Array;
  certPath: string;
  keyPath: string | undefined;
}

/** Files read at a time while checking (cert and key files: thousands with --all). */
const READ_CONCURRENCY = 32;
/** Renewals made in this thread up to this many; more go to worker threads. */
const IN_PROCESS_MAX = 16;
/** REGCERT_RENEWED for --exec at most (an environment string is limited to 128 KiB on Linux). */
const EXEC_NAMES_MAX = 64 * 1024;

async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += READ_CONCURRENCY) await Promise.all(items.slice(i, i + READ_CONCURRENCY).map(fn));
}

/** A file's bytes, undefined when nothing is there (direct system calls: --all reads thousands of small files). */
function readIfFile(file: string, what: string, kind: 'certificate' | 'key'): Uint8Array | undefined {
  if (statIfExistsSync(file, what) === undefined) return undefined;
  return readInputFileSync(file, what, undefined, kind);
}

/** The first block's DER in a file (PEM with one of `labels`, or DER), undefined when there is none. */
function firstBlockDer(data: Uint8Array, labels: string[], file: string): Uint8Array | undefined {
  try {
    return readBlocks(data, labels, labels[0]!, file)[0]?.der;
  } catch {
    return undefined;
  }
}

/**
 * A renewal an interrupted run wrote but did not record: the certificate
 * file holds, instead of the entry's certificate, a certificate from this CA
 * with the same subject. It is recorded now (as renewing the entry), not
 * renewed again.
 */
async function interruptedRenewal(p: Plan, ca: Certificate, now: Date): Promise<InventoryEntry | undefined> {
  // A file whose status has not changed since the entry was recorded (ctime: written, renamed; a copy cannot set it back) is the recorded one.
  const st = statIfExistsSync(p.certPath, 'certificate file');
  if (st === undefined || Math.ceil(st.ctimeMs) <= Date.parse(p.entry.recordedAt)) return undefined;
  const data = readIfFile(p.certPath, 'certificate file', 'certificate');
  const der = data && firstBlockDer(data, ['CERTIFICATE'], p.certPath);
  if (der === undefined || sha256Fingerprint(der) === p.entry.sha256) return undefined;
  let cert: Certificate;
  try {
    cert = parseCertificates(der, p.certPath)[0]!;
  } catch {
    return undefined;
  }
  if (!Buffer.from(leafParts(der).subject).equals(Buffer.from(leafParts(p.der).subject)) || !(await isSignedBy(cert, ca))) return undefined;
  if (cert.notBefore.getTime() < new Date(p.entry.notBefore).getTime()) return undefined;
  return buildEntry(cert, { name: p.entry.name, files: p.entry.files, source: 'renew', now, days: p.entry.days, renewedFrom: p.entry.serial });
}

/** The kept key must still belong to the certificate (fail closed before anything is written). */
async function checkKeptKey(p: Plan, passphrase: string | undefined, notes: string[]): Promise<void> {
  if (p.keyPath === undefined) return;
  const data = readIfFile(p.keyPath, 'private key', 'key');
  if (data === undefined) return;
  const encrypted = isEncryptedPrivateKey(data); // the one detector (PEM and DER)
  if (encrypted && passphrase === undefined) {
    notes.push(`${p.keyPath} is encrypted: not checked against the certificate (pass --key-password-file to check it)`);
    return;
  }
  const spki = leafParts(p.der).spki;
  // An unencrypted EC key (the common case, thousands with --all) is checked without OpenSSL's slow decoding.
  const der = encrypted ? undefined : firstBlockDer(data, ['PRIVATE KEY'], p.keyPath);
  let match = der === undefined ? undefined : ecKeyMatchesSpki(der, spki);
  match ??= keyMatchesSpki((await parsePrivateKey(data, { passphrase: encrypted ? passphrase : undefined, source: p.keyPath })).key, spki);
  if (!match) {
    throw inputError('KEY_MISMATCH', `${p.keyPath} does not belong to ${p.entry.name}'s certificate (serial ${p.entry.serial})`, `renew with --rekey to make a new key, or restore the key`);
  }
}

/** One note per validity length, not one per certificate (a pool has thousands). */
function windowNotes(due: InventoryEntry[], window: number): string[] {
  const byDays = new Map<number, string[]>();
  for (const e of due) {
    if (e.days * DAY_MS > window) continue;
    const names = byDays.get(e.days) ?? [];
    names.push(e.name);
    byDays.set(e.days, names);
  }
  return [...byDays].map(([days, names]) => {
    const who = names.length === 1 ? `${names[0]} is` : `${names.length} certificates (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}) are`;
    return `${who} valid for ${days} days, not longer than the ${window / DAY_MS}-day window: every run renews again (issue with a longer --days, or use a shorter --if-expiring)`;
  });
}

export async function renew(opts: RenewOptions, ctx: CommandContext): Promise<RenewResult> {
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  const names = [...(opts.target !== undefined ? [opts.target] : []), ...(opts.targets ?? [])];
  if ((names.length === 0) === !opts.all) {
    throw inputError('RENEW_WHAT', opts.all ? 'NAME|SERIAL and --all are exclusive' : 'nothing to renew given', 'pass a certificate NAME or SERIAL (or several), or --all');
  }
  if (names.some((n) => ['ca', 'ca.crt'].includes(n))) throw inputError('CA_RENEWAL', 'the CA itself cannot be renewed', CA_ROTATION_HINT);
  const window = (opts.ifExpiring !== undefined ? parseDurationFlag(opts.ifExpiring, '--if-expiring') : undefined) ?? (opts.all ? EXPIRY_WARNING_DAYS * DAY_MS : undefined);
  if (opts.install !== undefined) parseRegistryHost(opts.install);
  if (opts.install === undefined && (opts.runtime?.length || opts.certsDir !== undefined)) {
    throw inputError('INSTALL_OPTIONS', '--runtime and --certs-dir only apply with --install', 'add --install HOST[:PORT]');
  }
  checkWorkers(opts.workers);
  const now = ctx.now ?? new Date();
  // Read before the lock: a directory that is missing or cannot be read is reported as such (the lock would create it).
  const caCert = await readCaCertificate(dir);
  const caSerial = normalizeSerial(caCert.serialNumber);
  if (names.some((n) => normalizeSerial(n) === caSerial)) throw inputError('CA_RENEWAL', 'the CA itself cannot be renewed', CA_ROTATION_HINT);
  // One run at a time per CA directory, from reading the inventory to its last rewrite: two runs (a nightly
  // renew --all and one by hand) would otherwise both renew the same due certificates. --install and --exec
  // run after the lock is released (an --exec command may itself run regcert on this directory).
  const { result, install } = await withDirLock(dir, () => renewUnderLock(opts, ctx, dir, caCert, names, window, now), { timeoutMs: RENEW_LOCK_WAIT_MS });
  const notes = result.notes;

  if (opts.install !== undefined && install !== undefined) {
    const { p, caFile } = install;
    const keyPath = p.keyPath ?? path.join(path.dirname(p.certPath), `${p.entry.name}.key`);
    const { installHost } = await import('../runtimes/install.js');
    const inst = await installHost(
      {
        host: opts.install,
        cert: p.certPath,
        key: keyPath,
        keyPasswordFile: opts.keyPasswordFile,
        keyPasswordEnv: opts.keyPasswordEnv,
        ca: caFile,
        runtime: opts.runtime,
        certsDir: opts.certsDir,
        force: true,
      },
      ctx,
    );
    result.installed = { host: inst.host, runtimes: inst.runtimes, files: inst.files, warnings: inst.warnings };
  }
  if (opts.exec !== undefined && result.renewed.length > 0) {
    ctx.progress?.(`running ${opts.exec}`);
    const r = await runExec(opts.exec, result.renewed, notes);
    result.exec = { command: opts.exec, ...r };
    if (r.exitCode !== 0) {
      result.ok = false;
      result.exitCode = 1;
      notes.push(`the certificates were renewed, but --exec failed (${r.exitCode === null ? 'did not run or timed out' : `exit ${r.exitCode}`}): run it by hand`);
    }
  }
  if (result.renewed.length > 0) {
    result.next.push('reload every server that uses a renewed server certificate (the registry, nginx); clients read certs.d on each connection');
  }
  return result;
}

/** How long a renew run waits for another regcert process's lock on the CA directory (a pool's renewal takes a while). */
const RENEW_LOCK_WAIT_MS = 120_000;

/** The renewal itself, under the CA directory's lock: read and decide, make, write and record, mark superseded. */
async function renewUnderLock(
  opts: RenewOptions,
  ctx: CommandContext,
  dir: string,
  /** DIR/ca.crt, as renew read it before taking the lock. */
  caCert: Certificate,
  names: readonly string[],
  window: number | undefined,
  now: Date,
): Promise<{ result: RenewResult; install?: { p: Plan; caFile: string } | undefined }> {
  // Which certificates, and which of them are due (read under the lock, reconciled).
  const view = await readInventory(dir, now);
  const targets = selectTargets(view.entries, opts, names, dir);
  const due = window === undefined ? targets : targets.filter((e) => isDue(e, window, now));
  const dueSet = new Set(due);
  const notDue = targets.filter((e) => !dueSet.has(e)).map((e) => ({ name: e.name, serial: e.serial, notAfter: e.notAfter, daysLeft: daysUntil(e.notAfter, now) }));
  const notes = [...view.notes];
  const result: RenewResult = {
    command: 'renew',
    ok: true,
    dir,
    windowDays: window === undefined ? null : window / DAY_MS,
    renewed: [],
    notDue,
    installed: null,
    exec: null,
    notes,
    next: [],
  };
  if (window !== undefined) notes.push(...windowNotes(due, window));
  if (due.length === 0) return { result };

  const plans: Plan[] = due.map((entry) => {
    const certPath = entryCertPath(dir, entry);
    if (certPath === undefined) throw inputError('NO_FILE', `the inventory names no certificate file for ${entry.name}`, 'issue it again with "regcert issue"');
    let keyPath = entryKeyPath(dir, entry);
    if (opts.rekey) {
      keyPath ??= path.join(path.dirname(certPath), `${entry.name}.key`);
      // The pair is written as one set, in one directory.
      if (path.dirname(path.resolve(keyPath)) !== path.dirname(path.resolve(certPath))) {
        throw inputError('KEY_ELSEWHERE', `${entry.name}'s key ${keyPath} is not beside its certificate ${certPath}`, 'renew it without --rekey, or move the key beside the certificate');
      }
    }
    // The inventory names the files renew replaces: never the CA directory's own (a hand-edited or old inventory).
    for (const f of [certPath, keyPath]) {
      if (f !== undefined && isCaDirFile(path.basename(f))) {
        throw inputError('RESERVED_NAME', `the inventory entry ${entry.name} (serial ${entry.serial}) names ${f}, one of the CA directory's own files`, `renewing it would replace that file: fix the entry in ${path.join(dir, INVENTORY_FILE)}`);
      }
    }
    return { entry, der: new Uint8Array(Buffer.from(entry.der, 'base64')), certPath, keyPath };
  });
  for (const p of plans) {
    if (!p.entry.ekus.includes('serverAuth') && !p.entry.ekus.includes('clientAuth')) {
      throw inputError('UNSUPPORTED_PROFILE', `${p.entry.name} has neither serverAuth nor clientAuth (${p.entry.ekus.join(', ') || 'no EKU'}): regcert does not issue that profile`, 'issue its replacement with the tool that made it');
    }
  }
  const installable = plans.filter((p) => p.entry.ekus.includes('clientAuth'));
  if (opts.install !== undefined) {
    if (installable.length !== 1) {
      throw inputError(
        'INSTALL_WHICH',
        `--install needs exactly one client certificate to renew, and ${installable.length} are due (${installable.map((p) => p.entry.name).join(', ') || 'none with clientAuth'})`,
        'renew one NAME with --install, or run --all without --install',
      );
    }
    const p = installable[0]!;
    if (!opts.rekey && (p.keyPath === undefined || !(await pathExists(p.keyPath)))) {
      throw inputError('NO_KEY', `${p.entry.name} has no key file in the inventory (signed from a CSR?), so it cannot be installed`, 'pass --rekey to make a new key, or install it by hand');
    }
  }

  const passphrase = await readSecret(
    { file: opts.keyPasswordFile, env: opts.keyPasswordEnv },
    { flag: '--key-password-file', label: 'passphrase of the key', required: false },
    ctx,
  );
  // A run killed part-way wrote some renewals it did not record: record those, renew the rest.
  const late = new Map<Plan, InventoryEntry>();
  await eachLimited(plans, async (p) => {
    const e = await interruptedRenewal(p, caCert, now);
    if (e !== undefined) late.set(p, e);
  });
  const todo = plans.filter((p) => !late.has(p));
  if (!opts.rekey) await eachLimited(todo, (p) => checkKeptKey(p, passphrase, notes));
  const ca = await readCa(dir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  // As issue does: nothing is made from a CA whose chain would be refused for the renewals' usages (core/chain.ts).
  const usages = new Set<Usage>();
  for (const p of todo) {
    if (p.entry.ekus.includes('serverAuth')) usages.add('serverAuth');
    if (p.entry.ekus.includes('clientAuth')) usages.add('clientAuth');
  }
  if (todo.length > 0) await assertCanIssue(ca.chain, [...usages], dir, now);
  // The SANs each certificate had; a server certificate also keeps its name (core/leaf-request.ts withNameSan, issue's rule).
  const sansOf = new Map<Plan, San[]>();
  const added: string[] = [];
  for (const p of todo) {
    const had = leafParts(p.der).sans;
    if (!p.entry.ekus.includes('serverAuth')) {
      sansOf.set(p, had);
      continue;
    }
    const r = withNameSan(p.entry.name, had, { nameSan: opts.nameSan });
    sansOf.set(p, r.sans);
    if (r.added) added.push(`${p.entry.name}: added ${formatSan(r.added)}`);
  }
  if (added.length > 0) {
    notes.push(
      added.length === 1
        ? `${added[0]} to the SANs it had, since a server certificate keeps its name (pass --no-name-san to keep them as they were)`
        : `${added.length} server certificates gain their name as a SAN, since a server certificate keeps its name (pass --no-name-san to keep them as they were): ${added.slice(0, 10).join('; ')}${added.length > 10 ? '; …' : ''}`,
    );
  }
  const inventory = createInventoryAppender(dir, { superseding: true, known: view });
  if (late.size > 0) {
    await inventory.append([...late.values()], now);
    for (const [p, e] of late) {
      const der = new Uint8Array(Buffer.from(e.der, 'base64'));
      const cert = parseCertificates(der, p.certPath)[0]!;
      const keyKept = Buffer.from(leafParts(der).spki).equals(Buffer.from(leafParts(p.der).spki));
      const files: WrittenFile[] = e.files.map((f) => ({ path: f.kind === 'certificate' ? p.certPath : p.keyPath!, kind: f.kind, mode: f.kind === 'certificate' ? '0644' : '0600', status: 'unchanged' }));
      result.renewed.push({ name: e.name, oldSerial: p.entry.serial, serial: e.serial, notAfter: e.notAfter, keyKept, files, certificate: summarizeCertificate(cert) });
    }
    notes.push(`${late.size} certificate(s) renewed by an interrupted run were recorded now, not renewed again: ${[...late.keys()].map((p) => p.entry.name).slice(0, 10).join(', ')}${late.size > 10 ? ', …' : ''}`);
  }
  const init: BatchWorkerInit = batchWorkerInit(ca, { keyType: DEFAULT_KEY_TYPE, p12: false, keyPassphrase: opts.rekey ? passphrase : undefined });
  const byName = new Map(todo.map((p) => [p.entry.name, p]));
  const jobs = todo.map(
    (p): RenewJob => ({
      kind: 'renew',
      name: p.entry.name,
      oldDer: p.der,
      sans: sansOf.get(p)!,
      server: p.entry.ekus.includes('serverAuth'),
      client: p.entry.ekus.includes('clientAuth'),
      days: p.entry.days,
      rekey: opts.rekey ? keyTypeOf(p.entry) : undefined,
    }),
  );
  const issuerName = ca.cert.subject;
  let checked = false;
  /** The new certificate's inventory entry and summary, from what the builder made (the first checked against a parse). */
  const describe = (p: Plan, r: RenewedLeaf, recordedAt: Date): { entry: InventoryEntry; item: RenewedItem } => {
    const files = entryFiles(dir, p.certPath, p.keyPath);
    const entry = buildEntryFromFacts(
      {
        serial: r.serial,
        subject: p.entry.subject,
        sans: formatSans(r.sans),
        ekus: ekuNamesOf(leafEkuOids(p.entry.ekus.includes('serverAuth'), p.entry.ekus.includes('clientAuth'))),
        keyType: opts.rekey ? keyTypeOf(p.entry) : p.entry.keyType,
        notBefore: r.notBefore,
        notAfter: r.notAfter,
        der: r.der,
      },
      { name: p.entry.name, files, source: 'renew', now: recordedAt, days: p.entry.days, renewedFrom: p.entry.serial },
    );
    const certificate = entrySummary(entry, issuerName);
    if (!checked) {
      const cert = parseCertificates(r.der, p.certPath)[0]!;
      const parsed = buildEntry(cert, { name: p.entry.name, files, source: 'renew', now: recordedAt, days: p.entry.days, renewedFrom: p.entry.serial });
      if (JSON.stringify(parsed) !== JSON.stringify(entry) || JSON.stringify(summarizeCertificate(cert)) !== JSON.stringify(certificate)) {
        throw new Error(`renew: the record built for ${p.entry.name} differs from its certificate's`);
      }
      checked = true;
    }
    const written: WrittenFile[] = [{ path: p.certPath, kind: 'certificate', mode: '0644', status: 'written' }];
    if (r.keyPem !== undefined) written.push({ path: p.keyPath!, kind: 'private-key', mode: '0600', status: 'written' });
    return { entry, item: { name: p.entry.name, oldSerial: p.entry.serial, serial: entry.serial, notAfter: entry.notAfter, keyKept: !opts.rekey, files: written, certificate } };
  };
  /**
   * A group of renewals: every certificate (and new key) written as one
   * chunk of sets per directory (io/files.ts writeFileSets: each pair whole
   * or not at all), then their records appended in one write (after the
   * files: an entry never describes a certificate that is not there).
   */
  const commit = async (group: RenewedLeaf[]): Promise<void> => {
    const byDir = new Map<string, FileSet[]>();
    for (const r of group) {
      const p = byName.get(r.name)!;
      const files: PlannedFile[] = [{ path: p.certPath, data: r.certPem, mode: 0o644, kind: 'certificate' }];
      if (r.keyPem !== undefined) files.push({ path: p.keyPath!, data: r.keyPem, mode: 0o600, kind: 'private-key' });
      const d = path.dirname(path.resolve(p.certPath));
      const sets = byDir.get(d) ?? [];
      sets.push({ files, force: true });
      byDir.set(d, sets);
    }
    for (const [d, sets] of byDir) await writeFileSets(d, sets);
    const recordedAt = ctx.now ?? new Date();
    const described = group.map((r) => describe(byName.get(r.name)!, r, recordedAt));
    await inventory.append(
      described.map((x) => x.entry),
      recordedAt,
    );
    for (const x of described) result.renewed.push(x.item);
  };
  if (jobs.length > 0) {
    const workerCount = Math.max(1, opts.workers ?? availableParallelism());
    if (jobs.length <= IN_PROCESS_MAX) {
      const maker = createBatchMaker(init);
      await commit(jobs.map((j) => maker.renew(j)));
    } else {
      const pool = createBatchPool<RenewJob, RenewedLeaf>(poolSize(jobs.length, workerCount), init);
      try {
        await runBatchPipeline({ jobs, total: jobs.length, pool, commit, onProgress: ctx.batchProgress });
      } finally {
        await pool.close();
      }
    }
  }
  // The one rewrite: the appended renewals mark their predecessors superseded in the file itself.
  await markSuperseded(dir, new Map(result.renewed.map((r): [string, string] => [r.oldSerial, r.serial])));

  // readCa read ca-chain.crt (checked to start with ca.crt) when there is one.
  const caFile = path.join(dir, ca.chain.length > 1 ? 'ca-chain.crt' : 'ca.crt');
  return { result, install: opts.install !== undefined ? { p: installable[0]!, caFile } : undefined };
}
