/**
 * `regcert inspect FILE...`: what each file holds (certificates, chains,
 * CSRs, private keys, PKCS#12), and which certificate signed which.
 */
import type { KeyObject } from 'node:crypto';
import { keyMatchesCertificate, keyMatchesSpki, publicKeyFromSpki, sameCertificate, verifySignedData, type Certificate } from '../core/certificates.js';
import { parsePurpose, verifyChain, type Usage } from '../core/chain.js';
import { inputError } from '../core/errors.js';
import {
  inspectCertificateDer,
  describeCsr,
  describeKeyEncryption,
  inspectCertificate,
  keyInfo,
  malformedCertificateBlock,
  scanObjects,
  type CertificateDetails,
  type InspectedCertificate,
  type CsrDetails,
  type KeyInfo,
} from '../core/inspect.js';
import { parsePrivateKey } from '../core/keys.js';
import { verifyCsrSignature } from '../core/csr.js';
import { readCertificateFile, readCredentials } from '../io/credentials.js';
import { readInputFile } from '../io/files.js';
import { readSecret } from '../io/secrets.js';
import type { CommandContext } from './context.js';

export interface InspectOptions {
  files: string[];
  /** An MKE/UCP client bundle (zip or folder): its cert.pem, key.pem and ca.pem are inspected too. */
  bundle?: string | undefined;
  keyPasswordFile?: string | undefined;
  keyPasswordEnv?: string | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
  /** Trust anchors: judge each inspected leaf's chain against them (core/chain.ts). */
  ca?: string[] | undefined;
  /** With --ca: client or server, the TLS usage the chain must permit. */
  purpose?: string | undefined;
}

/** A leaf's chain judged against --ca: what verify, install-host, doctor and to-p12 decide too. */
export interface InspectVerdict {
  certificate: string;
  subject: string;
  ok: boolean;
  /** clientAuth / serverAuth with --purpose, else null. */
  usage: string | null;
  /** Subjects from the leaf up to the anchor (or as far as the chain got). */
  path: string[];
  fault: string | null;
  reason: string | null;
}

interface ItemBase {
  file: string;
  /** How this object is named in links: the file, or FILE#N when the file holds several. */
  label: string;
}

export interface CertificateItem extends ItemBase, CertificateDetails {
  type: 'certificate';
  /** The label of the inspected certificate that signed this one, or null. */
  signedBy: string | null;
}

export interface CsrItem extends ItemBase, CsrDetails {
  type: 'csr';
  signatureValid: boolean;
}

export interface KeyItem extends ItemBase {
  type: 'private-key';
  encrypted: boolean;
  /** The encryption scheme, as far as it can be read without the passphrase. */
  encryption: string | null;
  /** False for an encrypted key given without its passphrase. */
  decrypted: boolean;
  keyType: string | null;
  keyBits: number | null;
  /** Labels of the inspected certificates whose public key this is. */
  matches: string[];
}

export interface Pkcs12Item extends ItemBase {
  type: 'pkcs12';
  certificates: Array<CertificateDetails & { label: string; signedBy: string | null }>;
  key: KeyInfo;
  keyMatchesCertificate: boolean;
}

export type InspectItem = CertificateItem | CsrItem | KeyItem | Pkcs12Item;

export interface InspectLink {
  /** Label of the certificate. */
  certificate: string;
  subject: string;
  issuer: string;
  /** Label of the inspected certificate whose signature verifies, or null. */
  signedBy: string | null;
  selfSigned: boolean;
}

export interface InspectResult {
  command: 'inspect';
  items: InspectItem[];
  links: InspectLink[];
  /** With --ca: each leaf's chain verdict (any not ok: exit 1). */
  verdicts?: InspectVerdict[];
  ok?: boolean;
  failure?: string;
}

export async function inspect(opts: InspectOptions, ctx: CommandContext): Promise<InspectResult> {
  if (opts.files.length === 0 && opts.bundle === undefined) throw inputError('NO_FILES', 'no file given', 'pass one or more files: regcert inspect ca.crt alice.crt');
  const now = ctx.now ?? new Date();
  const usage = parsePurpose(opts.purpose);
  if (usage !== undefined && !opts.ca?.length) throw inputError('PURPOSE_WITHOUT_CA', '--purpose needs --ca', 'pass the trust anchors to judge the chain against: --ca CA.crt');
  const items: InspectItem[] = [];
  interface LinkedCertificate {
    label: string;
    facts?: InspectedCertificate;
    key?: KeyObject | null;
    set: (by: string | null) => void;
  }
  const certs: LinkedCertificate[] = [];
  // PEM certificate blocks are read after the scan, all at once, on this thread: reading a certificate takes
  // about 0.2 ms (core/cert-asn.ts), so a worker thread, which costs 0.1–0.2 s to start, no longer pays for
  // itself (5,000 blocks: 1.1 s on this thread, 1.35 s with a worker taking 45%).
  const blocks: Array<{ der: Uint8Array<ArrayBuffer>; source: string; blockLabel: string; fill: (f: InspectedCertificate) => void }> = [];
  const keys: Array<{ item: KeyItem; key: KeyObject }> = [];
  let keyPassphrase: string | undefined | null = null; // null: not read yet

  const inputs: Array<{ file: string; data?: Uint8Array }> = opts.files.map((file) => ({ file }));
  if (opts.bundle !== undefined) {
    const { readClientBundle } = await import('../io/bundle.js');
    const b = await readClientBundle(opts.bundle);
    inputs.push({ file: b.names.cert, data: b.cert }, { file: b.names.key, data: b.key }, { file: b.names.ca, data: b.ca });
  }
  for (const { file, data: given } of inputs) {
    const data = given ?? (await readInputFile(file, 'file', 'check the path'));
    const found = scanObjects(data, file);
    if (found.length === 0) {
      throw inputError(
        'UNRECOGNIZED_FILE',
        `${file} is not a certificate, CSR, private key or PKCS#12 file`,
        'inspect reads PEM or DER X.509 certificates, PKCS#10 requests, PKCS#8/RSA/EC private keys and .p12/.pfx bundles',
      );
    }
    const labelOf = (i: number) => (found.length === 1 ? file : `${file}#${i + 1}`);
    for (const [i, obj] of found.entries()) {
      const label = labelOf(i);
      switch (obj.kind) {
        case 'certificate':
        case 'certificate-block': {
          const at = items.length;
          items.push(undefined as unknown as InspectItem); // filled in order below
          const linked: LinkedCertificate = { label, set: () => undefined };
          certs.push(linked);
          const fill = (facts: InspectedCertificate) => {
            const item: CertificateItem = { file, label, type: 'certificate', ...facts.details, signedBy: null };
            items[at] = item;
            linked.facts = facts;
            linked.set = (by) => (item.signedBy = by);
          };
          if (obj.kind === 'certificate') fill(inspectCertificate(obj.cert, now));
          else blocks.push({ der: obj.der, source: file, blockLabel: obj.blockLabel, fill });
          break;
        }
        case 'csr': {
          items.push({ file, label, type: 'csr', ...describeCsr(obj.csr), signatureValid: await verifyCsrSignature(obj.csr) });
          break;
        }
        case 'private-key': {
          const item: KeyItem = {
            file,
            label,
            type: 'private-key',
            encrypted: obj.encrypted,
            encryption: obj.encrypted ? describeKeyEncryption(obj.block, label) : null,
            decrypted: false,
            keyType: null,
            keyBits: null,
            matches: [],
          };
          let passphrase: string | undefined;
          if (obj.encrypted) {
            if (keyPassphrase === null) {
              keyPassphrase = await readSecret(
                { file: opts.keyPasswordFile, env: opts.keyPasswordEnv },
                { flag: '--key-password-file', label: `passphrase of ${file}`, required: false },
                ctx,
              );
            }
            passphrase = keyPassphrase;
          }
          if (!obj.encrypted || passphrase !== undefined) {
            const bytes = obj.der ? obj.block.der : new Uint8Array(Buffer.from(obj.block.text, 'utf8'));
            const { key } = await parsePrivateKey(bytes, { passphrase, source: label, passwordFlag: '--key-password-file' });
            Object.assign(item, keyInfo(key), { decrypted: true });
            keys.push({ item, key });
          }
          items.push(item);
          break;
        }
        case 'pkcs12': {
          const cred = await readCredentials({ p12: file, passwordFile: opts.passwordFile, passwordEnv: opts.passwordEnv }, ctx);
          const item: Pkcs12Item = {
            file,
            label,
            type: 'pkcs12',
            certificates: [],
            key: keyInfo(cred.key),
            keyMatchesCertificate: keyMatchesCertificate(cred.key, cred.leaf),
          };
          for (const [j, cert] of cred.chain.entries()) {
            const facts = inspectCertificate(cert, now);
            const entry = { label: `${file}#${j + 1}`, ...facts.details, signedBy: null as string | null };
            item.certificates.push(entry);
            certs.push({ label: entry.label, facts, set: (by) => (entry.signedBy = by) });
          }
          items.push(item);
          break;
        }
      }
    }
  }
  const parsed = blocks.map((b) => inspectCertificateDer(b.der, now));
  for (const [i, b] of blocks.entries()) {
    const facts = parsed[i];
    if (!facts) throw malformedCertificateBlock(b.source, b.blockLabel, b.der);
    b.fill(facts);
  }

  // Which inspected certificate signed which (the signature is checked, not just the names).
  // Only a certificate whose subject is this one's issuer name can have signed it: index the
  // subjects once, so 1,000 certificates cost 1,000 look-ups, not a million name comparisons.
  const all = certs as Array<LinkedCertificate & { facts: InspectedCertificate }>;
  const hex = (der: Uint8Array) => Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('hex');
  const bySubject = new Map<string, typeof all>();
  for (const c of all) {
    const k = hex(c.facts.subjectDer);
    const list = bySubject.get(k);
    if (list) list.push(c);
    else bySubject.set(k, [c]);
  }
  // Hostile input: many certificates sharing one subject name would make this quadratic.
  // A real set needs one or two checks per certificate; refuse beyond four.
  let checksLeft = 4 * all.length + 16;
  const signedBy = (cert: (typeof all)[number], issuer: (typeof all)[number]): Promise<boolean> => {
    if (--checksLeft < 0) {
      throw inputError(
        'TOO_MANY_SAME_NAME',
        'too many of the inspected certificates share a subject name to tell which signed which',
        'inspect fewer files at once, or the files that belong to one chain',
      );
    }
    if (issuer.key === undefined) issuer.key = publicKeyFromSpki(issuer.facts.spki);
    return issuer.key === null ? Promise.resolve(false) : verifySignedData(cert.facts.signed, issuer.key);
  };
  // Every certificate's checks at once (the thread pool verifies on every core), links in order.
  const links: InspectLink[] = await Promise.all(
    all.map(async (c): Promise<InspectLink> => {
      // Candidates share the DER of their subject with this issuer name: the names chain.
      const candidates = bySubject.get(hex(c.facts.issuerDer)) ?? [];
      const selfSigned = candidates.includes(c) && (await signedBy(c, c));
      let by: string | null = selfSigned ? c.label : null;
      for (const issuer of selfSigned ? [] : candidates) {
        if (issuer !== c && (await signedBy(c, issuer))) {
          by = issuer.label;
          break;
        }
      }
      c.set(by);
      return { certificate: c.label, subject: c.facts.details.subject, issuer: c.facts.details.issuer, signedBy: by, selfSigned };
    }),
  );
  for (const k of keys) k.item.matches = all.filter((c) => keyMatchesSpki(k.key, c.facts.spki)).map((c) => c.label);

  if (!opts.ca?.length) return { command: 'inspect', items, links };
  const verdicts = await judgeLeaves(all.map((c) => ({ label: c.label, cert: c.facts.cert, isCa: c.facts.details.isCa })), opts.ca, usage, now);
  const refused = verdicts.filter((v) => !v.ok);
  return {
    command: 'inspect',
    items,
    links,
    verdicts,
    ok: refused.length === 0,
    ...(refused.length > 0 ? { failure: `${refused.map((v) => v.certificate).join(', ')}: ${refused[0]!.reason}` } : {}),
  };
}

/**
 * --ca: each inspected leaf (or, when all are CAs, each certificate that is
 * not an anchor) judged by core/chain.ts, the other inspected certificates
 * serving as intermediates.
 */
async function judgeLeaves(parsed: Array<{ label: string; cert: Certificate; isCa: boolean }>, caFiles: string[], usage: Usage | undefined, now: Date): Promise<InspectVerdict[]> {
  const anchors: Certificate[] = [];
  for (const f of caFiles) anchors.push(...(await readCertificateFile(f, 'CA certificate', 'check the path given to --ca', 'bundle')));
  const isAnchor = (c: Certificate) => anchors.some((a) => sameCertificate(a, c));
  const leaves = parsed.some((c) => !c.isCa) ? parsed.filter((c) => !c.isCa) : parsed.filter((c) => !isAnchor(c.cert));
  const out: InspectVerdict[] = [];
  for (const l of leaves) {
    const v = await verifyChain([l.cert, ...parsed.filter((c) => c !== l).map((c) => c.cert)], anchors, { now, usage });
    out.push({ certificate: l.label, subject: l.cert.subject, ok: v.ok, usage: usage ?? null, path: v.path, fault: v.fault ?? null, reason: v.reason ?? null });
  }
  return out;
}
