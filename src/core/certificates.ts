/**
 * Building certificates: root and intermediate CAs, and leaves for servers
 * and clients (leaves through cert-builder.ts, the one leaf builder). Pure:
 * keys, clock and randomness come in as parameters.
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createLeafSigner, createSerial, encodeName, keyIdentifier, toArrayBuffer, validity, type BuildContext, type LeafIssuer, type LeafRequest, type SignedLeaf } from './cert-builder.js';
import { DAY_MS, MAX_BROWSER_LEAF_DAYS } from './defaults.js';
import { inputError, isRegcertError } from './errors.js';
import { publicKeyDer, signingParamsFor, toSigningKey } from './keys.js';
import type { JsonName } from './names.js';
import { toPem, readBlocks } from './pem.js';
import { withElementBudget } from './der.js';
import { AsnX509Certificate, decodeExtensions, nameAttributes, webAlgorithm, type DecodedExtensions, type WebAlgorithm } from './cert-asn.js';
import type { x509 } from './x509.js';

export { toArrayBuffer, validateDays, type BuildContext } from './cert-builder.js';

/**
 * A certificate as regcert reads it: what core/cert-asn.ts's
 * AsnX509Certificate (every certificate regcert parses or builds) and
 * @peculiar/x509's X509Certificate (fetch-ca, tests) both are, with the
 * same values. Everything else is read from its DER (certificateParts).
 */
export interface Certificate {
  readonly rawData: ArrayBuffer;
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly signature: ArrayBuffer;
}

/**
 * What to tell the user about a leaf's validity before it is issued: that
 * `days` will be cut at the CA's notAfter (validity() does it), and that a
 * server certificate valid longer than MAX_BROWSER_LEAF_DAYS is refused by
 * Apple platforms and browsers.
 */
export function leafValidityWarnings(days: number, caNotAfter: Date, opts: { server: boolean; now?: Date | undefined }): string[] {
  const now = opts.now ?? new Date();
  const out: string[] = [];
  const cap = daysCapWarning(days, caNotAfter, now, { issuer: "the CA's", what: 'the certificate' });
  const effective = cap ? cap.effective : days;
  if (cap) out.push(cap.warning);
  if (opts.server && effective > MAX_BROWSER_LEAF_DAYS) {
    out.push(`a server certificate valid ${effective} days: Apple platforms and browsers refuse TLS server certificates valid longer than ${MAX_BROWSER_LEAF_DAYS} days (container runtimes accept it)`);
  }
  return out;
}

/**
 * validity() ends a certificate at its issuer's notAfter: what to say when
 * `days` is cut by that, and the days left (undefined when it is not cut).
 */
export function daysCapWarning(
  days: number,
  issuerNotAfter: Date,
  now: Date,
  names: { issuer: string; what: string },
): { effective: number; warning: string } | undefined {
  if (now.getTime() + days * DAY_MS <= issuerNotAfter.getTime()) return undefined;
  const effective = Math.floor((issuerNotAfter.getTime() - now.getTime()) / DAY_MS);
  return {
    effective,
    warning: `--days ${days} is capped at ${names.issuer} own expiry: ${names.what} ends on ${issuerNotAfter.toISOString().slice(0, 10)} (${effective} days)`,
  };
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


/** @peculiar/x509 (and tsyringe, reflect-metadata) load only when a CA is built: issue and renew do without. */
const loadX509 = () => import('./x509.js');

async function caExtensions(publicKey: Uint8Array, pathLen: number | undefined, issuer?: Issuer) {
  const { x509, nativeCrypto } = await loadX509();
  const exts: InstanceType<typeof x509.Extension>[] = [
    new x509.BasicConstraintsExtension(true, pathLen, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(toArrayBuffer(publicKey), false, nativeCrypto),
  ];
  if (issuer) exts.push(new x509.AuthorityKeyIdentifierExtension(Buffer.from(issuerKeyId(issuer.cert)).toString('hex'), false));
  return exts;
}

/**
 * The key identifier a certificate's issuer is named by in its children's
 * authorityKeyIdentifier (and a CRL's): the issuer's subjectKeyIdentifier
 * when it has one, else the SHA-1 of its public key bits (RFC 5280
 * 4.2.1.2, method 1), so a CA made without an SKI (openssl, older tools)
 * still signs. The one rule; core/chain.ts re-exports it.
 */
export function issuerKeyId(issuer: Certificate): Uint8Array {
  const ski = certificateExtensions(issuer).subjectKeyId;
  const parts = certificateParts(issuer);
  return ski !== undefined ? new Uint8Array(Buffer.from(ski, 'hex')) : keyIdentifier(parts.spki, parts.subjectPublicKey);
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
  const { x509, nativeCrypto } = await loadX509();
  const cert = await x509.X509CertificateGenerator.create(
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
  return new AsnX509Certificate(new Uint8Array(cert.rawData));
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
  const { x509 } = await loadX509();
  return sign(
    {
      subject: p.subject,
      issuerName: new x509.Name(new Uint8Array(nameDer(issuer.cert, 'subject'))),
      publicKey: spki,
      signer: issuer.key,
      extensions: await caExtensions(spki, p.pathLen, issuer),
      ...validity(ctx, p.days, issuer.cert.notAfter),
    },
    ctx,
  );
}

/** A leaf as `issue` asks for it: LeafRequest (the builder's DER-level request) with the subject and key not yet encoded. */
export type LeafParams = Omit<LeafRequest, 'subject' | 'spki' | 'publicKeyBits'> & {
  subject: JsonName | InstanceType<typeof x509.Name>;
  /** The leaf's public key: SPKI DER or a parsed PublicKey (from a CSR). */
  publicKey: Uint8Array | InstanceType<typeof x509.PublicKey>;
};

/** What the leaf builder needs of a loaded CA: its name, key identifier, notAfter and key. */
export function issuerOf(issuer: Issuer): LeafIssuer {
  assertCanSign(issuer.cert);
  return {
    nameDer: new Uint8Array(nameDer(issuer.cert, 'subject')),
    keyId: issuerKeyId(issuer.cert),
    notAfter: issuer.cert.notAfter,
    key: issuer.key,
  };
}

/** A new leaf's DER, what the builder put in it (SignedLeaf), and its subject's DER as encoded. */
export function signLeaf(p: LeafParams, issuer: Issuer, ctx: BuildContext = {}): SignedLeaf & { subjectDer: Uint8Array } {
  const subjectDer = Array.isArray(p.subject) ? encodeName(p.subject) : new Uint8Array(p.subject.toArrayBuffer());
  const signed = createLeafSigner(issuerOf(issuer))(
    {
      subject: subjectDer,
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
  return { ...signed, subjectDer };
}

export async function createLeaf(p: LeafParams, issuer: Issuer, ctx: BuildContext = {}): Promise<Certificate> {
  return new AsnX509Certificate(signLeaf(p, issuer, ctx).der);
}

const decodedExtensions = new WeakMap<Certificate, DecodedExtensions>();
const readParts = new WeakMap<Certificate, AsnX509Certificate>();

/**
 * The certificate as core/cert-asn.ts reads it from its DER: itself, or for
 * another Certificate (@peculiar/x509's, from fetch-ca and tests) its
 * rawData read once.
 */
function certificateParts(cert: Certificate): AsnX509Certificate {
  if (cert instanceof AsnX509Certificate) return cert;
  let parts = readParts.get(cert);
  if (!parts) {
    parts = new AsnX509Certificate(new Uint8Array(cert.rawData));
    readParts.set(cert, parts);
  }
  return parts;
}

/**
 * The extensions regcert reads from a certificate, decoded once per
 * certificate (cached) from the extension values core/cert-asn.ts has read
 * (@peculiar/x509's own `extensions` getter re-encodes every extension and
 * parses it twice more: 1.4 ms of a 2.5 ms certificate). Every reader of
 * basicConstraints, keyUsage, EKU, SAN, SKI or AKI goes through here; the
 * first instance of an extension counts, as in @peculiar/x509's getExtension.
 */
export function certificateExtensions(cert: Certificate): DecodedExtensions {
  let out = decodedExtensions.get(cert);
  if (!out) {
    out = decodeExtensions(certificateParts(cert).extensions);
    decodedExtensions.set(cert, out);
  }
  return out;
}

export function isCa(cert: Certificate): boolean {
  return certificateExtensions(cert).basicConstraints?.ca === true;
}

function assertCanSign(cert: Certificate): void {
  if (!isCa(cert)) {
    throw inputError('NOT_A_CA', `"${cert.subject}" is not a CA certificate (no basicConstraints CA:TRUE)`, 'point --dir at a directory made by "regcert init-ca"');
  }
}

/**
 * The DER of a certificate's subject or issuer name, as it stands in the
 * certificate (as Go's RawSubject/RawIssuer). Names chain when these bytes
 * are equal.
 */
export function nameDer(cert: Certificate, which: 'subject' | 'issuer'): Buffer {
  const parts = certificateParts(cert);
  const raw = which === 'subject' ? parts.subjectDer : parts.issuerDer;
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** The certificate's subject as RDNs of type and value (core/cert-asn.ts nameAttributes). */
export function subjectAttributes(cert: Certificate): { type: string; value: string }[][] {
  return nameAttributes(certificateParts(cert).subjectDer);
}

/** The certificate's SubjectPublicKeyInfo DER, as it stands in the certificate. */
export function spkiDer(cert: Certificate): Uint8Array {
  return certificateParts(cert).spki;
}

/** The same certificate: byte-for-byte the same DER. */
export function sameCertificate(a: Certificate, b: Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}

export function isSelfSigned(cert: Certificate): boolean {
  // Equal DER prints equally, so names that print differently differ: no encoding needed.
  return cert.subject === cert.issuer && nameDer(cert, 'subject').equals(nameDer(cert, 'issuer'));
}

/**
 * A certificate from DER with the parts core/cert-asn.ts reads on first use
 * (the extensions regcert reads, names, key and signature algorithms) read
 * now, within MAX_CERTIFICATE_ELEMENTS: a malformed one fails here, where the
 * caller reports it as input, not later in describing.
 */
export function certificateFromDer(der: Uint8Array<ArrayBuffer>): Certificate {
  return withElementBudget(() => {
    const cert = new AsnX509Certificate(der);
    void [certificateExtensions(cert), cert.subject, cert.issuer, cert.keyAlgorithm, webAlgorithm(cert.signatureAlgorithm)];
    return cert;
  });
}

/** The certificate's key algorithm as @peculiar/x509 names it ({ name: 'ECDSA', namedCurve: 'P-256' }...). */
export function certificateKeyAlgorithm(cert: Certificate): WebAlgorithm {
  return certificateParts(cert).keyAlgorithm;
}

/**
 * What the certificate reader said when it refused a certificate, as ": <why>"
 * to follow "holds a malformed certificate" (core/der.ts bad: "not an X.509
 * certificate: <why>"); empty for any other error.
 */
function refusalReason(e: unknown): string {
  return isRegcertError(e) && e.code === 'BAD_CERTIFICATE' ? `: ${e.message.replace(/^not an X\.509 certificate: /, '')}` : '';
}

/** Why certificateFromDer refuses this DER, as refusalReason gives it ('' when it reads it). */
export function certificateRefusal(der: Uint8Array): string {
  try {
    certificateFromDer(new Uint8Array(der));
    return '';
  } catch (e) {
    return refusalReason(e);
  }
}

/** Parses every certificate in PEM (any text around it) or a single DER certificate. */
export function parseCertificates(data: Uint8Array, source = 'the file'): Certificate[] {
  const blocks = readBlocks(data, ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'], 'CERTIFICATE', source);
  const certs: Certificate[] = [];
  for (const b of blocks) {
    try {
      certs.push(certificateFromDer(b.der));
    } catch (e) {
      throw inputError('BAD_CERTIFICATE', `${source} holds a malformed certificate${refusalReason(e)}`, 'check that the file is a PEM or DER X.509 certificate, encoded as RFC 5280 defines', { cause: e });
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
  return keyMatchesSpki(key, spkiDer(cert));
}

/** True when the private key's public half is this SubjectPublicKeyInfo (DER). */
export function keyMatchesSpki(key: KeyObject, spki: Uint8Array): boolean {
  return Buffer.from(publicKeyDer(key)).equals(spki);
}

/** The key/certificate match rule every loader applies: a mismatch is bad input (exit 2). */
export function assertKeyMatches(key: KeyObject, leaf: Certificate, keySource: string, certSource: string): void {
  if (!keyMatchesCertificate(key, leaf)) {
    throw inputError('KEY_MISMATCH', `the key ${keySource} does not belong to the certificate ${certSource}`, 'pass the key that was generated with this certificate');
  }
}

/** A SubjectPublicKeyInfo (DER) as a KeyObject, or null when Node cannot read it. */
export function publicKeyFromSpki(spki: Uint8Array | ArrayBuffer): KeyObject | null {
  try {
    return createPublicKey({ key: Buffer.from(new Uint8Array(spki)), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** Parsed once per certificate (OpenSSL's key decoder is the slow step when 1,000 certificates are described). */
const publicKeys = new WeakMap<Certificate, KeyObject | null>();

/** The certificate's public key as a KeyObject (cached), or null when Node cannot read it. */
export function certificatePublicKey(cert: Certificate): KeyObject | null {
  let key = publicKeys.get(cert);
  if (key === undefined) {
    key = publicKeyFromSpki(spkiDer(cert));
    publicKeys.set(cert, key);
  }
  return key;
}

/**
 * What checking a certificate's signature needs, as plain data (it crosses
 * worker threads): the signed TBSCertificate bytes as they were read, the
 * signature, and the algorithm as @peculiar/x509 reads its identifier.
 */
export interface SignedData {
  tbs: Uint8Array;
  signature: Uint8Array;
  algorithm: { name: string; hash?: string | undefined; saltLength?: number | undefined };
}

export function signedDataOf(cert: Certificate): SignedData {
  const parts = certificateParts(cert);
  const alg = webAlgorithm(parts.signatureAlgorithm);
  return {
    // The TBS bytes as read (never re-encoded: a re-encoding could differ from what was signed).
    tbs: parts.tbs,
    signature: new Uint8Array(cert.signature),
    algorithm: { name: alg.name, hash: alg.hash?.name, saltLength: alg.saltLength },
  };
}

const NODE_HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/**
 * The one signature check of regcert: true when `issuerKey` verifies the
 * signature over the TBS bytes, by OpenSSL (node:crypto's verify, on the
 * thread pool: inspect checks 1,000 certificates at once on every core). An
 * algorithm it does not know, or a key of the wrong kind, is false.
 */
export function verifySignedData(data: SignedData, issuerKey: KeyObject): Promise<boolean> {
  const { name, hash, saltLength } = data.algorithm;
  const nodeHash = hash === undefined ? undefined : NODE_HASHES[hash];
  let args: [string | null, KeyObject | { key: KeyObject; dsaEncoding?: 'der'; padding?: number; saltLength?: number }] | undefined;
  switch (name) {
    case 'ECDSA':
      if (nodeHash !== undefined) args = [nodeHash, { key: issuerKey, dsaEncoding: 'der' }];
      break;
    case 'RSASSA-PKCS1-v1_5':
      if (nodeHash !== undefined) args = [nodeHash, { key: issuerKey, padding: constants.RSA_PKCS1_PADDING }];
      break;
    case 'RSA-PSS':
      if (nodeHash !== undefined && saltLength !== undefined) args = [nodeHash, { key: issuerKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }];
      break;
    case 'Ed25519':
    case 'Ed448':
      args = [null, issuerKey];
      break;
  }
  if (!args) return Promise.resolve(false);
  const [algorithm, key] = args;
  return new Promise((resolve) => {
    try {
      verify(algorithm, data.tbs, key, data.signature, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

/** True when `issuer` signed `cert`: the names chain and the signature verifies under the issuer's key. */
export function isSignedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  if (!nameDer(cert, 'issuer').equals(nameDer(issuer, 'subject'))) return Promise.resolve(false);
  const key = certificatePublicKey(issuer);
  return key === null ? Promise.resolve(false) : verifySignedData(signedDataOf(cert), key);
}
