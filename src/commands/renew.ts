/**
 * `regcert renew NAME|SERIAL` / `regcert renew --all`: a new certificate with
 * the same subject, SANs, EKUs and validity length and a new serial; the old
 * one is marked superseded. The key is kept unless --rekey (so installed
 * client.key files stay valid). --if-expiring makes it a no-op until due, so
 * it can run daily; --install re-runs install-host --force for the new pair;
 * --exec runs a reload command after success. The CA itself is not renewed.
 */
import path from 'node:path';
import { isCaDirFile } from '../core/ca-dir.js';
import { certificateToPem, createLeaf, keyMatchesCertificate, type Certificate } from '../core/certificates.js';
import { DEFAULT_KEY_TYPE, DEFAULT_PKI_DIR, EXPIRY_WARNING_DAYS, DAY_MS } from '../core/defaults.js';
import { certificateSans, summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { isDue, normalizeSerial, selectEntries, type InventoryEntry } from '../core/inventory.js';
import { exportPrivateKeyPem, generatePrivateKey, isEncryptedPrivateKey, KEY_TYPES, parsePrivateKey, publicKeyDer, type KeyType } from '../core/keys.js';
import { withNameSan } from '../core/leaf-request.js';
import { parseRegistryHost } from '../core/registry-host.js';
import { formatSan } from '../core/san.js';
import { daysUntil, parseDurationFlag } from '../core/time.js';
import { x509 } from '../core/x509.js';
import { pathExists, readInputFile, writeFiles, type PlannedFile, type WrittenFile } from '../io/files.js';
import { entryCertPath, entryKeyPath, INVENTORY_FILE, readInventory, recordIssued } from '../io/inventory.js';
import { withDirLock } from '../io/lock.js';
import { readCa, readCaCertificate, type LoadedCa } from '../io/pki.js';
import { readSecret } from '../io/secrets.js';
import { runTool } from '../io/tool.js';
import type { CommandContext } from './context.js';
import type { InstallHostResult } from './install-host.js';

export interface RenewOptions {
  target?: string | undefined;
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
function selectTargets(entries: InventoryEntry[], opts: RenewOptions, dir: string): InventoryEntry[] {
  if (opts.all) return entries.filter((e) => e.status === 'valid');
  const what = opts.target!;
  const sel = selectEntries(entries, what);
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
async function runExec(command: string, renewed: RenewedItem[]): Promise<{ exitCode: number | null; output: string }> {
  try {
    const r = await runTool('/bin/sh', ['-c', command], { env: { REGCERT_RENEWED: renewed.map((x) => x.name).join(' ') }, timeoutMs: EXEC_TIMEOUT_MS });
    return { exitCode: r.code, output: `${r.stdout}${r.stderr}`.slice(0, EXEC_OUTPUT_MAX) };
  } catch (e) {
    return { exitCode: null, output: (e as Error).message };
  }
}

interface Plan {
  entry: InventoryEntry;
  old: Certificate;
  certPath: string;
  keyPath: string | undefined;
}

async function renewOne(p: Plan, ca: LoadedCa, dir: string, opts: RenewOptions, passphrase: string | undefined, now: Date, notes: string[]): Promise<RenewedItem> {
  const { entry, old } = p;
  const ekus = entry.ekus;
  const server = ekus.includes('serverAuth');
  const client = ekus.includes('clientAuth');
  let publicKey: Uint8Array | InstanceType<typeof x509.PublicKey> = old.publicKey;
  const rsa = entry.keyType.startsWith('rsa');
  let keyPem: string | undefined;
  let keyPath = p.keyPath;
  if (opts.rekey) {
    const key = await generatePrivateKey(keyTypeOf(entry));
    publicKey = publicKeyDer(key);
    keyPem = exportPrivateKeyPem(key, passphrase);
    keyPath ??= path.join(path.dirname(p.certPath), `${entry.name}.key`);
  }
  // The SANs the certificate had; a server certificate also keeps its name (the one rule issue applies).
  const { sans, added } = server ? withNameSan(entry.name, certificateSans(old), { nameSan: opts.nameSan }) : { sans: certificateSans(old), added: undefined };
  if (added) notes.push(`${entry.name}: added ${formatSan(added)} to the SANs it had, since a server certificate keeps its name (pass --no-name-san to keep them as they were)`);
  const cert = await createLeaf({ subject: old.subjectName, publicKey, rsa, server, client, sans, days: entry.days }, ca, { now });
  const files: PlannedFile[] = [{ path: p.certPath, data: [cert, ...ca.intermediates].map(certificateToPem).join(''), mode: 0o644, kind: 'certificate' }];
  if (keyPem !== undefined) files.push({ path: keyPath!, data: keyPem, mode: 0o600, kind: 'private-key' });
  // Files first, then the record (which marks the old entry superseded), under the CA directory's lock.
  const written = await withDirLock(dir, async () => {
    const w = await writeFiles(files, { force: true });
    await recordIssued(dir, [{ cert, name: entry.name, certPath: p.certPath, keyPath, source: 'renew', days: entry.days, renewedFrom: entry.serial }], now);
    return w;
  });
  return {
    name: entry.name,
    oldSerial: entry.serial,
    serial: normalizeSerial(cert.serialNumber),
    notAfter: cert.notAfter.toISOString(),
    keyKept: !opts.rekey,
    files: written,
    certificate: summarizeCertificate(cert),
  };
}

/** The kept key must still belong to the certificate (fail closed before anything is written). */
async function checkKeptKey(p: Plan, passphrase: string | undefined, notes: string[]): Promise<void> {
  if (p.keyPath === undefined || !(await pathExists(p.keyPath))) return;
  const data = await readInputFile(p.keyPath, 'private key', undefined, 'key');
  const encrypted = isEncryptedPrivateKey(data); // the one detector (PEM and DER)
  if (encrypted && passphrase === undefined) {
    notes.push(`${p.keyPath} is encrypted: not checked against the certificate (pass --key-password-file to check it)`);
    return;
  }
  const { key } = parsePrivateKey(data, { passphrase: encrypted ? passphrase : undefined, source: p.keyPath });
  if (!keyMatchesCertificate(key, p.old)) {
    throw inputError('KEY_MISMATCH', `${p.keyPath} does not belong to ${p.entry.name}'s certificate (serial ${p.entry.serial})`, `renew with --rekey to make a new key, or restore the key`);
  }
}

export async function renew(opts: RenewOptions, ctx: CommandContext): Promise<RenewResult> {
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  if ((opts.target === undefined) === !opts.all) {
    throw inputError('RENEW_WHAT', opts.all ? 'NAME|SERIAL and --all are exclusive' : 'nothing to renew given', 'pass a certificate NAME or SERIAL, or --all');
  }
  if (opts.target !== undefined && ['ca', 'ca.crt'].includes(opts.target)) throw inputError('CA_RENEWAL', 'the CA itself cannot be renewed', CA_ROTATION_HINT);
  const window = (opts.ifExpiring !== undefined ? parseDurationFlag(opts.ifExpiring, '--if-expiring') : undefined) ?? (opts.all ? EXPIRY_WARNING_DAYS * DAY_MS : undefined);
  if (opts.install !== undefined) parseRegistryHost(opts.install);
  if (opts.install === undefined && (opts.runtime?.length || opts.certsDir !== undefined)) {
    throw inputError('INSTALL_OPTIONS', '--runtime and --certs-dir only apply with --install', 'add --install HOST[:PORT]');
  }
  const now = ctx.now ?? new Date();
  if (opts.target !== undefined) {
    const caCert = await readCaCertificate(dir);
    if (normalizeSerial(caCert.serialNumber) === normalizeSerial(opts.target)) throw inputError('CA_RENEWAL', 'the CA itself cannot be renewed', CA_ROTATION_HINT);
  }

  // Which certificates, and which of them are due (read under the lock, reconciled).
  const view = await readInventory(dir, now);
  const targets = selectTargets(view.entries, opts, dir);
  const due = window === undefined ? targets : targets.filter((e) => isDue(e, window, now));
  const notDue = targets.filter((e) => !due.includes(e)).map((e) => ({ name: e.name, serial: e.serial, notAfter: e.notAfter, daysLeft: daysUntil(e.notAfter, now) }));
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
  if (window !== undefined) {
    for (const e of due) {
      if (e.days * DAY_MS <= window) notes.push(`${e.name} is valid for ${e.days} days, not longer than the ${window / DAY_MS}-day window: every run renews it again (issue it with a longer --days, or use a shorter --if-expiring)`);
    }
  }
  if (due.length === 0) return result;

  const plans: Plan[] = due.map((entry) => {
    const certPath = entryCertPath(dir, entry);
    if (certPath === undefined) throw inputError('NO_FILE', `the inventory names no certificate file for ${entry.name}`, 'issue it again with "regcert issue"');
    const keyPath = entryKeyPath(dir, entry);
    // The inventory names the files renew replaces: never the CA directory's own (a hand-edited or old inventory).
    for (const f of [certPath, keyPath]) {
      if (f !== undefined && isCaDirFile(path.basename(f))) {
        throw inputError('RESERVED_NAME', `the inventory entry ${entry.name} (serial ${entry.serial}) names ${f}, one of the CA directory's own files`, `renewing it would replace that file: fix the entry in ${path.join(dir, INVENTORY_FILE)}`);
      }
    }
    return { entry, old: new x509.X509Certificate(Buffer.from(entry.der, 'base64')), certPath, keyPath };
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
  if (!opts.rekey) for (const p of plans) await checkKeptKey(p, passphrase, notes);
  const ca = await readCa(dir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  for (const p of plans) {
    ctx.progress?.(`renewing ${p.entry.name}`);
    result.renewed.push(await renewOne(p, ca, dir, opts, passphrase, now, notes));
  }

  if (opts.install !== undefined) {
    const p = installable[0]!;
    const keyPath = p.keyPath ?? path.join(path.dirname(p.certPath), `${p.entry.name}.key`);
    // readCa read ca-chain.crt (checked to start with ca.crt) when there is one.
    const caFile = path.join(dir, ca.chain.length > 1 ? 'ca-chain.crt' : 'ca.crt');
    const { installHost } = await import('./install-host.js');
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
  if (opts.exec !== undefined) {
    ctx.progress?.(`running ${opts.exec}`);
    const r = await runExec(opts.exec, result.renewed);
    result.exec = { command: opts.exec, ...r };
    if (r.exitCode !== 0) {
      result.ok = false;
      result.exitCode = 1;
      notes.push(`the certificates were renewed, but --exec failed (${r.exitCode === null ? 'did not run or timed out' : `exit ${r.exitCode}`}): run it by hand`);
    }
  }
  if (result.renewed.some((r) => r.files.some((f) => f.kind === 'certificate'))) {
    result.next.push('reload every server that uses a renewed server certificate (the registry, nginx); clients read certs.d on each connection');
  }
  return result;
}
