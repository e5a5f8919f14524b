/**
 * `regcert crl`: a signed CRL v2 (DIR/crl.pem) listing every certificate the
 * inventory marks revoked, with a CRL number one above the last.
 */
import path from 'node:path';
import { CA_DIR_FILES } from '../core/ca-dir.js';
import { buildCrl, checkCrlFreshness, crlToPem, parseCrlFile, validateCrlDays } from '../core/crl.js';
import type { Problem } from '../runtimes/types.js';
import { CRL_FILE, DAY_MS, DEFAULT_CRL_DAYS, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import type { InventoryEntry, RevocationReason } from '../core/inventory.js';
import { pathExists, readInputFile, type PlannedFile, type WrittenFile } from '../io/files.js';
import { readInventory, updateInventoryWith } from '../io/inventory.js';
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
const CRL_NUMBER_FILE = CA_DIR_FILES.crlNumber;

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

/** The serials DIR/crl.pem lists now (undefined when there is none, or it cannot be read). */
export async function currentCrlSerials(dir: string): Promise<Set<string> | undefined> {
  const crlFile = path.join(dir, CRL_FILE);
  if (!(await pathExists(crlFile))) return undefined;
  try {
    return new Set(parseCrlFile(await readInputFile(crlFile, 'CRL'), crlFile).revokedSerials);
  } catch {
    return undefined;
  }
}

/**
 * The files of a new CRL for these entries: DIR/crl.pem and DIR/crlnumber,
 * to be written in one set with the inventory (io/inventory.ts
 * updateInventoryWith), under DIR's lock. `days` was checked by the caller
 * (core/crl.ts validateCrlDays) before anything else.
 */
export async function planCrl(dir: string, ca: Pick<LoadedCa, 'cert' | 'key'>, entries: InventoryEntry[], days: number, now: Date): Promise<{ files: PlannedFile[]; summary: Omit<CrlSummary, 'files'> }> {
  const revoked = entries.filter((e) => e.status === 'revoked');
  const number = (await lastCrlNumber(dir)) + 1n;
  const der = buildCrl({
    issuer: { cert: ca.cert, key: ca.key },
    revoked: revoked.map((e) => ({ serial: e.serial, revokedAt: new Date(e.revokedAt!), reason: e.reason! })),
    number,
    thisUpdate: now,
    days,
  });
  const file = path.join(dir, CRL_FILE);
  return {
    // Never withdrawn first: nginx (ssl_crl) finds a crl.pem at every instant.
    files: [
      { path: file, data: crlToPem(der), mode: 0o644, kind: 'other', withdraw: false },
      { path: path.join(dir, CRL_NUMBER_FILE), data: `${number.toString(16).toUpperCase().padStart(2, '0')}\n`, mode: 0o644, kind: 'other', withdraw: false },
    ],
    summary: {
      file,
      number: number.toString(),
      thisUpdate: now.toISOString(),
      nextUpdate: new Date(now.getTime() + days * DAY_MS).toISOString(),
      revoked: revoked.map((e) => ({ serial: e.serial, name: e.name, reason: e.reason!, revokedAt: e.revokedAt! })),
    },
  };
}

/**
 * init-ca --force over a directory that has a crl.pem: the CRL signed by the
 * old CA would make nginx (ssl_crl) refuse every client of the new one, so
 * the new CA's CRL (the inventory's revoked entries, DEFAULT_CRL_DAYS or the
 * new CA's life if shorter) goes into the same set as the new pair. [] when
 * there is no crl.pem. Call under DIR's lock.
 */
export async function planCrlForNewCa(dir: string, ca: Pick<LoadedCa, 'cert' | 'key'>, now: Date): Promise<PlannedFile[]> {
  if (!(await pathExists(path.join(dir, CRL_FILE)))) return [];
  const { entries } = await readInventory(dir, now);
  const days = Math.max(1, Math.min(DEFAULT_CRL_DAYS, Math.floor((ca.cert.notAfter.getTime() - now.getTime()) / DAY_MS)));
  return (await planCrl(dir, ca, entries, days, now)).files;
}

export async function crl(opts: CrlOptions, ctx: CommandContext): Promise<CrlResult> {
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  const ca = await readCa(dir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  const now = ctx.now ?? new Date();
  const days = validateCrlDays(opts.days ?? DEFAULT_CRL_DAYS, ca.cert.notAfter, now, '--days');
  let summary: Omit<CrlSummary, 'files'> | undefined;
  const { files } = await updateInventoryWith(
    dir,
    (entries) => ({ entries, result: undefined }),
    async (entries) => {
      const p = await planCrl(dir, ca, entries, days, now);
      summary = p.summary;
      return p.files;
    },
    now,
  );
  return {
    command: 'crl',
    dir,
    ...summary!,
    files,
    next: [
      `openssl crl -in ${summary!.file} -CAfile ${path.join(dir, 'ca.crt')} -verify -noout -text`,
      `refresh it before ${summary!.nextUpdate} (regcert config systemd --dir ${dir} runs it daily), and reload the server that reads it`,
    ],
  };
}

/**
 * doctor's CRL check (--crl FILE): past nextUpdate, or thisUpdate still
 * ahead, is a problem (verifiers refuse every client), within
 * CRL_WARNING_DAYS of nextUpdate a warning.
 */
export async function examineCrl(file: string, now: Date = new Date()): Promise<{ problems: Problem[]; warnings: string[] }> {
  const info = parseCrlFile(await readInputFile(file, 'CRL', 'check the path given to --crl'), file);
  const fresh = checkCrlFreshness(info, file, path.dirname(file), now);
  if (fresh.level === 'expired') return { problems: [{ code: 'crl-stale', path: file, message: fresh.message, fix: fresh.fix }], warnings: [] };
  if (fresh.level === 'not-yet-valid') return { problems: [{ code: 'crl-not-yet-valid', path: file, message: fresh.message, fix: fresh.fix }], warnings: [] };
  return { problems: [], warnings: fresh.level === 'warning' ? [`${fresh.message}; fix: ${fresh.fix}`] : [] };
}
