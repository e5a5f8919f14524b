/**
 * `regcert list`: the inventory of the CA in --dir, with days left, filters,
 * and --expiring WINDOW (exit 1 when any current certificate falls inside it,
 * for cron and monitoring). Also checks DIR/crl.pem's nextUpdate.
 */
import path from 'node:path';
import type { CrlFreshness } from '../core/crl.js';
import { CRL_FILE, DAY_MS, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { isDue, statusOf, type InventoryEntry, type Status } from '../core/inventory.js';
import { daysUntil, parseDurationFlag } from '../core/time.js';
import { examineCrl } from '../io/crl.js';
import { pathExists } from '../io/files.js';
import { entryCertPath, missingCertificateFiles, readInventory } from '../io/inventory.js';
import type { CommandContext } from './context.js';

export interface ListOptions {
  dir?: string | undefined;
  expiring?: string | undefined;
  revoked?: boolean | undefined;
  client?: boolean | undefined;
  server?: boolean | undefined;
  all?: boolean | undefined;
}

export type ListItem = Omit<InventoryEntry, 'der' | 'status'> & { status: Status; daysLeft: number };

export interface ListResult {
  command: 'list';
  ok: boolean;
  exitCode?: number;
  dir: string;
  /** --expiring window in days, or null. */
  expiringWithinDays: number | null;
  certificates: ListItem[];
  /** With --expiring: the current certificates inside the window (these make the exit code 1). */
  expiring: Array<{ name: string; serial: string; notAfter: string; daysLeft: number }>;
  crl: { file: string; nextUpdate: string | null; level: CrlFreshness['level'] } | null;
  rebuilt: boolean;
  warnings: string[];
  notes: string[];
}

/** DIR/crl.pem checked as doctor --crl checks a CRL (io/crl.ts examineCrl), every finding a warning, and against the inventory's revoked entries. */
async function crlStatus(dir: string, entries: InventoryEntry[], now: Date, warnings: string[]): Promise<ListResult['crl']> {
  const file = path.join(dir, CRL_FILE);
  const revoked = entries.filter((e) => e.status === 'revoked');
  if (!(await pathExists(file))) {
    if (revoked.length) warnings.push(`${revoked.length} certificate(s) are revoked but there is no ${file}: run "regcert crl --dir ${dir}"`);
    return null;
  }
  const crl = await examineCrl(file, now, { refused: 'warn', dir });
  warnings.push(...crl.warnings);
  const listed = new Set(crl.info.revokedSerials);
  const missing = revoked.filter((e) => !listed.has(e.serial));
  if (missing.length) warnings.push(`${file} does not list ${missing.map((e) => e.name).join(', ')} (revoked after it was made): run "regcert crl --dir ${dir}"`);
  return { file, nextUpdate: crl.info.nextUpdate?.toISOString() ?? null, level: crl.level };
}

/** localeCompare's order, from one collator (100,000 entries are sorted: localeCompare would set one up per call). */
const collator = new Intl.Collator();

export async function list(opts: ListOptions, ctx: CommandContext): Promise<ListResult> {
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  const window = opts.expiring !== undefined ? parseDurationFlag(opts.expiring, '--expiring') : undefined;
  const now = ctx.now ?? new Date();
  const view = await readInventory(dir, now);
  const warnings: string[] = [];
  const crl = await crlStatus(dir, view.entries, now, warnings);
  const gone = await missingCertificateFiles(
    dir,
    view.entries.filter((e) => e.status === 'valid'),
  );
  for (const e of view.entries) {
    const file = e.status === 'valid' ? entryCertPath(dir, e) : undefined;
    if (file !== undefined && gone.has(file)) {
      warnings.push(`${e.name} (serial ${e.serial}): ${file} is gone; the certificate may still be in use elsewhere: "regcert revoke ${e.serial} --dir ${dir}" if it is not wanted`);
    }
  }

  let shown = view.entries;
  if (opts.revoked) shown = shown.filter((e) => e.status === 'revoked');
  else if (!opts.all) shown = shown.filter((e) => e.status !== 'superseded');
  if (opts.client) shown = shown.filter((e) => e.ekus.includes('clientAuth'));
  if (opts.server) shown = shown.filter((e) => e.ekus.includes('serverAuth'));
  if (window !== undefined) shown = shown.filter((e) => isDue(e, window!, now));
  // Each shown entry becomes its item in place (this run read the view for itself): 100,000 entries are not
  // copied, and their DER, never listed, is let go (an undefined member is left out of --json, as JSON.stringify does).
  const certificates = shown
    .map((e): ListItem => Object.assign(e as Omit<InventoryEntry, 'der'> & { der?: string }, { der: undefined, status: statusOf(e, now), daysLeft: daysUntil(e.notAfter, now) }))
    .sort((a, b) => collator.compare(a.notAfter, b.notAfter) || collator.compare(a.name, b.name));
  const expiring = window === undefined ? [] : certificates.map((c) => ({ name: c.name, serial: c.serial, notAfter: c.notAfter, daysLeft: c.daysLeft }));
  const ok = expiring.length === 0;
  return {
    command: 'list',
    ok,
    ...(ok ? {} : { exitCode: 1 }),
    dir,
    expiringWithinDays: window === undefined ? null : window / DAY_MS,
    certificates,
    expiring,
    crl,
    rebuilt: view.rebuilt,
    warnings,
    notes: view.notes,
  };
}
