/**
 * `regcert inspect FILE...`: what each file holds (certificates, chains,
 * CSRs, private keys, PKCS#12), and which certificate signed which.
 */
import type { KeyObject } from 'node:crypto';
import { isSignedBy, keyMatchesCertificate, type Certificate } from '../core/certificates.js';
import { inputError } from '../core/errors.js';
import {
  describeCertificate,
  describeCsr,
  describeKeyEncryption,
  findObjects,
  keyInfo,
  type CertificateDetails,
  type CsrDetails,
  type KeyInfo,
} from '../core/inspect.js';
import { parsePrivateKey } from '../core/keys.js';
import { nativeCrypto } from '../core/x509.js';
import { readCredentials } from '../io/credentials.js';
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
}

export async function inspect(opts: InspectOptions, ctx: CommandContext): Promise<InspectResult> {
  if (opts.files.length === 0 && opts.bundle === undefined) throw inputError('NO_FILES', 'no file given', 'pass one or more files: regcert inspect ca.crt alice.crt');
  const now = ctx.now ?? new Date();
  const items: InspectItem[] = [];
  const certs: Array<{ label: string; cert: Certificate; set: (by: string | null) => void }> = [];
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
    const found = findObjects(data, file);
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
        case 'certificate': {
          const item: CertificateItem = { file, label, type: 'certificate', ...describeCertificate(obj.cert, now), signedBy: null };
          items.push(item);
          certs.push({ label, cert: obj.cert, set: (by) => (item.signedBy = by) });
          break;
        }
        case 'csr': {
          let signatureValid = false;
          try {
            signatureValid = await obj.csr.verify(nativeCrypto);
          } catch {
            signatureValid = false;
          }
          items.push({ file, label, type: 'csr', ...describeCsr(obj.csr), signatureValid });
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
            const { key } = parsePrivateKey(bytes, { passphrase, source: label, passwordFlag: '--key-password-file' });
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
            const entry = { label: `${file}#${j + 1}`, ...describeCertificate(cert, now), signedBy: null as string | null };
            item.certificates.push(entry);
            certs.push({ label: entry.label, cert, set: (by) => (entry.signedBy = by) });
          }
          items.push(item);
          break;
        }
      }
    }
  }

  // Which inspected certificate signed which (the signature is checked, not just the names).
  // Only a certificate whose subject is this one's issuer name can have signed it: index the
  // subjects once, so 1,000 certificates cost 1,000 look-ups, not a million name comparisons.
  const nameKey = (name: { toArrayBuffer(): ArrayBuffer }) => Buffer.from(name.toArrayBuffer()).toString('hex');
  const bySubject = new Map<string, typeof certs>();
  for (const c of certs) {
    const k = nameKey(c.cert.subjectName);
    const list = bySubject.get(k);
    if (list) list.push(c);
    else bySubject.set(k, [c]);
  }
  // Hostile input: many certificates sharing one subject name would make this quadratic.
  // A real set needs one or two checks per certificate; refuse beyond four.
  let checksLeft = 4 * certs.length + 16;
  const signedBy = async (cert: Certificate, issuer: Certificate): Promise<boolean> => {
    if (--checksLeft < 0) {
      throw inputError(
        'TOO_MANY_SAME_NAME',
        'too many of the inspected certificates share a subject name to tell which signed which',
        'inspect fewer files at once, or the files that belong to one chain',
      );
    }
    return isSignedBy(cert, issuer);
  };
  const links: InspectLink[] = [];
  for (const c of certs) {
    const candidates = bySubject.get(nameKey(c.cert.issuerName)) ?? [];
    const selfSigned = candidates.includes(c) && (await signedBy(c.cert, c.cert));
    let by: string | null = selfSigned ? c.label : null;
    for (const issuer of selfSigned ? [] : candidates) {
      if (issuer !== c && (await signedBy(c.cert, issuer.cert))) {
        by = issuer.label;
        break;
      }
    }
    c.set(by);
    links.push({
      certificate: c.label,
      subject: c.cert.subject,
      issuer: c.cert.issuer,
      signedBy: by,
      selfSigned,
    });
  }
  for (const k of keys) k.item.matches = certs.filter((c) => keyMatchesCertificate(k.key, c.cert)).map((c) => c.label);

  return { command: 'inspect', items, links };
}
