/**
 * `regcert crl`: a signed CRL v2 (DIR/crl.pem) listing every certificate the
 * inventory marks revoked, with a CRL number one above the last.
 */
import path from 'node:path';
import { validateCrlDays } from '../core/crl.js';
import { DEFAULT_CRL_DAYS, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { planCrl, type CrlSummary } from '../io/crl.js';
import { updateInventoryWith } from '../io/inventory.js';
import { readCa } from '../io/pki.js';
import type { CommandContext } from './context.js';

export interface CrlOptions {
  dir?: string | undefined;
  days?: number | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
}

export interface CrlResult extends CrlSummary {
  command: 'crl';
  dir: string;
  next: string[];
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
