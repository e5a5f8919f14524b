/**
 * The one entry to @peculiar/x509: it needs reflect-metadata loaded first,
 * and runs on Node's native WebCrypto (no JavaScript big-number code).
 * Importing it costs about 0.25 s, so only commands that need it load it.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { AsnProp } from '@peculiar/asn1-schema';
import { Name, SubjectPublicKeyInfo, TBSCertificate } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

// Keep the bytes of a certificate's names and key as they were read, beside
// their parsed values (asn1-schema's own `raw` option, which asn1-x509 uses
// for tbsCertificate): certificates.ts compares names and keys by those
// bytes, where re-encoding each one cost a third of describing a certificate.
// Same declarations as asn1-x509's, plus raw; the parser then sets
// issuerRaw, subjectRaw and subjectPublicKeyInfoRaw.
AsnProp({ type: Name, raw: true })(TBSCertificate.prototype, 'issuer');
AsnProp({ type: Name, raw: true })(TBSCertificate.prototype, 'subject');
AsnProp({ type: SubjectPublicKeyInfo, raw: true })(TBSCertificate.prototype, 'subjectPublicKeyInfo');

export { x509 };
export const nativeCrypto = webcrypto as unknown as Crypto;
