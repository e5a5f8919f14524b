/** `regcert to-p12`: a certificate, its chain and its key as one PKCS#12 file. */
import path from 'node:path';
import { isSelfSigned, sameCertificate, subjectAttributes, type Certificate } from '../core/certificates.js';
import { describeEkus, parsePurpose, permitsUsage, reachesNoAnchor, verifyChain, type Usage } from '../core/chain.js';
import { DEFAULT_PBKDF2_ITERATIONS, P12_MODE_FOR } from '../core/defaults.js';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError } from '../core/errors.js';
import { buildPkcs12, describePkcs12, maxPkcs12Iterations, parsePkcs12, selectPkcs12Identity, type Pkcs12Mode } from '../core/pkcs12.js';
import { readCredentials, readCertificateFile } from '../io/credentials.js';
import { refuseExisting, writeFiles, type WrittenFile } from '../io/files.js';
import { readSecret } from '../io/secrets.js';
import type { CommandContext } from './context.js';

export type P12Target = keyof typeof P12_MODE_FOR;

export interface ToP12Options {
  /** client or server: the chain must permit that TLS usage (core/chain.ts). */
  purpose?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  /** Re-encrypt an existing PKCS#12 (e.g. an RC2 one from OpenSSL 1.1 or Windows) instead of --cert/--key. */
  p12?: string | undefined;
  /** An MKE/UCP client bundle (zip or folder) instead of --cert/--key. */
  bundle?: string | undefined;
  inPasswordFile?: string | undefined;
  inPasswordEnv?: string | undefined;
  ca?: string[] | undefined;
  out?: string | undefined;
  name?: string | undefined;
  legacy?: boolean | undefined;
  for?: string | undefined;
  iterations?: number | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
  keyPasswordFile?: string | undefined;
  keyPasswordEnv?: string | undefined;
  force?: boolean | undefined;
}

export interface ToP12Result {
  command: 'to-p12';
  files: WrittenFile[];
  mode: Pkcs12Mode;
  target: P12Target | null;
  friendlyName: string;
  chainLength: number;
  /** `openssl pkcs12 -info` style: MAC, certificate and key bag encryption, iterations. */
  encryption: string[];
  certificate: CertificateSummary;
  warnings: string[];
}

/** The certificate path with its extension replaced by .p12 (cli.md). */
export function defaultP12Path(certPath: string): string {
  const ext = path.extname(certPath);
  return path.join(path.dirname(certPath), `${path.basename(certPath, ext)}.p12`);
}

function parseTarget(value: string | undefined): P12Target | null {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  if (Object.hasOwn(P12_MODE_FOR, v)) return v as P12Target;
  throw inputError('BAD_TARGET', `unknown --for "${value}"`, `use one of: ${Object.keys(P12_MODE_FOR).join(', ')}`);
}

function commonName(cert: Certificate): string | undefined {
  return subjectAttributes(cert).flatMap((rdn) => rdn.filter((a) => a.type === '2.5.4.3').map((a) => a.value))[0];
}

/**
 * The chain to bundle, judged by core/chain.ts against the anchors at hand
 * (--ca, a bundle's ca.pem, roots in the --cert file): one that reaches them
 * but would be refused (expired or non-CA intermediate, bad signature, too
 * long; with --purpose, an EKU on it that does not permit the usage) is
 * refused; one that reaches none of them is a warning.
 */
async function judgeChain(chain: Certificate[], given: Certificate[], usage: Usage | undefined, warnings: string[], now: Date | undefined): Promise<void> {
  const leaf = chain[0]!;
  const anchors = [...given, ...chain.filter((c) => isSelfSigned(c))];
  if (anchors.length === 0) {
    if (usage && !permitsUsage(leaf, usage)) throw inputError('CHAIN_REFUSED', `"${leaf.subject}" does not permit ${usage} (extended key usage: ${describeEkus(leaf)})`, 'bundle a certificate issued for that use (regcert issue NAME --client or --server)');
    return;
  }
  const v = await verifyChain(chain, anchors, { now, usage });
  if (v.ok) return;
  if (reachesNoAnchor(v)) {
    warnings.push(`"${leaf.subject}" does not chain to the CA certificates given (${v.reason}): importers that need the whole chain will not build it`);
    return;
  }
  throw inputError('CHAIN_REFUSED', `the certificate chain would be refused: ${v.reason}`, 'bundle a certificate whose chain verifies (reissue it, or fix its CA chain)');
}

export async function toP12(opts: ToP12Options, ctx: CommandContext): Promise<ToP12Result> {
  if (opts.p12 !== undefined && (opts.cert !== undefined || opts.key !== undefined)) {
    throw inputError('P12_AND_PEM', '--p12 cannot be combined with --cert/--key', 'pass either --p12 FILE or --cert FILE --key FILE');
  }
  if (opts.p12 === undefined && opts.bundle === undefined) {
    if (opts.cert === undefined) throw inputError('MISSING_CERT', 'no certificate given', 'pass --cert FILE --key FILE');
    if (opts.key === undefined) throw inputError('MISSING_KEY', 'no private key given', 'pass --key FILE');
  }
  const input = (opts.p12 ?? opts.bundle ?? opts.cert)!;
  const target = parseTarget(opts.for);
  let mode: Pkcs12Mode = opts.legacy ? 'legacy' : 'modern';
  if (target) {
    if (opts.legacy && P12_MODE_FOR[target] !== 'legacy') {
      throw inputError('LEGACY_CONFLICT', `--legacy contradicts --for ${target}, which reads the modern encryption`, `drop --legacy, or drop --for ${target}`);
    }
    mode = P12_MODE_FOR[target];
  }
  const iterations = opts.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  // Never more than regcert itself reads back within its per-file KDF budget.
  const maxIterations = maxPkcs12Iterations(mode);
  if (!Number.isInteger(iterations) || iterations < DEFAULT_PBKDF2_ITERATIONS || iterations > maxIterations) {
    throw inputError('BAD_ITERATIONS', `invalid --iterations "${iterations}"`, `pass a whole number from ${DEFAULT_PBKDF2_ITERATIONS} to ${maxIterations} (${mode} encryption)`);
  }
  if (opts.p12 !== undefined && opts.out === undefined) {
    throw inputError('MISSING_OUT', '--p12 needs --out', 'pass --out NEW.p12 (the input is never replaced)');
  }
  const out = opts.out ?? defaultP12Path(input);
  await refuseExisting([out], opts.force, 'pass --force to replace it, or choose another --out');

  // Key and certificate (with the match check), then the extra chain certificates.
  const creds =
    opts.p12 !== undefined
      ? await readCredentials({ p12: opts.p12, passwordFile: opts.inPasswordFile, passwordEnv: opts.inPasswordEnv, passwordFlag: '--in-password-file' }, ctx)
      : await readCredentials({ cert: opts.cert, key: opts.key, bundle: opts.bundle, keyPasswordFile: opts.keyPasswordFile, keyPasswordEnv: opts.keyPasswordEnv }, ctx);
  const warnings: string[] = [];
  const chain = [...creds.chain];
  const extra: Certificate[] = [];
  for (const file of opts.ca ?? []) {
    for (const c of await readCertificateFile(file, 'CA certificate', 'check the path given to --ca', 'bundle')) {
      if (!chain.some((x) => sameCertificate(x, c))) chain.push(c);
      extra.push(c);
    }
  }
  await judgeChain(chain, [...extra, ...(creds.ca ?? [])], parsePurpose(opts.purpose), warnings, ctx.now);
  const friendlyName = opts.name ?? commonName(creds.leaf) ?? path.basename(input, path.extname(input));

  const password = await readSecret(
    { file: opts.passwordFile, env: opts.passwordEnv },
    { flag: '--password-file', label: `password for ${out}`, required: true, confirm: true },
    ctx,
  );
  if (password === '' || password === undefined) {
    if (target === 'macos') {
      throw inputError('EMPTY_PASSWORD', 'macOS Keychain cannot import a PKCS#12 file with an empty password', 'put a password in the file given to --password-file');
    }
    warnings.push(`${out} has an empty password: anyone who can read the file has the private key`);
  }
  const pw = password ?? '';

  const der = chain.map((c) => new Uint8Array(c.rawData));
  const p12 = buildPkcs12({ key: creds.key, certificates: der, friendlyName, password: pw, mode, iterations });
  // Read it back before writing: what we report is what the file holds, and a bad build never lands on disk.
  const check = parsePkcs12(p12, pw, { source: 'the new PKCS#12' });
  const identity = selectPkcs12Identity(check, { source: 'the new PKCS#12' });
  if (identity.chain.length !== der.length) throw new Error('PKCS#12 read-back lost a certificate');

  const files = await writeFiles([{ path: out, data: p12, mode: 0o600, kind: 'pkcs12' }], { force: opts.force ?? false });
  return {
    command: 'to-p12',
    files,
    mode,
    target,
    friendlyName,
    chainLength: chain.length,
    encryption: describePkcs12(check),
    certificate: summarizeCertificate(creds.leaf),
    warnings,
  };
}
