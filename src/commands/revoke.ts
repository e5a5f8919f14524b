/**
 * `regcert revoke NAME|SERIAL --reason R`: marks certificates revoked in the
 * inventory and refreshes DIR/crl.pem. Revoking what is already revoked
 * changes nothing and says so.
 */
import { CRL_ENFORCEMENT } from '../core/crl.js';
import { DEFAULT_CRL_DAYS, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import { isUnexpired, REVOCATION_REASONS, selectEntries, type InventoryEntry, type RevocationReason } from '../core/inventory.js';
import { updateInventory } from '../io/inventory.js';
import { withDirLock } from '../io/lock.js';
import { readCa } from '../io/pki.js';
import { writeCrl, type CrlSummary } from './crl.js';
import type { CommandContext } from './context.js';

export interface RevokeOptions {
  target: string;
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
  /** Expired certificates of that name, left alone (no verifier accepts them). */
  skippedExpired: string[];
  crl: CrlSummary | null;
  enforcement: typeof CRL_ENFORCEMENT;
  next: string[];
}

function parseReason(value: string | undefined): RevocationReason {
  const r = value ?? 'unspecified';
  if (r in REVOCATION_REASONS) return r as RevocationReason;
  throw inputError('BAD_REASON', `unknown --reason "${r}"`, `use one of: ${Object.keys(REVOCATION_REASONS).join(', ')}`);
}

const item = (e: InventoryEntry): RevokedItem => ({ serial: e.serial, name: e.name, subject: e.subject, notAfter: e.notAfter, revokedAt: e.revokedAt!, reason: e.reason! });

export async function revoke(opts: RevokeOptions, ctx: CommandContext): Promise<RevokeResult> {
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  const reason = parseReason(opts.reason);
  const crlDays = opts.crlDays ?? DEFAULT_CRL_DAYS;
  // The CA key first: a wrong passphrase fails before the inventory changes.
  const ca = await readCa(dir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  const now = ctx.now ?? new Date();

  return withDirLock(dir, async () => {
    const { view, result } = await updateInventory(
      dir,
      (entries) => {
        const sel = selectEntries(entries, opts.target);
        if (sel.entries.length === 0) {
          throw inputError('NOT_IN_INVENTORY', `no certificate named or numbered "${opts.target}" in ${dir}`, `run "regcert list --dir ${dir} --all" to see names and serials`);
        }
        const revoked: InventoryEntry[] = [];
        const already: InventoryEntry[] = [];
        const expired: string[] = [];
        const next = entries.map((e) => {
          if (!sel.entries.includes(e)) return e;
          if (e.status === 'revoked') {
            already.push(e);
            return e;
          }
          // By NAME: every unexpired certificate of that name (a renewed one shares its key with the old).
          if (sel.by === 'name' && !isUnexpired(e, now)) {
            expired.push(e.serial);
            return e;
          }
          const r: InventoryEntry = { ...e, status: 'revoked', revokedAt: now.toISOString(), reason };
          revoked.push(r);
          return r;
        });
        return { entries: next, result: { revoked, already, expired } };
      },
      now,
    );
    const crl = result.revoked.length > 0 ? await writeCrl(dir, ca, view.entries, crlDays, now) : null;
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
      crl,
      enforcement: CRL_ENFORCEMENT,
      next: nextSteps,
    };
  });
}
