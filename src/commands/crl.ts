/**
 * `regcert crl`: a signed CRL v2 (DIR/crl.pem) listing every certificate the
 * inventory marks revoked, with a CRL number one above the last.
 */
import path from 'node:path';
import { buildCrl, checkCrlFreshness, crlToPem, parseCrl, parseCrlFile } from '../core/crl.js';
import type { Problem } from '../runtimes/types.js';
import { CRL_FILE, DEFAULT_CRL_DAYS, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import type { InventoryEntry, RevocationReason } from '../core/inventory.js';
import { pathExists, readInputFile, writeFiles, type WrittenFile } from '../io/files.js';
import { updateInventory } from '../io/inventory.js';
import { withDirLock } from '../io/lock.js';
import { readCa, type LoadedCa } from '../io/pki.js';
import type { CommandContext } from './context.js';

export interface CrlOptions {
  dir?: string | undefined;
  days?: number | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
}

export interface CrlSummary {
  file: string;
  number: string;
  thisUpdate: string;
  nextUpdate: string;
  revoked: Array<{ serial: string; name: string; reason: RevocationReason; revokedAt: string }>;
  files: WrittenFile[];
}

export interface CrlResult extends CrlSummary {
  command: 'crl';
  dir: string;
  next: string[];
}

/** DIR/crlnumber: the last CRL number, in hex as openssl's crlnumber file. */
const CRL_NUMBER_FILE = 'crlnumber';

async function lastCrlNumber(dir: string): Promise<bigint> {
  let last = 0n;
  const numberFile = path.join(dir, CRL_NUMBER_FILE);
  if (await pathExists(numberFile)) {
    const text = Buffer.from(await readInputFile(numberFile, 'CRL number file')).toString('utf8').trim();
    if (!/^[0-9A-Fa-f]{1,40}$/.test(text)) throw inputError('BAD_CRL_NUMBER', `${numberFile} does not hold a hex number`, `fix it, or remove it (the number then continues from ${CRL_FILE})`);
    last = BigInt(`0x${text}`);
  }
  const crlFile = path.join(dir, CRL_FILE);
  if (await pathExists(crlFile)) {
    const n = parseCrlFile(await readInputFile(crlFile, 'CRL'), crlFile).number;
    if (n !== undefined && n > last) last = n;
  }
  return last;
}

/**
 * Writes DIR/crl.pem (and DIR/crlnumber) for these entries. Call it inside
 * withDirLock(dir), with the entries read under that lock.
 */
export async function writeCrl(dir: string, ca: LoadedCa, entries: InventoryEntry[], days: number, now: Date): Promise<CrlSummary> {
  const revoked = entries.filter((e) => e.status === 'revoked');
  const number = (await lastCrlNumber(dir)) + 1n;
  const der = buildCrl({
    issuer: { cert: ca.cert, key: ca.key },
    revoked: revoked.map((e) => ({ serial: e.serial, revokedAt: new Date(e.revokedAt!), reason: e.reason! })),
    number,
    thisUpdate: now,
    days,
  });
  const info = parseCrl(der);
  const file = path.join(dir, CRL_FILE);
  const files = await writeFiles(
    [
      { path: file, data: crlToPem(der), mode: 0o644, kind: 'other' },
      { path: path.join(dir, CRL_NUMBER_FILE), data: `${number.toString(16).toUpperCase().padStart(2, '0')}\n`, mode: 0o644, kind: 'other' },
    ],
    { force: true },
  );
  return {
    file,
    number: number.toString(),
    thisUpdate: info.thisUpdate.toISOString(),
    nextUpdate: info.nextUpdate!.toISOString(),
    revoked: revoked.map((e) => ({ serial: e.serial, name: e.name, reason: e.reason!, revokedAt: e.revokedAt! })),
    files,
  };
}

export async function crl(opts: CrlOptions, ctx: CommandContext): Promise<CrlResult> {
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  const days = opts.days ?? DEFAULT_CRL_DAYS;
  const ca = await readCa(dir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  const now = ctx.now ?? new Date();
  const summary = await withDirLock(dir, async () => {
    const { view } = await updateInventory(dir, (entries) => ({ entries, result: undefined }), now);
    return writeCrl(dir, ca, view.entries, days, now);
  });
  return {
    command: 'crl',
    dir,
    ...summary,
    next: [
      `openssl crl -in ${summary.file} -CAfile ${path.join(dir, 'ca.crt')} -verify -noout -text`,
      `refresh it before ${summary.nextUpdate} (regcert config systemd --dir ${dir} runs it daily), and reload the server that reads it`,
    ],
  };
}

/**
 * doctor's CRL check (--crl FILE): past nextUpdate is a problem (verifiers
 * refuse every client), within CRL_WARNING_DAYS a warning.
 */
export async function examineCrl(file: string, now: Date = new Date()): Promise<{ problems: Problem[]; warnings: string[] }> {
  const info = parseCrlFile(await readInputFile(file, 'CRL', 'check the path given to --crl'), file);
  const fresh = checkCrlFreshness(info, file, path.dirname(file), now);
  if (fresh.level === 'expired') return { problems: [{ code: 'crl-stale', path: file, message: fresh.message, fix: fresh.fix }], warnings: [] };
  return { problems: [], warnings: fresh.level === 'warning' ? [`${fresh.message}; fix: ${fresh.fix}`] : [] };
}
