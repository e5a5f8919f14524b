/**
 * Loading a client/server identity: a certificate chain file and its key
 * (PEM or DER, key optionally encrypted), or a PKCS#12 file. Every command
 * that takes --cert/--key (or --p12) goes through readCredentials, so the
 * key/certificate match check lives in one place.
 */
import type { KeyObject } from 'node:crypto';
import { keyMatchesCertificate, parseCertificates, type Certificate } from '../core/certificates.js';
import { inputError } from '../core/errors.js';
import { parsePrivateKey } from '../core/keys.js';
import { readInputFile } from './files.js';
import { readSecret, type SecretContext } from './secrets.js';

export interface CredentialOptions {
  cert?: string | undefined;
  key?: string | undefined;
  keyPasswordFile?: string | undefined;
  keyPasswordEnv?: string | undefined;
  /** A PKCS#12 file in place of --cert/--key (its password: --password-file/--password-env). */
  p12?: string | undefined;
  passwordFile?: string | undefined;
  passwordEnv?: string | undefined;
  /** The flag that supplies the PKCS#12 password, for messages (default --password-file). */
  passwordFlag?: string | undefined;
  /** An MKE/UCP client bundle (zip or folder: cert.pem, key.pem, ca.pem) in place of --cert/--key. */
  bundle?: string | undefined;
}

export interface Credentials {
  /** Leaf first, then whatever intermediates (or roots) the input carried. */
  chain: Certificate[];
  leaf: Certificate;
  key: KeyObject;
  /** Where they came from, for messages. */
  source: string;
  /** The CA the input itself carried (a client bundle's ca.pem), if any. */
  ca?: Certificate[] | undefined;
}

export async function readCredentials(opts: CredentialOptions, ctx: SecretContext): Promise<Credentials> {
  if (opts.bundle !== undefined) {
    if (opts.cert !== undefined || opts.key !== undefined || opts.p12 !== undefined) {
      throw inputError('BUNDLE_AND_PEM', '--bundle cannot be combined with --cert/--key/--p12', 'pass either --bundle FILE.zip|DIR or --cert FILE --key FILE');
    }
    const { readClientBundle } = await import('./bundle.js');
    const b = await readClientBundle(opts.bundle);
    const chain = parseCertificates(b.cert, b.names.cert);
    const ca = parseCertificates(b.ca, b.names.ca);
    // MKE writes key.pem unencrypted; an encrypted one is refused with parsePrivateKey's own message.
    const { key } = parsePrivateKey(b.key, { source: b.names.key, passwordFlag: '--key-password-file' });
    assertKeyMatches(key, chain[0]!, b.names.key, b.names.cert);
    return { chain, leaf: chain[0]!, key, source: opts.bundle, ca };
  }
  if (opts.p12 !== undefined) {
    if (opts.cert !== undefined || opts.key !== undefined) {
      throw inputError('P12_AND_PEM', '--p12 cannot be combined with --cert/--key', 'pass either --p12 FILE or --cert FILE --key FILE');
    }
    const { readP12Credentials } = await import('./p12-credentials.js');
    return readP12Credentials(opts, ctx);
  }
  if (opts.cert === undefined) throw inputError('MISSING_CERT', 'no certificate given', 'pass --cert FILE (and --key FILE)');
  if (opts.key === undefined) throw inputError('MISSING_KEY', 'no private key given', 'pass --key FILE');
  const chain = parseCertificates(await readInputFile(opts.cert, 'certificate', 'check the path given to --cert', 'certificate'), opts.cert);
  const keyData = await readInputFile(opts.key, 'private key', 'check the path given to --key', 'key');
  // An encrypted PEM key needs its passphrase; a DER key may be encrypted PKCS#8, so one is read if given.
  const text = Buffer.from(keyData).toString('latin1');
  const pemEncrypted = text.includes('ENCRYPTED');
  const passphrase =
    pemEncrypted || !text.includes('-----BEGIN')
      ? await readSecret(
          { file: opts.keyPasswordFile, env: opts.keyPasswordEnv },
          { flag: '--key-password-file', label: `passphrase of ${opts.key}`, required: pemEncrypted },
          ctx,
        )
      : undefined;
  const { key } = parsePrivateKey(keyData, { passphrase, source: opts.key, passwordFlag: '--key-password-file' });
  const leaf = chain[0]!;
  assertKeyMatches(key, leaf, opts.key, opts.cert);
  return { chain, leaf, key, source: opts.cert };
}

export function assertKeyMatches(key: KeyObject, leaf: Certificate, keySource: string, certSource: string): void {
  if (!keyMatchesCertificate(key, leaf)) {
    throw inputError('KEY_MISMATCH', `the key ${keySource} does not belong to the certificate ${certSource}`, 'pass the key that was generated with this certificate');
  }
}
