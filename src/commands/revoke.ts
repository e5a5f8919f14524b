/**
 * `regcert revoke NAME|SERIAL… [--batch FILE] --reason R`: marks certificates
 * revoked in the inventory and writes DIR/crl.pem, as ONE set (io/inventory.ts
 * updateInventoryWith: the inventory and the CRL are both the old or both the
 * new after a kill at any point). Every argument is checked before anything
 * is written: the reason, --crl-days against the CA's notAfter, and every
 * NAME or SERIAL (one that the inventory does not know refuses the whole run).
 * Many at once (offboarding) is one inventory write and one signed CRL.
 * Revoking what is already revoked changes nothing and says so — unless
 * crl.pem does not list every revoked certificate, which is then rewritten.
 */
import { CRL_ENFORCEMENT, validateCrlDays, type CrlInfo } from '../core/crl.js';
import { DEFAULT_CRL_DAYS, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import { createSelector, isSerial, isUnexpired, REVOCATION_REASONS, type InventoryEntry, type RevocationReason } from '../core/inventory.js';
import { isCertName } from '../core/names.js';
import { updateInventoryWith } from '../io/inventory.js';
import { readLines } from '../io/lines.js';
import { readCa } from '../io/pki.js';
import { planCrl, readCurrentCrl, type CrlSummary } from '../io/crl.js';
import type { CommandContext } from './context.js';

export interface RevokeOptions {
  /** NAMEs and SERIALs from the command line. */
  targets?: string[] | undefined;
  /** A file with one NAME or SERIAL per line (blank lines and # comments skipped). */
  batch?: string | undefined;
  dir?: string | undefined;
  reason?: string | undefined;
  crlDays?: number | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
}

export interface RevokedItem {
  serial: string;
  name: string;
  subject: string;
  notAfter: string;
  revokedAt: string;
  reason: RevocationReason;
}

export interface RevokeResult {
  command: 'revoke';
  dir: string;
  /** Revoked by this run. */
  revoked: RevokedItem[];
  /** Already revoked before: nothing changed for these. */
  alreadyRevoked: RevokedItem[];
  /** Expired certificates of those names, left alone (no verifier accepts them). */
  skippedExpired: string[];
  crl: CrlSummary | null;
  enforcement: typeof CRL_ENFORCEMENT;
  notes: string[];
  next: string[];
}

/** NAMEs and SERIALs one run takes: a pool of 100,000 offboarded at once, with room. */
export const MAX_REVOKE_TARGETS = 200_000;
/** A line of --batch: a NAME (128 characters) or a SERIAL (40 hex digits, colons allowed). */
const MAX_BATCH_LINE = 1024;

function parseReason(value: string | undefined): RevocationReason {
  const r = value ?? 'unspecified';
  if (r in REVOCATION_REASONS) return r as RevocationReason;
  throw inputError('BAD_REASON', `unknown --reason "${r}"`, `use one of: ${Object.keys(REVOCATION_REASONS).join(', ')}`);
}

/** Every NAME|SERIAL of the run, checked and deduplicated, in order (arguments first, then --batch lines). */
async function readTargets(opts: RevokeOptions): Promise<string[]> {
  const out = new Set<string>();
  const add = (raw: string, where: string) => {
    const t = raw.trim();
    if (!(isSerial(t) || isCertName(t))) {
      throw inputError('BAD_TARGET', `${where}: ${JSON.stringify(t.slice(0, 140))} is neither a certificate NAME nor a SERIAL`, 'one NAME or SERIAL (hex, as "regcert list" shows it) each');
    }
    out.add(t);
    if (out.size > MAX_REVOKE_TARGETS) throw inputError('TOO_MANY_TARGETS', `more than ${MAX_REVOKE_TARGETS} certificates to revoke in one run`, 'split the list');
  };
  for (const t of opts.targets ?? []) add(t, 'argument');
  if (opts.batch !== undefined) {
    for await (const { line, no } of readLines(opts.batch, { maxLine: MAX_BATCH_LINE, maxLines: MAX_REVOKE_TARGETS * 2, what: opts.batch })) {
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      add(line, `${opts.batch} line ${no}`);
    }
  }
  if (out.size === 0) throw inputError('NOTHING_TO_REVOKE', opts.batch !== undefined ? `${opts.batch} names no certificate` : 'no NAME or SERIAL given', 'pass NAME|SERIAL…, or --batch FILE with one per line');
  return [...out];
}

const item = (e: InventoryEntry): RevokedItem => ({ serial: e.serial, name: e.name, subject: e.subject, notAfter: e.notAfter, revokedAt: e.revokedAt!, reason: e.reason! });

export async function revoke(opts: RevokeOptions, ctx: CommandContext): Promise<RevokeResult> {
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  // Every argument before the first write: reason, targets, the CA key (a wrong passphrase), --crl-days against the CA.
  const reason = parseReason(opts.reason);
  const targets = await readTargets(opts);
  const ca = await readCa(dir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  const now = ctx.now ?? new Date();
  const crlDays = validateCrlDays(opts.crlDays ?? DEFAULT_CRL_DAYS, ca.cert.notAfter, now, '--crl-days');
  const notes: string[] = [];
  let crl: Omit<CrlSummary, 'files'> | undefined;

  const { result, files } = await updateInventoryWith(
    dir,
    (entries) => {
      const select = createSelector(entries);
      const marked = new Map<InventoryEntry, 'revoke' | 'already' | 'expired'>();
      const missing: string[] = [];
      for (const t of targets) {
        const sel = select(t);
        if (sel.entries.length === 0) missing.push(t);
        for (const e of sel.entries) {
          if (marked.has(e)) continue;
          if (e.status === 'revoked') marked.set(e, 'already');
          // By NAME: every unexpired certificate of that name (a renewed one shares its key with the old).
          else if (sel.by === 'name' && !isUnexpired(e, now)) marked.set(e, 'expired');
          else marked.set(e, 'revoke');
        }
      }
      if (missing.length > 0) {
        const shown = missing.slice(0, 5).map((m) => `"${m}"`).join(', ');
        throw inputError('NOT_IN_INVENTORY', `no certificate named or numbered ${shown}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''} in ${dir}: nothing was revoked`, `run "regcert list --dir ${dir} --all" to see names and serials`);
      }
      const revoked: InventoryEntry[] = [];
      const already: InventoryEntry[] = [];
      const expired: string[] = [];
      const next = entries.map((e) => {
        const m = marked.get(e);
        if (m === 'already') already.push(e);
        if (m === 'expired') expired.push(e.serial);
        if (m !== 'revoke') return e;
        const r: InventoryEntry = { ...e, status: 'revoked', revokedAt: now.toISOString(), reason };
        revoked.push(r);
        return r;
      });
      return { entries: next, result: { revoked, already, expired } };
    },
    async (entries, r) => {
      let current: CrlInfo | undefined;
      if (r.revoked.length === 0) {
        // Nothing new: the CRL is left alone when it lists exactly what the inventory says is revoked.
        const want = entries.filter((e) => e.status === 'revoked').map((e) => e.serial);
        if (want.length === 0) return [];
        current = await readCurrentCrl(dir);
        const listed = new Set(current?.revokedSerials);
        if (current !== undefined && listed.size === want.length && want.every((s) => listed.has(s))) return [];
        notes.push(`${dir}/crl.pem did not list every revoked certificate (an earlier run was interrupted, or it was missing): written again`);
      }
      const p = await planCrl(dir, ca, entries, crlDays, now, current); // crl.pem read once
      crl = p.summary;
      return p.files;
    },
    now,
  );
  const nextSteps: string[] = [];
  if (crl) {
    nextSteps.push(`reload every server that reads ${crl.file} (nginx: "nginx -s reload")`);
    nextSteps.push(`regcert config nginx --dir ${dir} --host REGISTRY --crl   # the ssl_crl line, if nginx fronts the registry`);
  }
  return {
    command: 'revoke',
    dir,
    revoked: result.revoked.map(item),
    alreadyRevoked: result.already.map(item),
    skippedExpired: result.expired,
    crl: crl ? { ...crl, files } : null,
    enforcement: CRL_ENFORCEMENT,
    notes,
    next: nextSteps,
  };
}
