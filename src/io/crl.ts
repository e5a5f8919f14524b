/**
 * DIR/crl.pem and DIR/crlnumber as crl, revoke and init-ca --force write
 * them (planned here, written in one set with the inventory by the caller),
 * and doctor's --crl check. The CRL rules themselves are core/crl.ts's.
 */
import path from 'node:path';
import { CA_DIR_FILES } from '../core/ca-dir.js';
import { buildCrl, checkCrlFreshness, crlToPem, parseCrlFile, type CrlFreshness, type CrlInfo } from '../core/crl.js';
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

/** DIR/crl.pem as it is, parsed (throws when it cannot be read). */
async function readCrl(file: string, hint?: string): Promise<CrlInfo> {
  return parseCrlFile(await readInputFile(file, 'CRL', hint), file);
}

/** The last CRL number: crlnumber's, or crl.pem's if higher (`current`: crl.pem as the caller read it already). */
async function lastCrlNumber(dir: string, current?: CrlInfo): Promise<bigint> {
  let last = 0n;
  const numberFile = path.join(dir, CRL_NUMBER_FILE);
  if (await pathExists(numberFile)) {
    const text = Buffer.from(await readInputFile(numberFile, 'CRL number file')).toString('utf8').trim();
    if (!/^[0-9A-Fa-f]{1,40}$/.test(text)) throw inputError('BAD_CRL_NUMBER', `${numberFile} does not hold a hex number`, `fix it, or remove it (the number then continues from ${CRL_FILE})`);
    last = BigInt(`0x${text}`);
  }
  const crlFile = path.join(dir, CRL_FILE);
  const n = current !== undefined ? current.number : (await pathExists(crlFile)) ? (await readCrl(crlFile)).number : undefined;
  if (n !== undefined && n > last) last = n;
  return last;
}

/** DIR/crl.pem as it is now (undefined when there is none, or it cannot be read: planCrl then reads it again and says why). */
export async function readCurrentCrl(dir: string): Promise<CrlInfo | undefined> {
  const crlFile = path.join(dir, CRL_FILE);
  if (!(await pathExists(crlFile))) return undefined;
  try {
    return await readCrl(crlFile);
  } catch {
    return undefined;
  }
}

/**
 * The files of a new CRL for these entries: DIR/crl.pem and DIR/crlnumber,
 * to be written in one set with the inventory (io/inventory.ts
 * updateInventoryWith), under DIR's lock. `days` was checked by the caller
 * (core/crl.ts validateCrlDays) before anything else. `current`: DIR/crl.pem
 * as the caller read it already (readCurrentCrl), not read again.
 */
export async function planCrl(
  dir: string,
  ca: Pick<LoadedCa, 'cert' | 'key'>,
  entries: InventoryEntry[],
  days: number,
  now: Date,
  current?: CrlInfo,
): Promise<{ files: PlannedFile[]; summary: Omit<CrlSummary, 'files'> }> {
  const revoked = entries.filter((e) => e.status === 'revoked');
  const number = (await lastCrlNumber(dir, current)) + 1n;
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

export interface CrlCheckOptions {
  /**
   * "fail" (doctor --crl, the default): a CRL that verifiers refuse (past
   * nextUpdate, thisUpdate still ahead) is a problem. "warn" (list): every
   * finding is a warning; the command reports and goes on.
   */
  refused?: 'fail' | 'warn';
  /** The CA directory the fix names (default: the file's directory). */
  dir?: string | undefined;
  /** The hint when the file cannot be read (doctor: the path given to --crl). */
  readHint?: string | undefined;
}

/**
 * The CRL check of doctor --crl FILE and list (DIR/crl.pem), by core/crl.ts
 * checkCrlFreshness: past nextUpdate, or thisUpdate still ahead, is a problem
 * (verifiers refuse every client; a warning with `refused: "warn"`), within
 * CRL_WARNING_DAYS of nextUpdate a warning. Also what the CRL says (`info`)
 * and the freshness level, for callers that compare it with the inventory.
 */
export async function examineCrl(
  file: string,
  now: Date = new Date(),
  opts: CrlCheckOptions = {},
): Promise<{ problems: Problem[]; warnings: string[]; info: CrlInfo; level: CrlFreshness['level'] }> {
  const info = await readCrl(file, opts.readHint);
  const fresh = checkCrlFreshness(info, file, opts.dir ?? path.dirname(file), now);
  const { level } = fresh;
  const refused = level === 'expired' ? 'crl-stale' : level === 'not-yet-valid' ? 'crl-not-yet-valid' : undefined;
  if (refused !== undefined && opts.refused !== 'warn') return { problems: [{ code: refused, path: file, message: fresh.message, fix: fresh.fix }], warnings: [], info, level };
  return { problems: [], warnings: level === 'ok' ? [] : [`${fresh.message}; fix: ${fresh.fix}`], info, level };
}
