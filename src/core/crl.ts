/**
 * Certificate revocation lists (RFC 5280 section 5): a CRL v2 built with
 * pkijs' CertificateRevocationList and signed with Node's native crypto,
 * and the freshness rule that doctor and list apply. Pure: keys, clock and
 * CRL number come in as parameters.
 */
import { sign as nodeSign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateExtensions, toArrayBuffer, type Certificate } from './certificates.js';
import { CRL_WARNING_DAYS, DAY_MS } from './defaults.js';
import { inputError } from './errors.js';
import { REVOCATION_REASONS, type RevocationReason } from './inventory.js';
import { signingParamsFor } from './keys.js';
import { readBlocks, toPem } from './pem.js';

const OID = {
  authorityKeyIdentifier: '2.5.29.35',
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ed25519: '1.3.101.112',
} as const;

/** Bounds on a CRL read back (list, doctor). */
export const CRL_MAX_BYTES = 16 * 1024 * 1024;

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

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 5.1.2.4). */
function crlTime(d: Date): pkijs.Time {
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime, value: d });
}

function hexBytes(hex: string): ArrayBuffer {
  const h = hex.length % 2 ? `0${hex}` : hex;
  const b = Buffer.from(h, 'hex');
  // DER INTEGER: a serial whose top bit is set needs a leading zero to stay positive.
  const out = (b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
  return new Uint8Array(out).buffer;
}

function bigintBytes(n: bigint): ArrayBuffer {
  return hexBytes(n.toString(16));
}

/** The signature algorithm for the CA key: the same hash rule as certificates (keys.ts signingParamsFor). */
function signatureAlgorithm(key: KeyObject): { algorithm: pkijs.AlgorithmIdentifier; hash: string | null } {
  const { signingAlgorithm } = signingParamsFor(key);
  const hash = signingAlgorithm.hash ?? null;
  const bits = hash?.replace('SHA-', '') ?? '';
  if (signingAlgorithm.name === 'ECDSA') {
    return { algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID[`ecdsaWithSHA${bits}` as keyof typeof OID] }), hash: `sha${bits}` };
  }
  if (signingAlgorithm.name === 'RSASSA-PKCS1-v1_5') {
    return { algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID[`sha${bits}WithRSA` as keyof typeof OID], algorithmParams: new asn1js.Null() }), hash: `sha${bits}` };
  }
  return { algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ed25519 }), hash: null };
}

function extension(extnID: string, value: { toBER(): ArrayBuffer }): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical: false, extnValue: value.toBER() });
}

/** A signed CRL v2 (DER): CRL number, AKI, nextUpdate, and a reason code per entry (none for unspecified). */
export function buildCrl(p: CrlParams): Uint8Array {
  if (!Number.isInteger(p.days) || p.days < 1 || p.days > 3650) {
    throw inputError('BAD_DAYS', `invalid --days "${p.days}"`, '--days takes a whole number of days from 1 to 3650');
  }
  const caSchema = asn1js.fromBER(new Uint8Array(p.issuer.cert.rawData));
  const ca = new pkijs.Certificate({ schema: caSchema.result });
  const nextUpdate = new Date(p.thisUpdate.getTime() + p.days * DAY_MS);
  if (nextUpdate > p.issuer.cert.notAfter) {
    throw inputError('CRL_PAST_CA', `a CRL valid for ${p.days} days would outlive the CA (notAfter ${p.issuer.cert.notAfter.toISOString()})`, 'pass a smaller --days, or create a new CA');
  }
  const ski = certificateExtensions(p.issuer.cert).subjectKeyId;
  if (ski === undefined) throw inputError('CA_WITHOUT_SKI', 'the CA certificate has no subjectKeyIdentifier', 'a CRL needs one for its authorityKeyIdentifier: create the CA with "regcert init-ca"');
  const aki = new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: Buffer.from(ski, 'hex') }) });
  const { algorithm, hash } = signatureAlgorithm(p.issuer.key);

  const crl = new pkijs.CertificateRevocationList({
    version: 1, // v2
    issuer: ca.subject,
    thisUpdate: crlTime(p.thisUpdate),
    nextUpdate: crlTime(nextUpdate),
    signature: algorithm,
    signatureAlgorithm: algorithm,
    crlExtensions: new pkijs.Extensions({
      extensions: [
        extension(OID.authorityKeyIdentifier, aki.toSchema()),
        extension(OID.cRLNumber, new asn1js.Integer({ valueHex: bigintBytes(p.number) })),
      ],
    }),
  });
  const revoked = [...p.revoked].sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime());
  if (revoked.length > 0) {
    crl.revokedCertificates = revoked.map(
      (r) =>
        new pkijs.RevokedCertificate({
          userCertificate: new asn1js.Integer({ valueHex: hexBytes(r.serial) }),
          revocationDate: crlTime(r.revokedAt),
          // RFC 5280 5.3.1: the reason "unspecified" is expressed by leaving the extension out.
          ...(r.reason === 'unspecified'
            ? {}
            : { crlEntryExtensions: new pkijs.Extensions({ extensions: [extension(OID.reasonCode, new asn1js.Enumerated({ value: REVOCATION_REASONS[r.reason] }))] }) }),
        }),
    );
  }
  // pkijs encodes the TBSCertList; Node's crypto signs it (ECDSA signatures come out DER-encoded, as X.509 wants).
  const tbs = new Uint8Array((crl as unknown as { encodeTBS(): asn1js.Sequence }).encodeTBS().toBER());
  crl.tbsView = tbs;
  crl.signatureValue = new asn1js.BitString({ valueHex: nodeSign(hash, tbs, p.issuer.key) });
  return new Uint8Array(crl.toSchema().toBER());
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

/** Reads the fields list and doctor need from a CRL (DER). */
export function parseCrl(der: Uint8Array, source = 'the CRL'): CrlInfo {
  if (der.byteLength > CRL_MAX_BYTES) throw inputError('CRL_TOO_LARGE', `${source} is larger than ${CRL_MAX_BYTES} bytes`, 'check the file');
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(toArrayBuffer(der));
  } catch (e) {
    throw inputError('BAD_CRL', `${source} is not a valid CRL`, 'regenerate it with "regcert crl"', { cause: e });
  }
  const numberExt = crl.crlExtensions?.extensions.find((x) => x.extnID === OID.cRLNumber);
  let number: bigint | undefined;
  if (numberExt) {
    const n = asn1js.fromBER(numberExt.extnValue.getValue());
    if (n.result instanceof asn1js.Integer) number = BigInt(`0x${Buffer.from(n.result.valueBlock.valueHexView).toString('hex') || '0'}`);
  }
  return {
    number,
    thisUpdate: crl.thisUpdate.value,
    nextUpdate: crl.nextUpdate?.value,
    revokedSerials: (crl.revokedCertificates ?? []).map((r) => Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex').replace(/^0+(?=.)/, '')),
  };
}

export interface CrlFreshness {
  level: 'ok' | 'warning' | 'expired';
  message: string;
  fix: string;
}

/**
 * The rule doctor and list apply to a CRL: past nextUpdate, verifiers that
 * check CRLs (nginx ssl_crl, HAProxy, Envoy) refuse EVERY client certificate;
 * within CRL_WARNING_DAYS of it, it is time to refresh.
 */
export function checkCrlFreshness(info: Pick<CrlInfo, 'nextUpdate'>, file: string, dir: string, now: Date = new Date()): CrlFreshness {
  const fix = `run "regcert crl --dir ${dir}" (daily from cron or a systemd timer: "regcert config systemd --dir ${dir}") and reload the server that reads it`;
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
