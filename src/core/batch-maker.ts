/**
 * What a worker thread of issue --batch and renew --all makes for one job
 * (io/batch-worker.ts runs it in a thread; renew of a few certificates runs
 * it in-process): a new leaf and key for a batch row, or the renewal of a
 * certificate (same subject, SANs and, unless rekeyed, key). Key generation,
 * the certificate (core/cert-builder.ts, the builder `issue` uses), PEM and,
 * with --p12, the PKCS#12 file and its password. No file I/O: the main
 * thread writes. Loads neither @peculiar/x509 nor pkijs.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { createLeafSigner, encodeName } from './cert-builder.js';
import type { BatchRequest } from './batch-rows.js';
import { DEFAULT_PBKDF2_ITERATIONS } from './defaults.js';
import { exportPrivateKeyPem, generateEncodedKeyPairSync, type KeyType } from './keys.js';
import { leafParts } from './leaf-der.js';
import { toPem } from './pem.js';
import type { buildPkcs12 } from './pkcs12.js';
import type { San } from './san.js';

export interface BatchWorkerInit {
  issuer: { nameDer: Uint8Array; keyId: Uint8Array; notAfter: number; keyDer: Uint8Array };
  /** DER of the intermediates that follow the leaf in NAME.crt (never the root). */
  intermediates: Uint8Array[];
  keyType: KeyType;
  p12: boolean;
  /** renew --rekey with --key-password-file: new keys are written encrypted with it. */
  keyPassphrase?: string | undefined;
}

export interface BatchEntry {
  /** The row it answers (the main thread records it in the inventory from these facts). */
  req: BatchRequest;
  name: string;
  der: Uint8Array;
  subjectDer: Uint8Array;
  certPem: string;
  keyPem: string;
  p12?: Uint8Array | undefined;
  password?: string | undefined;
  serial: string;
  notBefore: string;
  notAfter: string;
}

/** The renewal of one certificate. */
export interface RenewJob {
  kind: 'renew';
  name: string;
  /** The certificate it replaces (DER): its subject and (unless rekey) key are kept. */
  oldDer: Uint8Array;
  /** The new certificate's SANs: the old one's, with the name a server certificate keeps (the caller applies core/leaf-request.ts withNameSan). */
  sans: San[];
  server: boolean;
  client: boolean;
  days: number;
  /** --rekey: the type of the new key. */
  rekey?: KeyType | undefined;
}

export interface RenewedLeaf {
  name: string;
  der: Uint8Array;
  /** The certificate and the CA's intermediates, PEM. */
  certPem: string;
  /** With --rekey: the new key, PEM (encrypted when a passphrase was given). */
  keyPem?: string | undefined;
  sans: San[];
  serial: string;
  notBefore: string;
  notAfter: string;
}

/** What a worker is asked to make. */
export type BatchJob = BatchRequest | RenewJob;
export type BatchResult = BatchEntry | RenewedLeaf;

/** A PKCS#12 password: 144 random bits, URL-safe base64 (24 characters, no shell or CSV specials). */
function createP12Password(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * `buildP12`: core/pkcs12.ts's builder, which init.p12 needs; passed in (the
 * batch worker imports it) so that `renew NAME`, which makes its leaf in
 * process and never a .p12, does not load the PKCS#12 and CMS schemas.
 */
export function createBatchMaker(init: BatchWorkerInit, buildP12?: typeof buildPkcs12): { issue(req: BatchRequest): BatchEntry; renew(job: RenewJob): RenewedLeaf } {
  if (init.p12 && !buildP12) throw new Error('createBatchMaker: init.p12 needs the PKCS#12 builder');
  const issuerKey = createPrivateKey({ key: Buffer.from(init.issuer.keyDer), format: 'der', type: 'pkcs8' });
  const signLeaf = createLeafSigner({
    nameDer: init.issuer.nameDer,
    keyId: init.issuer.keyId,
    notAfter: new Date(init.issuer.notAfter),
    key: issuerKey,
  });
  const chainPem = init.intermediates.map((c) => toPem('CERTIFICATE', c)).join('');
  const rsa = init.keyType.startsWith('rsa-');

  const issue = (req: BatchRequest): BatchEntry => {
    const { spki, pkcs8Pem, publicKeyBits } = generateEncodedKeyPairSync(init.keyType);
    const subjectDer = encodeName(req.subject);
    const { der, serial, notBefore, notAfter } = signLeaf({ subject: subjectDer, spki, publicKeyBits, rsa, server: req.server, client: req.client, sans: req.sans, days: req.days });
    const entry: BatchEntry = {
      req,
      der,
      subjectDer,
      name: req.name,
      certPem: toPem('CERTIFICATE', der) + chainPem,
      keyPem: pkcs8Pem,
      serial,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
    };
    if (init.p12) {
      const key = createPrivateKey(pkcs8Pem);
      entry.password = createP12Password();
      entry.p12 = buildP12!({
        key,
        certificates: [der, ...init.intermediates],
        friendlyName: req.name,
        password: entry.password,
        mode: 'modern',
        iterations: DEFAULT_PBKDF2_ITERATIONS,
      });
    }
    return entry;
  };

  const renew = (job: RenewJob): RenewedLeaf => {
    const old = leafParts(job.oldDer);
    let spki = old.spki;
    let publicKeyBits: Uint8Array | undefined;
    let keyPem: string | undefined;
    let keyRsa = old.rsa;
    if (job.rekey !== undefined) {
      const k = generateEncodedKeyPairSync(job.rekey);
      ({ spki, publicKeyBits } = k);
      keyPem = init.keyPassphrase === undefined ? k.pkcs8Pem : exportPrivateKeyPem(createPrivateKey(k.pkcs8Pem), init.keyPassphrase);
      keyRsa = job.rekey.startsWith('rsa-');
    }
    const { der, serial, notBefore, notAfter } = signLeaf({ subject: old.subject, spki, publicKeyBits, rsa: keyRsa, server: job.server, client: job.client, sans: job.sans, days: job.days });
    return {
      name: job.name,
      der,
      certPem: toPem('CERTIFICATE', der) + chainPem,
      keyPem,
      sans: job.sans,
      serial,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
    };
  };
  return { issue, renew };
}

/** Makes one job of either kind. */
export function makeJob(maker: ReturnType<typeof createBatchMaker>, job: BatchJob): BatchResult {
  return 'kind' in job ? maker.renew(job) : maker.issue(job);
}
