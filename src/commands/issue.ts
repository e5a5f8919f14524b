/** `regcert issue`: a server and/or client certificate signed by the CA in --dir. */
import path from 'node:path';
import { certificateToPem, leafValidityWarnings, signLeaf, validateDays } from '../core/certificates.js';
import { AsnX509Certificate } from '../core/cert-asn.js';
import { DEFAULT_KEY_TYPE, DEFAULT_LEAF_DAYS, DEFAULT_PKI_DIR } from '../core/defaults.js';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { toPem } from '../core/pem.js';
import { inputError } from '../core/errors.js';
import { exportPrivateKeyPem, generatePrivateKey, isRsaKey, parseKeyType, publicKeyDer, type KeyType } from '../core/keys.js';
import { buildName, validateSubject, type JsonName } from '../core/names.js';
import { parseSanList, validateSan, type San } from '../core/san.js';
import { leafSans, requirePurpose, validateCertName } from '../core/leaf-request.js';
import type { x509 } from '../core/x509.js';
import { readInputFile, refuseExisting, writeFiles, type PlannedFile, type WrittenFile } from '../io/files.js';
import { buildEntryFromFacts, builtLeafFacts, entrySummary, type CertificateFacts } from '../core/inventory.js';
import { createInventoryAppender, entryFiles } from '../io/inventory.js';
import { withDirLock } from '../io/lock.js';
import { readCa } from '../io/pki.js';
import { assertCanIssue, type Usage } from '../core/chain.js';
import { readSecret } from '../io/secrets.js';
import type { CommandContext } from './context.js';

export interface IssueOptions {
  name: string;
  dir?: string | undefined;
  outDir?: string | undefined;
  server?: boolean | undefined;
  client?: boolean | undefined;
  /** A JWT signing certificate for a registry token server: digitalSignature only, no EKU. */
  tokenSigning?: boolean | undefined;
  san?: string[] | undefined;
  /** false (--no-name-san): NAME is not added as a SAN of a server certificate (core/leaf-request.ts withNameSan). */
  nameSan?: boolean | undefined;
  cn?: string | undefined;
  org?: string | undefined;
  ou?: string | undefined;
  country?: string | undefined;
  days?: number | undefined;
  keyType?: string | undefined;
  csr?: string | undefined;
  /** With --csr: sign a small RSA key or a SHA-1/MD5 signature (with a warning). */
  allowWeak?: boolean | undefined;
  keyPasswordFile?: string | undefined;
  keyPasswordEnv?: string | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
  force?: boolean | undefined;
}

export interface IssueResult {
  command: 'issue';
  name: string;
  files: WrittenFile[];
  certificate: CertificateSummary;
  chainLength: number;
  fromCsr: boolean;
  keyEncrypted: boolean;
  warnings: string[];
  next: string[];
}

export async function issue(opts: IssueOptions, ctx: CommandContext): Promise<IssueResult> {
  const name = validateCertName(opts.name);
  requirePurpose(opts.server, opts.client, opts.tokenSigning);
  if (opts.nameSan === false && !opts.server) throw inputError('NAME_SAN_WITHOUT_SERVER', '--no-name-san only applies to a server certificate', 'drop --no-name-san, or add --server');
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  const outDir = opts.outDir ?? dir;
  const days = validateDays(opts.days ?? DEFAULT_LEAF_DAYS);
  const flagSans = parseSanList(opts.san ?? []);
  const certPath = path.join(outDir, `${name}.crt`);
  const keyPath = path.join(outDir, `${name}.key`);
  const targets = opts.csr ? [certPath] : [certPath, keyPath];
  await refuseExisting(targets, opts.force, 'pass --force to replace it, or choose another NAME or --out-dir');

  // The CA first: a missing CA or a wrong passphrase fails before any key is made.
  const ca = await readCa(dir, { file: opts.caPasswordFile, env: opts.caPasswordEnv }, ctx);
  const usages: Usage[] = [...(opts.server ? (['serverAuth'] as const) : []), ...(opts.client ? (['clientAuth'] as const) : [])];
  await assertCanIssue(ca.chain, usages, dir, ctx.now);

  // The request: from a CSR, or a new key.
  let subject: JsonName | InstanceType<typeof x509.Name>;
  let sans: San[];
  let publicKey: Uint8Array | InstanceType<typeof x509.PublicKey>;
  let rsa: boolean;
  /** The new key's type; undefined for a CSR's key. */
  let keyType: KeyType | undefined;
  let keyPem: string | undefined;
  let passphrase: string | undefined;
  const warnings: string[] = [];
  if (opts.allowWeak && !opts.csr) throw inputError('ALLOW_WEAK_WITHOUT_CSR', '--allow-weak only applies to --csr', 'drop --allow-weak: the keys regcert makes are never weak');
  if (opts.csr) {
    if (opts.keyType) throw inputError('KEY_TYPE_WITH_CSR', '--key-type cannot be used with --csr', 'the key is the one in the CSR');
    const { parseAndVerifyCsr } = await import('../core/csr.js'); // @peculiar/x509 loads only for a CSR
    const req = await parseAndVerifyCsr(await readInputFile(opts.csr, 'CSR', 'check the path given to --csr', 'csr'), opts.csr, { allowWeak: opts.allowWeak });
    for (const w of req.weaknesses) warnings.push(`signing ${opts.csr} although ${w} (--allow-weak)`);
    const overrides = opts.cn !== undefined || opts.org !== undefined || opts.ou !== undefined || opts.country !== undefined;
    const emptySubject = req.subject.toArrayBuffer().byteLength <= 2;
    if (!overrides && !emptySubject) validateSubject(req.subject.toJSON(), opts.csr);
    subject = overrides || emptySubject ? buildName({ cn: opts.cn ?? name, o: opts.org, ou: opts.ou, c: opts.country }) : req.subject;
    // The CSR's names pass the same rules as --san (validateSan is their one home).
    sans = mergeSans(
      req.sans.map((s) => validateSan(s, opts.csr)),
      flagSans,
    );
    publicKey = req.publicKey;
    rsa = req.rsa;
  } else {
    keyType = parseKeyType(opts.keyType ?? DEFAULT_KEY_TYPE);
    subject = buildName({ cn: opts.cn ?? name, o: opts.org, ou: opts.ou, c: opts.country });
    sans = flagSans;
    passphrase = await readSecret(
      { file: opts.keyPasswordFile, env: opts.keyPasswordEnv },
      { flag: '--key-password-file', label: `passphrase for ${keyPath}`, required: false },
      ctx,
    );
    ctx.progress?.(`generating the key (${keyType})`);
    const key = await generatePrivateKey(keyType);
    publicKey = publicKeyDer(key);
    rsa = isRsaKey(key);
    keyPem = exportPrivateKeyPem(key, passphrase);
  }

  sans = leafSans(name, sans, opts);
  warnings.push(...leafValidityWarnings(days, ca.cert.notAfter, { server: opts.server === true, now: ctx.now }));

  const server = opts.server === true;
  const client = opts.client === true;
  const leaf = signLeaf({ subject, publicKey, rsa, server, client, tokenSigning: opts.tokenSigning === true, sans, days }, ca, { now: ctx.now });
  // What the new certificate says, from what the builder was asked for and made (builtLeafFacts, as
  // issue --batch and renew describe theirs): it is not parsed again. A CSR's subject and key are
  // described from the certificate. test/core/issue-facts-property.test.ts holds the two equal.
  const facts: CertificateFacts =
    keyType !== undefined && Array.isArray(subject)
      ? builtLeafFacts({ der: leaf.der, subject, subjectDer: leaf.subjectDer, serial: leaf.serial, notBefore: leaf.notBefore.toISOString(), notAfter: leaf.notAfter.toISOString(), sans, server, client, keyType })
      : { ...summarizeCertificate(new AsnX509Certificate(leaf.der)), der: leaf.der };
  // The leaf, then the intermediates; never the root (cli.md).
  const chainLength = 1 + ca.intermediates.length;
  const files: PlannedFile[] = [{ path: certPath, data: toPem('CERTIFICATE', leaf.der) + ca.intermediates.map(certificateToPem).join(''), mode: 0o644, kind: 'certificate' }];
  if (keyPem !== undefined) files.push({ path: keyPath, data: keyPem, mode: 0o600, kind: 'private-key' });
  const record = (now: Date) => buildEntryFromFacts(facts, { name, files: entryFiles(dir, certPath, keyPem !== undefined ? keyPath : undefined), source: opts.csr ? 'csr' : 'issue', now, days });
  // Files first, then the inventory record, both under the CA directory's lock (a crash between leaves a .crt the next load reconciles).
  // The inventory is read (and refused if damaged, or full) before any file is written, and read once: a new
  // name's entry is appended to it; one that replaces a current entry (--force) is written in, as issue --batch records.
  const inventory = createInventoryAppender(dir);
  const { written, entry } = await withDirLock(dir, async () => {
    await inventory.checkRoom([record(ctx.now ?? new Date())]);
    const w = await writeFiles(files, { force: opts.force ?? false });
    // Recorded after its files are written, as loads expect (a file changed after its entry's recordedAt is read again).
    const now = ctx.now ?? new Date();
    const e = record(now);
    await inventory.append([e], now);
    return { written: w, entry: e };
  });

  const next: string[] = [];
  if (server) {
    next.push(`regcert config registry --dir ${dir} --host ${sans.find((s) => s.type !== 'email' && s.type !== 'uri')?.value ?? name}`);
  }
  if (opts.tokenSigning) {
    next.push(`regcert config token-auth --dir ${dir} --cert ${name} --realm https://auth.example.com/auth --service registry.example.com --issuer "regcert token server"`);
  }
  if (opts.client) {
    next.push(`regcert install-host registry.example.com --cert ${certPath} --key ${keyPath} --ca ${path.join(dir, 'ca.crt')}`);
    next.push(`regcert to-p12 --cert ${certPath} --key ${keyPath}`);
  }
  return {
    command: 'issue',
    name,
    files: written,
    certificate: entrySummary(entry, ca.cert.subject),
    chainLength,
    fromCsr: opts.csr !== undefined,
    keyEncrypted: passphrase !== undefined,
    warnings,
    next,
  };
}

/** CSR SANs first, then the flags' (flags add to the request). */
function mergeSans(fromCsr: San[], fromFlags: San[]): San[] {
  const out = [...fromCsr];
  for (const s of fromFlags) if (!out.some((o) => o.type === s.type && o.value === s.value)) out.push(s);
  return out;
}
