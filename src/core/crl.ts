/**
 * Certificate revocation lists (RFC 5280 section 5): a CRL v2 signed with
 * Node's native crypto, and the freshness rule that doctor and list apply.
 * Pure: keys, clock and CRL number come in as parameters.
 *
 * Built and read at any size regcert can write (100,000 entries and more):
 * the envelope, names, times and extensions through cert-builder's encoders
 * and @peculiar/asn1-x509's classes (AuthorityKeyIdentifier, Extension,
 * Time); the list of revoked certificates — the one part that grows — as
 * the DER of asn1-x509's RevokedCertificate, written and read by a flat,
 * bounded walk instead of a tree of asn1js nodes per entry (pkijs' parser
 * stopped at about 1,300 entries, asn1js's node cap; a whole
 * CertificateList through asn1-schema takes 20 s and 1 GB at 100,000). Each
 * entry shape is checked once per CRL against asn1-schema's own encoding.
 */
import { sign as nodeSign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, CRLReason, Extension, Extensions, id_ce_authorityKeyIdentifier, id_ce_cRLNumber, id_ce_cRLReasons, KeyIdentifier, RevokedCertificate, Time } from '@peculiar/asn1-x509';
import { encodeTime, signatureAlgorithm } from './cert-builder.js';
import { children, content, readTlv, timeValue, type Tlv } from './der.js';
import { issuerOf, type Certificate } from './certificates.js';
import { CRL_WARNING_DAYS, DAY_MS } from './defaults.js';
import { inputError } from './errors.js';
import { REVOCATION_REASONS, type RevocationReason } from './inventory.js';
import { readBlocks, toPem } from './pem.js';

/** Bounds on a CRL read back (list, doctor, crl's own number): about 300,000 entries. */
export const CRL_MAX_BYTES = 16 * 1024 * 1024;
/** The longest a CRL may be valid for (--days / --crl-days), as for leaves. */
export const CRL_MAX_DAYS = 3650;

export interface RevokedSerial {
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

export interface CrlParams {
  issuer: { cert: Certificate; key: KeyObject };
  revoked: RevokedSerial[];
  /** The CRL number: strictly greater than any this CA issued before (RFC 5280 5.2.3). */
  number: bigint;
  thisUpdate: Date;
  days: number;
}

/**
 * The CRL validity rule, checked before anything is written: whole days
 * from 1 to CRL_MAX_DAYS, and a nextUpdate no later than the CA's notAfter.
 * `flag` names the option in the message (revoke: --crl-days; crl: --days).
 */
export function validateCrlDays(days: number, caNotAfter: Date, now: Date, flag: string): number {
  if (!Number.isInteger(days) || days < 1 || days > CRL_MAX_DAYS) {
    throw inputError('BAD_DAYS', `invalid ${flag} "${days}"`, `${flag} takes a whole number of days from 1 to ${CRL_MAX_DAYS}`);
  }
  if (now.getTime() + days * DAY_MS > caNotAfter.getTime()) {
    throw inputError('CRL_PAST_CA', `${flag} ${days}: a CRL valid for ${days} days would outlive the CA (notAfter ${caNotAfter.toISOString()})`, `pass a smaller ${flag}, or create a new CA`);
  }
  return days;
}

/** One DER TLV: tag, definite length, content. */
function tlv(tag: number, content: Uint8Array | readonly Uint8Array[]): Buffer {
  const body = content instanceof Uint8Array ? Buffer.from(content.buffer, content.byteOffset, content.byteLength) : Buffer.concat(content);
  const n = body.length;
  let head: Buffer;
  if (n < 0x80) head = Buffer.from([tag, n]);
  else {
    const len: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) len.unshift(v & 0xff);
    head = Buffer.from([tag, 0x80 | len.length, ...len]);
  }
  return Buffer.concat([head, body]);
}

/** A positive INTEGER's content octets from hex (a leading zero when the top bit is set). */
function integerContent(hex: string): Buffer {
  const b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && (b[i + 1]! & 0x80) === 0) i++; // DER: no redundant leading zeros
  const v = b.subarray(i);
  return (v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v.length ? v : Buffer.from([0]);
}

const derOf = (value: object): Buffer => Buffer.from(AsnConvert.serialize(value));

/** The crlEntryExtensions of a reason (RFC 5280 5.3.1: none for unspecified), DER, by reason. */
function entryExtensions(reason: RevocationReason): Buffer {
  if (reason === 'unspecified') return Buffer.alloc(0);
  return derOf(new Extensions([new Extension({ extnID: id_ce_cRLReasons, critical: false, extnValue: new OctetString(AsnConvert.serialize(new CRLReason(REVOCATION_REASONS[reason]))) })]));
}

/**
 * The revokedCertificates entries, DER, each what asn1-x509's
 * RevokedCertificate encodes (checked on the first entry of every reason).
 * Times are cached: a bulk revoke shares one revocation time.
 */
function encodeRevoked(revoked: readonly RevokedSerial[]): Buffer[] {
  const exts = new Map<RevocationReason, Buffer>();
  const times = new Map<number, Buffer>();
  const checked = new Set<RevocationReason>();
  return revoked.map((r) => {
    let ext = exts.get(r.reason);
    if (ext === undefined) exts.set(r.reason, (ext = entryExtensions(r.reason)));
    const t = r.revokedAt.getTime();
    let time = times.get(t);
    if (time === undefined) {
      time = Buffer.from(encodeTime(r.revokedAt).toBER(false));
      if (times.size < 4096) times.set(t, time);
    }
    const serial = integerContent(r.serial);
    const entry = tlv(0x30, [tlv(0x02, serial), time, ext]);
    if (!checked.has(r.reason)) {
      const schema = new RevokedCertificate({ userCertificate: new Uint8Array(serial).buffer, revocationDate: new Time(r.revokedAt) });
      if (r.reason !== 'unspecified') schema.crlEntryExtensions = AsnConvert.parse(ext, Extensions);
      if (!entry.equals(derOf(schema))) throw new Error(`buildCrl: the entry for serial ${r.serial} differs from asn1-x509's RevokedCertificate`);
      checked.add(r.reason);
    }
    return entry;
  });
}

/**
 * A signed CRL v2 (DER): issuer, thisUpdate, nextUpdate, the entries (a
 * reason code each, none for unspecified), CRL number and authorityKeyIdentifier
 * (the issuer key identifier rule of every leaf: certificates.ts issuerOf).
 */
export function buildCrl(p: CrlParams): Uint8Array {
  validateCrlDays(p.days, p.issuer.cert.notAfter, p.thisUpdate, '--days');
  const issuer = issuerOf(p.issuer);
  const nextUpdate = new Date(p.thisUpdate.getTime() + p.days * DAY_MS);
  const { algorithm, digest } = signatureAlgorithm(p.issuer.key);
  const revoked = [...p.revoked].sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime());
  const aki = new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(new Uint8Array(issuer.keyId)) });
  const extensions = derOf(
    new Extensions([
      new Extension({ extnID: id_ce_authorityKeyIdentifier, critical: false, extnValue: new OctetString(AsnConvert.serialize(aki)) }),
      new Extension({ extnID: id_ce_cRLNumber, critical: false, extnValue: new OctetString(new Uint8Array(tlv(0x02, integerContent(p.number.toString(16))))) }),
    ]),
  );
  const tbs = tlv(0x30, [
    tlv(0x02, Buffer.from([1])), // v2
    algorithm,
    issuer.nameDer,
    Buffer.from(encodeTime(p.thisUpdate).toBER(false)),
    Buffer.from(encodeTime(nextUpdate).toBER(false)),
    ...(revoked.length > 0 ? [tlv(0x30, encodeRevoked(revoked))] : []), // RFC 5280 5.1.2.6: absent when empty
    tlv(0xa0, extensions),
  ]);
  // ECDSA signatures come out of node:crypto DER-encoded, as X.509 wants.
  const signature = nodeSign(digest, tbs, p.issuer.key);
  return new Uint8Array(tlv(0x30, [tbs, algorithm, tlv(0x03, [Buffer.from([0]), signature])]));
}

export function crlToPem(der: Uint8Array): string {
  return toPem('X509 CRL', der);
}

export interface CrlInfo {
  number: bigint | undefined;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  revokedSerials: string[];
}

const isTime = (tag: number) => tag === 0x17 || tag === 0x18;
const hexOf = (der: Uint8Array, t: Tlv) => Buffer.from(der.buffer, der.byteOffset + t.body, t.end - t.body).toString('hex');

/**
 * Reads the fields list, doctor and crl need from a CRL (DER): one flat walk
 * of CertificateList → TBSCertList (RFC 5280 5.1) with core/der.ts, the
 * times by its timeValue (RFC 5280's two forms, as a certificate's), the
 * extensions through asn1-x509's classes, each entry's serial from its INTEGER.
 * Bounded: CRL_MAX_BYTES, definite lengths, each entry inside its list.
 */
export function parseCrl(der: Uint8Array, source = 'the CRL'): CrlInfo {
  if (der.byteLength > CRL_MAX_BYTES) throw inputError('CRL_TOO_LARGE', `${source} is larger than ${CRL_MAX_BYTES} bytes`, 'check the file');
  try {
    const outer = readTlv(der, 0, der.byteLength);
    if (outer.tag !== 0x30 || outer.end !== der.byteLength) throw new Error('not a SEQUENCE');
    const tbs = readTlv(der, outer.body, outer.end);
    if (tbs.tag !== 0x30) throw new Error('no TBSCertList');
    const fields = children(der, tbs);
    let i = 0;
    if (fields[i]?.tag === 0x02) i++; // version
    if (fields[i]?.tag !== 0x30 || fields[i + 1]?.tag !== 0x30) throw new Error('no signature or issuer');
    i += 2;
    const thisField = fields[i++];
    if (thisField === undefined || !isTime(thisField.tag)) throw new Error('no thisUpdate');
    const thisUpdate = timeValue(der, thisField, 'thisUpdate');
    let nextUpdate: Date | undefined;
    if (fields[i] && isTime(fields[i]!.tag)) {
      nextUpdate = timeValue(der, fields[i], 'nextUpdate');
      i++;
    }
    const revokedSerials: string[] = [];
    if (fields[i]?.tag === 0x30) {
      for (const entry of children(der, fields[i++]!)) {
        const serial = readTlv(der, entry.body, entry.end);
        if (entry.tag !== 0x30 || serial.tag !== 0x02) throw new Error('bad entry');
        revokedSerials.push(hexOf(der, serial).replace(/^0+(?=.)/, ''));
      }
    }
    let number: bigint | undefined;
    if (fields[i]?.tag === 0xa0) {
      const exts = AsnConvert.parse(content(der, fields[i]!), Extensions);
      const n = exts.find((x) => x.extnID === id_ce_cRLNumber);
      if (n) {
        const value = new Uint8Array(n.extnValue.buffer);
        const int = readTlv(value, 0, value.byteLength);
        if (int.tag !== 0x02) throw new Error('bad cRLNumber');
        number = BigInt(`0x${hexOf(value, int) || '0'}`);
      }
      i++;
    }
    if (i !== fields.length) throw new Error('unexpected field');
    return { number, thisUpdate, nextUpdate, revokedSerials };
  } catch (e) {
    throw inputError('BAD_CRL', `${source} is not a valid CRL`, 'regenerate it with "regcert crl"', { cause: e });
  }
}

export interface CrlFreshness {
  level: 'ok' | 'warning' | 'expired' | 'not-yet-valid';
  message: string;
  fix: string;
}

/**
 * The rule doctor and list apply to a CRL: past nextUpdate, or before its
 * thisUpdate, verifiers that check CRLs (nginx ssl_crl, HAProxy, Envoy)
 * refuse EVERY client certificate; within CRL_WARNING_DAYS of nextUpdate,
 * it is time to refresh.
 */
export function checkCrlFreshness(info: Pick<CrlInfo, 'nextUpdate' | 'thisUpdate'>, file: string, dir: string, now: Date = new Date()): CrlFreshness {
  const fix = `run "regcert crl --dir ${dir}" (daily from cron or a systemd timer: "regcert config systemd --dir ${dir}") and reload the server that reads it`;
  // OpenSSL (nginx, HAProxy) refuses a CRL whose thisUpdate is still ahead ("CRL is not yet valid"): every client with it.
  if (info.thisUpdate.getTime() > now.getTime()) {
    return {
      level: 'not-yet-valid',
      message: `${file} is not yet valid: its thisUpdate ${info.thisUpdate.toISOString()} is in the future (a clock ahead where it was made), so nginx (ssl_crl) and HAProxy refuse every client certificate`,
      fix: `check the clock of the machine that wrote it (timedatectl), then ${fix}`,
    };
  }
  if (info.nextUpdate === undefined) return { level: 'warning', message: `${file} has no nextUpdate`, fix };
  const left = info.nextUpdate.getTime() - now.getTime();
  if (left <= 0) {
    return { level: 'expired', message: `${file} is stale: its nextUpdate ${info.nextUpdate.toISOString()} has passed, so nginx (ssl_crl), HAProxy and Envoy refuse every client certificate`, fix };
  }
  if (left <= CRL_WARNING_DAYS * DAY_MS) {
    return { level: 'warning', message: `${file} expires soon: nextUpdate ${info.nextUpdate.toISOString()} (${Math.floor(left / 3_600_000)} hours left)`, fix };
  }
  return { level: 'ok', message: `${file} is fresh until ${info.nextUpdate.toISOString()}`, fix };
}

/**
 * Which servers check a CRL for client certificates, and which do not: what
 * `revoke` tells its user (MKE/MSR per the Mirantis docs; distribution 2.x
 * configures only clientcas; Harbor's nginx front end has no ssl_crl).
 */
export const CRL_ENFORCEMENT: ReadonlyArray<{ server: string; checks: boolean; how: string }> = [
  { server: 'nginx', checks: true, how: 'ssl_crl pointing at crl.pem ("regcert config nginx --crl" emits it); reload nginx after each refresh' },
  { server: 'HAProxy', checks: true, how: 'crl-file on the bind line next to ca-file; reload after each refresh' },
  { server: 'Envoy', checks: true, how: 'crl in the validation_context of the DownstreamTlsContext' },
  { server: 'CNCF distribution 2.x (docker-registry)', checks: false, how: 'http.tls has clientcas only: put nginx, HAProxy or Envoy with the CRL in front' },
  { server: 'Mirantis MKE / MSR', checks: false, how: 'neither CRLs nor OCSP are checked: a revoked certificate keeps working until it expires; front it with a proxy that checks the CRL, or remove the user' },
  { server: 'Harbor', checks: false, how: 'its nginx does not load a CRL: terminate TLS in a proxy that checks it' },
];

/** A CRL file's bytes (PEM "X509 CRL" or DER) parsed: the first CRL in it. */
export function parseCrlFile(data: Uint8Array, source: string): CrlInfo {
  if (data.byteLength > CRL_MAX_BYTES) throw inputError('CRL_TOO_LARGE', `${source} is larger than ${CRL_MAX_BYTES} bytes`, 'check the file');
  const block = readBlocks(data, ['X509 CRL'], 'X509 CRL')[0];
  if (!block) throw inputError('NO_CRL', `no CRL found in ${source}`, 'pass a PEM ("BEGIN X509 CRL") or DER CRL, or run "regcert crl"');
  return parseCrl(block.der, source);
}
