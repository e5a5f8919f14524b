/**
 * The one entry to @peculiar/x509: it needs reflect-metadata loaded first,
 * and runs on Node's native WebCrypto (no JavaScript big-number code).
 * Importing it costs about 0.25 s, so only commands that need it load it:
 * building a CA, reading a CSR or a PKCS#12 file. Certificates are read
 * without it (core/cert-asn.ts).
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
export const nativeCrypto = webcrypto as unknown as Crypto;
