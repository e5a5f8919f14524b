/**
 * Building certificates: root and intermediate CAs, and leaves for servers
 * and clients (leaves through cert-builder.ts, the one leaf builder). Pure:
 * keys, clock and randomness come in as parameters.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { createLeafSigner, createSerial, encodeName, keyIdentifier, validity, type BuildContext, type LeafIssuer } from './cert-builder.js';
import { DAY_MS, MAX_BROWSER_LEAF_DAYS } from './defaults.js';
import { inputError } from './errors.js';
import { publicKeyDer, signingParamsFor, toSigningKey } from './keys.js';
import type { JsonName } from './names.js';
import { toPem, readBlocks } from './pem.js';
import type { San } from './san.js';
import { nativeCrypto, x509 } from './x509.js';

export { validateDays, type BuildContext } from './cert-builder.js';

export type Certificate = InstanceType<typeof x509.X509Certificate>;

/**
 * What to tell the user about a leaf's validity before it is issued: that
 * `days` will be cut at the CA's notAfter (validity() does it), and that a
 * server certificate valid longer than MAX_BROWSER_LEAF_DAYS is refused by
 * Apple platforms and browsers.
 */
export function leafValidityWarnings(days: number, caNotAfter: Date, opts: { server: boolean; now?: Date | undefined }): string[] {
  const now = opts.now ?? new Date();
  const out: string[] = [];
  let effective = days;
  if (now.getTime() + days * DAY_MS > caNotAfter.getTime()) {
    effective = Math.floor((caNotAfter.getTime() - now.getTime()) / DAY_MS);
    out.push(`--days ${days} is capped at the CA's own expiry: the certificate ends on ${caNotAfter.toISOString().slice(0, 10)} (${effective} days)`);
  }
  if (opts.server && effective > MAX_BROWSER_LEAF_DAYS) {
    out.push(`a server certificate valid ${effective} days: Apple platforms and browsers refuse TLS server certificates valid longer than ${MAX_BROWSER_LEAF_DAYS} days (container runtimes accept it)`);
  }
  return out;
}

export interface CaParams {
  subject: JsonName;
  key: KeyObject;
  days: number;
  pathLen?: number | undefined;
}

export interface Issuer {
  cert: Certificate;
  key: KeyObject;
}

/** A standalone ArrayBuffer copy (TypeScript 5.9 types Uint8Array buffers as possibly shared). */
export function toArrayBuffer(u8: Uint8Array): ArrayBuffer {
  const ab = new ArrayBuffer(u8.byteLength);
  new Uint8Array(ab).set(u8);
  return ab;
}

async function caExtensions(publicKey: Uint8Array, pathLen: number | undefined, issuer?: Issuer) {
  const exts: InstanceType<typeof x509.Extension>[] = [
    new x509.BasicConstraintsExtension(true, pathLen, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(toArrayBuffer(publicKey), false, nativeCrypto),
  ];
  if (issuer) exts.push(await authorityKeyId(issuer.cert));
  return exts;
}

/** AKI = the issuer's SKI when it has one, else the SHA-1 of its public key (RFC 5280 4.2.1.1). */
async function authorityKeyId(issuer: Certificate) {
  const ski = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId, false);
  return x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey, false, nativeCrypto);
}

async function sign(
  params: {
    subject: JsonName | InstanceType<typeof x509.Name>;
    issuerName: JsonName | InstanceType<typeof x509.Name>;
    publicKey: Uint8Array | InstanceType<typeof x509.PublicKey>;
    signer: KeyObject;
    extensions: InstanceType<typeof x509.Extension>[];
    notBefore: Date;
    notAfter: Date;
  },
  ctx: BuildContext,
): Promise<Certificate> {
  const { signingAlgorithm } = signingParamsFor(params.signer);
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: createSerial(ctx.random),
      subject: params.subject,
      issuer: params.issuerName,
      notBefore: params.notBefore,
      notAfter: params.notAfter,
      publicKey: params.publicKey instanceof Uint8Array ? toArrayBuffer(params.publicKey) : params.publicKey,
      signingKey: await toSigningKey(params.signer),
      signingAlgorithm,
      extensions: params.extensions,
    },
    nativeCrypto,
  );
}

export async function createRootCa(p: CaParams, ctx: BuildContext = {}): Promise<Certificate> {
  const spki = publicKeyDer(p.key);
  return sign(
    {
      subject: p.subject,
      issuerName: p.subject,
      publicKey: spki,
      signer: p.key,
      extensions: await caExtensions(spki, p.pathLen),
      ...validity(ctx, p.days),
    },
    ctx,
  );
}

export async function createIntermediateCa(p: CaParams, issuer: Issuer, ctx: BuildContext = {}): Promise<Certificate> {
  assertCanSign(issuer.cert);
  const spki = publicKeyDer(p.key);
  return sign(
    {
      subject: p.subject,
      issuerName: issuer.cert.subjectName,
      publicKey: spki,
      signer: issuer.key,
      extensions: await caExtensions(spki, p.pathLen, issuer),
      ...validity(ctx, p.days, issuer.cert.notAfter),
    },
    ctx,
  );
}

export interface LeafParams {
  subject: JsonName | InstanceType<typeof x509.Name>;
  /** The leaf's public key: SPKI DER or a parsed PublicKey (from a CSR). */
  publicKey: Uint8Array | InstanceType<typeof x509.PublicKey>;
  /** Whether the leaf key is RSA (adds keyEncipherment). */
  rsa: boolean;
  server: boolean;
  client: boolean;
  /**
   * A JWT signing certificate for a registry token server (docker_auth):
   * keyUsage digitalSignature only and no EKU. distribution verifies the
   * token's x5c chain with ExtKeyUsageAny, so no EKU is needed, and without
   * one the certificate cannot serve as a TLS server or client certificate.
   */
  tokenSigning?: boolean | undefined;
  sans: San[];
  days: number;
}

/** What the leaf builder needs of a loaded CA: its name, key identifier, notAfter and key. */
export function issuerOf(issuer: Issuer): LeafIssuer {
  assertCanSign(issuer.cert);
  const ski = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return {
    nameDer: new Uint8Array(issuer.cert.subjectName.toArrayBuffer()),
    // AKI = the issuer's SKI when it has one, else the SHA-1 of its public key (RFC 5280 4.2.1.1).
    keyId: ski ? Buffer.from(ski.keyId, 'hex') : keyIdentifier(new Uint8Array(issuer.cert.publicKey.rawData)),
    notAfter: issuer.cert.notAfter,
    key: issuer.key,
  };
}

export async function createLeaf(p: LeafParams, issuer: Issuer, ctx: BuildContext = {}): Promise<Certificate> {
  const { der } = createLeafSigner(issuerOf(issuer))(
    {
      subject: p.subject instanceof x509.Name ? new Uint8Array(p.subject.toArrayBuffer()) : encodeName(p.subject),
      spki: p.publicKey instanceof Uint8Array ? p.publicKey : new Uint8Array(p.publicKey.rawData),
      rsa: p.rsa,
      server: p.server,
      client: p.client,
      tokenSigning: p.tokenSigning === true,
      sans: p.sans,
      days: p.days,
    },
    ctx,
  );
  return new x509.X509Certificate(toArrayBuffer(der));
}

export function isCa(cert: Certificate): boolean {
  return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

function assertCanSign(cert: Certificate): void {
  if (!isCa(cert)) {
    throw inputError('NOT_A_CA', `"${cert.subject}" is not a CA certificate (no basicConstraints CA:TRUE)`, 'point --dir at a directory made by "regcert init-ca"');
  }
}

export function isSelfSigned(cert: Certificate): boolean {
  return Buffer.from(cert.subjectName.toArrayBuffer()).equals(Buffer.from(cert.issuerName.toArrayBuffer()));
}

/**
 * A certificate from DER with the parts @peculiar/x509 parses lazily
 * (extensions, names, key, signature algorithm) read now: a malformed one
 * fails here, where the caller reports it as input, not later in describing.
 */
export function certificateFromDer(der: Uint8Array<ArrayBuffer>): Certificate {
  const cert = new x509.X509Certificate(der);
  void [cert.extensions, cert.subject, cert.issuer, cert.publicKey.algorithm, cert.signatureAlgorithm, cert.notBefore, cert.notAfter, cert.serialNumber];
  return cert;
}

/** Parses every certificate in PEM (any text around it) or a single DER certificate. */
export function parseCertificates(data: Uint8Array, source = 'the file'): Certificate[] {
  const blocks = readBlocks(data, ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'], 'CERTIFICATE', source);
  const certs: Certificate[] = [];
  for (const b of blocks) {
    try {
      certs.push(certificateFromDer(b.der));
    } catch (e) {
      throw inputError('BAD_CERTIFICATE', `${source} holds a malformed certificate`, 'check that the file is a PEM or DER X.509 certificate', { cause: e });
    }
  }
  if (certs.length === 0) {
    throw inputError('NO_CERTIFICATE', `no certificate found in ${source}`, 'pass a PEM ("BEGIN CERTIFICATE") or DER certificate');
  }
  return certs;
}

export function certificateToPem(cert: Certificate): string {
  return toPem('CERTIFICATE', new Uint8Array(cert.rawData));
}

export function sha256Fingerprint(der: ArrayBuffer | Uint8Array): string {
  const hex = createHash('sha256').update(new Uint8Array(der)).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

/** True when the private key's public half is the certificate's public key. */
export function keyMatchesCertificate(key: KeyObject, cert: Certificate): boolean {
  return Buffer.from(publicKeyDer(key)).equals(Buffer.from(cert.publicKey.rawData));
}

/** The key/certificate match rule every loader applies: a mismatch is bad input (exit 2). */
export function assertKeyMatches(key: KeyObject, leaf: Certificate, keySource: string, certSource: string): void {
  if (!keyMatchesCertificate(key, leaf)) {
    throw inputError('KEY_MISMATCH', `the key ${keySource} does not belong to the certificate ${certSource}`, 'pass the key that was generated with this certificate');
  }
}

/**
 * An issuer's key imported once per signature algorithm (for RSA the hash is
 * part of the imported key): inspect of a CA and 1,000 leaves imports it once.
 */
const verifyKeys = new WeakMap<Certificate, Map<string, Promise<CryptoKey>>>();
function verifyKey(cert: Certificate, issuer: Certificate): Promise<CryptoKey> {
  const algorithm = { ...issuer.publicKey.algorithm, ...cert.signatureAlgorithm };
  const id = JSON.stringify(algorithm);
  let byAlgorithm = verifyKeys.get(issuer);
  if (!byAlgorithm) verifyKeys.set(issuer, (byAlgorithm = new Map()));
  let key = byAlgorithm.get(id);
  if (!key) byAlgorithm.set(id, (key = issuer.publicKey.export(algorithm, ['verify'], nativeCrypto)));
  return key;
}

/** True when `issuer` signed `cert` (names chain and the signature verifies). */
export async function isSignedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  if (!Buffer.from(cert.issuerName.toArrayBuffer()).equals(Buffer.from(issuer.subjectName.toArrayBuffer()))) return false;
  try {
    return await cert.verify({ publicKey: await verifyKey(cert, issuer), signatureOnly: true }, nativeCrypto);
  } catch {
    return false;
  }
}

