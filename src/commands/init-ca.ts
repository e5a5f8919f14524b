/** `regcert init-ca`: a root CA, or an intermediate signed by a parent CA directory. */
import path from 'node:path';
import { certificateToPem, createIntermediateCa, createRootCa, daysCapWarning, validateDays } from '../core/certificates.js';
import { DEFAULT_INTERMEDIATE_DAYS, DEFAULT_KEY_TYPE, DEFAULT_PKI_DIR, DEFAULT_ROOT_DAYS } from '../core/defaults.js';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { exportPrivateKeyPem, generatePrivateKey, parseKeyType } from '../core/keys.js';
import { buildName } from '../core/names.js';
import { refuseExisting, writeFiles, type PlannedFile, type WrittenFile } from '../io/files.js';
import { withDirLock } from '../io/lock.js';
import { readCa } from '../io/pki.js';
import { readSecret } from '../io/secrets.js';
import type { CommandContext } from './context.js';

export interface InitCaOptions {
  dir?: string | undefined;
  cn?: string | undefined;
  org?: string | undefined;
  ou?: string | undefined;
  country?: string | undefined;
  keyType?: string | undefined;
  days?: number | undefined;
  pathLen?: number | undefined;
  keyPasswordFile?: string | undefined;
  keyPasswordEnv?: string | undefined;
  intermediate?: boolean | undefined;
  parentDir?: string | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
  force?: boolean | undefined;
}

export interface InitCaResult {
  command: 'init-ca';
  dir: string;
  intermediate: boolean;
  files: WrittenFile[];
  certificate: CertificateSummary;
  keyEncrypted: boolean;
  /** E.g. that --days was cut at the parent CA's expiry. */
  warnings: string[];
  next: string[];
}

export async function initCa(opts: InitCaOptions, ctx: CommandContext): Promise<InitCaResult> {
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  const intermediate = opts.intermediate === true;
  if (intermediate && !opts.parentDir) {
    throw inputError('MISSING_PARENT', '--intermediate needs --parent-dir', 'pass --parent-dir DIR, the directory of the CA that signs it');
  }
  if (!intermediate && opts.parentDir) {
    throw inputError('PARENT_WITHOUT_INTERMEDIATE', '--parent-dir is only for --intermediate', 'add --intermediate, or drop --parent-dir');
  }
  if (intermediate && path.resolve(opts.parentDir!) === path.resolve(dir)) {
    throw inputError('SAME_DIR', '--dir and --parent-dir are the same directory', 'give the intermediate its own --dir');
  }
  const keyType = parseKeyType(opts.keyType ?? DEFAULT_KEY_TYPE);
  const days = validateDays(opts.days ?? (intermediate ? DEFAULT_INTERMEDIATE_DAYS : DEFAULT_ROOT_DAYS));
  if (opts.pathLen !== undefined && (!Number.isInteger(opts.pathLen) || opts.pathLen < 0 || opts.pathLen > 10)) {
    throw inputError('BAD_PATH_LEN', `invalid --path-len "${opts.pathLen}"`, '--path-len takes a whole number from 0 to 10');
  }
  const subject = buildName({
    c: opts.country,
    o: opts.org,
    ou: opts.ou,
    cn: opts.cn ?? (intermediate ? 'regcert Intermediate CA' : 'regcert Root CA'),
  });
  // Check the targets before the expensive work and before any prompt.
  const certPath = path.join(dir, 'ca.crt');
  const keyPath = path.join(dir, 'ca.key');
  await refuseExisting([certPath, keyPath], opts.force, `pass --force to replace the CA in ${dir} (certificates it issued will stop verifying), or choose another --dir`);
  const parent = intermediate ? await readCa(opts.parentDir!, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx) : undefined;
  const warnings: string[] = [];
  const cap = parent && daysCapWarning(days, parent.cert.notAfter, ctx.now ?? new Date(), { issuer: "the parent CA's", what: 'the intermediate CA' });
  if (cap) warnings.push(cap.warning);
  const passphrase = await readSecret(
    { file: opts.keyPasswordFile, env: opts.keyPasswordEnv },
    { flag: '--key-password-file', label: 'passphrase for the new CA key', required: false },
    ctx,
  );
  ctx.progress?.(`generating the key (${keyType})`);
  const key = await generatePrivateKey(keyType);
  const cert = parent
    ? await createIntermediateCa({ subject, key, days, pathLen: opts.pathLen }, parent, { now: ctx.now })
    : await createRootCa({ subject, key, days, pathLen: opts.pathLen }, { now: ctx.now });

  const files: PlannedFile[] = [
    { path: certPath, data: certificateToPem(cert), mode: 0o644, kind: 'ca-certificate' },
    { path: keyPath, data: exportPrivateKeyPem(key, passphrase), mode: 0o600, kind: 'ca-key' },
  ];
  if (parent) {
    // The new CA, then its parents up to and including the root (cli.md).
    const chain = [cert, ...parent.chain];
    files.push({ path: path.join(dir, 'ca-chain.crt'), data: chain.map(certificateToPem).join(''), mode: 0o644, kind: 'ca-chain' });
  }
  // Replacing a CA that signed crl.pem: the new CA's CRL is part of the same set (io/crl.ts planCrlForNewCa).
  const written = await withDirLock(dir, async () => {
    const crlFiles = opts.force ? await (await import('../io/crl.js')).planCrlForNewCa(dir, { cert, key }, ctx.now ?? new Date()) : [];
    return writeFiles([...files, ...crlFiles], { force: opts.force ?? false, caDirOwner: true });
  });
  return {
    command: 'init-ca',
    dir,
    intermediate,
    files: written,
    certificate: summarizeCertificate(cert),
    keyEncrypted: passphrase !== undefined,
    warnings,
    next: [
      `regcert issue registry.example.com --dir ${dir} --server --san 10.0.0.5`,
      `regcert issue alice --dir ${dir} --client`,
      ...(intermediate ? [] : [`regcert init-ca --intermediate --parent-dir ${dir} --dir ${dir}-int`]),
    ],
  };
}
