/**
 * DIR/crl.pem and DIR/crlnumber as crl, revoke and init-ca --force write
 * them (planned here, written in one set with the inventory by the caller),
 * and doctor's --crl check. The CRL rules themselves are core/crl.ts's.
 */
import path from 'node:path';
import { CA_DIR_FILES } from '../core/ca-dir.js';
import { buildCrl, checkCrlFreshness, crlToPem, parseCrlFile } from '../core/crl.js';
import { CRL_FILE, DAY_MS, DEFAULT_CRL_DAYS } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import type { InventoryEntry, RevocationReason } from '../core/inventory.js';
import type { Problem } from '../runtimes/types.js';
import { pathExists, readInputFile, type PlannedFile, type WrittenFile } from './files.js';
import { readInventory } from './inventory.js';
import type { LoadedCa } from './pki.js';

export interface CrlSummary {
  file: string;
  number: string;
  thisUpdate: string;
  nextUpdate: string;
  revoked: Array<{ serial: string; name: string; reason: RevocationReason; revokedAt: string }>;
  files: WrittenFile[];
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
