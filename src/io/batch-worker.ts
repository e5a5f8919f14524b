/**
 * A worker thread of `issue --batch` (io/batch-pipeline.ts runs the pool): key generation, the certificate
 * (core/cert-builder.ts, the builder `issue` uses), PEM and, with --p12,
 * the PKCS#12 file and its password. No file I/O: the main thread writes.
 * Loads neither @peculiar/x509 nor pkijs.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { createLeafSigner, encodeName } from '../core/cert-builder.js';
import type { BatchRequest } from '../core/batch-rows.js';
import { DEFAULT_PBKDF2_ITERATIONS } from '../core/defaults.js';
import { generateEncodedKeyPairSync, type KeyType } from '../core/keys.js';
import { toPem } from '../core/pem.js';
import { buildPkcs12 } from '../core/pkcs12.js';

export interface BatchWorkerInit {
  issuer: { nameDer: Uint8Array; keyId: Uint8Array; notAfter: number; keyDer: Uint8Array };
  /** DER of the intermediates that follow the leaf in NAME.crt (never the root). */
  intermediates: Uint8Array[];
  keyType: KeyType;
  p12: boolean;
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

/** What a worker is asked to make. */
export type BatchJob = BatchRequest;

export type BatchWorkerReply = { seq: number; entries: BatchEntry[] } | { seq: number; error: { message: string; stack?: string | undefined } };

/** A PKCS#12 password: 144 random bits, URL-safe base64 (24 characters, no shell or CSV specials). */
function createP12Password(): string {
  return randomBytes(18).toString('base64url');
}

const init = workerData as BatchWorkerInit;
const issuerKey = createPrivateKey({ key: Buffer.from(init.issuer.keyDer), format: 'der', type: 'pkcs8' });
const signLeaf = createLeafSigner({
  nameDer: init.issuer.nameDer,
  keyId: init.issuer.keyId,
  notAfter: new Date(init.issuer.notAfter),
  key: issuerKey,
});
const chainPem = init.intermediates.map((c) => toPem('CERTIFICATE', c)).join('');
const rsa = init.keyType.startsWith('rsa-');

function issueOne(req: BatchRequest): BatchEntry {
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
    entry.p12 = buildPkcs12({
      key,
      certificates: [der, ...init.intermediates],
      friendlyName: req.name,
      password: entry.password,
      mode: 'modern',
      iterations: DEFAULT_PBKDF2_ITERATIONS,
    });
  }
  return entry;
}

parentPort!.on('message', (msg: { seq: number; jobs: BatchJob[] }) => {
  try {
    parentPort!.postMessage({ seq: msg.seq, entries: msg.jobs.map(issueOne) } satisfies BatchWorkerReply);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort!.postMessage({ seq: msg.seq, error: { message: err.message, stack: err.stack } } satisfies BatchWorkerReply);
  }
});
