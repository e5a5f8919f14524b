/**
 * `regcert trust-ca CA_FILE`: trust (or, with --uninstall, stop trusting) a
 * CA in this machine's system store, NSS databases and/or a Java cacerts.
 * Per-store rules live in src/truststores/<store>.ts.
 */
import path from 'node:path';
import { anchorProblem } from '../core/chain.js';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { readSecret } from '../io/secrets.js';
import type { StoreChange } from '../truststores/types.js';
import type { CommandContext } from './context.js';
import { readCertificateFile } from '../io/credentials.js';

export interface TrustCaOptions {
  caFile: string;
  /** system (default), nss, java, all, or a store's name (debian, rhel, suse, alpine, nss, java, macos, windows). */
  store?: string | undefined;
  uninstall?: boolean | undefined;
  dryRun?: boolean | undefined;
  nssDb?: string[] | undefined;
  javaCacerts?: string | undefined;
  javaPasswordFile?: string | undefined;
  javaPasswordEnv?: string | undefined;
}

export interface TrustCaResult {
  command: 'trust-ca';
  action: 'install' | 'uninstall';
  dryRun: boolean;
  ca: CertificateSummary;
  /** The name every store records the CA under (file stem, NSS nickname, Java alias). */
  anchorName: string;
  changes: StoreChange[];
  next: string[];
}

export async function trustCa(opts: TrustCaOptions, ctx: CommandContext): Promise<TrustCaResult> {
  const { buildAnchor, selectStores } = await import('../truststores/index.js');
  const certs = await readCertificateFile(opts.caFile, 'CA certificate', 'check the CA_FILE path', 'bundle');
  if (certs.length !== 1) {
    throw inputError('ONE_CA', `${opts.caFile} holds ${certs.length} certificates`, 'pass a file with the one CA certificate to trust (the root: pki/ca.crt)');
  }
  const cert = certs[0]!;
  const problem = await anchorProblem(cert, ctx.now);
  if (problem?.fault === 'not-ca') {
    throw inputError('NOT_A_CA', `${opts.caFile} is not a CA certificate (no basicConstraints CA:TRUE): trusting a leaf as a root is refused`, 'pass the CA that issued it, e.g. pki/ca.crt (see "regcert inspect FILE")');
  }
  // Removing a CA that has expired or is damaged is fine; trusting one is not.
  if (problem && !opts.uninstall) throw inputError('BAD_ANCHOR', `${opts.caFile} cannot be trusted: ${problem.reason}`, 'pass the current CA certificate (regcert inspect FILE shows its validity)');
  const selected = await selectStores(opts.store ?? 'system');
  const ids = selected.map((s) => s.store.id);
  if (opts.nssDb?.length && !ids.includes('nss')) throw inputError('NSS_DB_UNUSED', '--nss-db needs --store nss or --store all', 'add --store nss');
  if ((opts.javaCacerts !== undefined || opts.javaPasswordFile !== undefined || opts.javaPasswordEnv !== undefined) && !ids.includes('java')) {
    throw inputError('JAVA_UNUSED', '--java-cacerts and --java-password-* need --store java or --store all', 'add --store java');
  }
  const javaPassword = ids.includes('java')
    ? await readSecret({ file: opts.javaPasswordFile, env: opts.javaPasswordEnv }, { flag: '--java-password-file', label: 'password of the Java keystore', required: false }, ctx)
    : undefined;
  const anchor = buildAnchor(cert, path.resolve(opts.caFile));
  const changes: StoreChange[] = [];
  for (const { store, explicit } of selected) {
    ctx.progress?.(`${opts.uninstall ? 'removing from' : 'adding to'} ${store.label}`);
    const storeOpts = { dryRun: opts.dryRun === true, nssDbs: opts.nssDb, javaCacerts: opts.javaCacerts, javaPassword, explicit };
    changes.push(...(await (opts.uninstall ? store.uninstall(anchor, storeOpts) : store.install(anchor, storeOpts))));
  }
  const next: string[] = [];
  if (!opts.uninstall && changes.some((c) => c.action === 'added')) {
    next.push('restart programs that read the store at start-up (dockerd, containerd, browsers, JVMs) so they see the CA');
    next.push(`regcert trust-ca ${opts.caFile} --store ${opts.store ?? 'system'} --uninstall   (undo exactly this)`);
  }
  return { command: 'trust-ca', action: opts.uninstall ? 'uninstall' : 'install', dryRun: opts.dryRun === true, ca: summarizeCertificate(cert), anchorName: anchor.anchorName, changes, next };
}
