/**
 * The one loader for keys and certificates from files: a certificate chain
 * file and its key (PEM or DER, the key optionally encrypted), or a PKCS#12
 * file. install-host, verify, to-p12, serve, config, init-ca --intermediate
 * and issue (through io/pki.ts) all read through here, so whether a key is
 * encrypted (core/keys.ts isEncryptedPrivateKey, PEM and DER), when its
 * passphrase is asked for, and the key/certificate match live in one place.
 */
import type { KeyObject } from 'node:crypto';
import { assertKeyMatches, parseCertificates, type Certificate } from '../core/certificates.js';
import { inputError, type RegcertError } from '../core/errors.js';
import { isEncryptedPrivateKey, parsePrivateKey } from '../core/keys.js';
import type { CredentialOptions, Credentials } from './credential-types.js';
import { readInputFile } from './files.js';
import { readSecret, type SecretContext, type SecretSource } from './secrets.js';

export type { CredentialOptions, Credentials } from './credential-types.js';

export interface KeyFileOptions {
  /** What the file is, for messages ("private key", "CA key"). */
  what: string;
  /** Where a missing file comes from. */
  hint?: string | undefined;
  /** Where the passphrase comes from, when the key is encrypted. */
  secret?: SecretSource | undefined;
  /** The flag that supplies it (--key-password-file, --ca-password-file). */
  passwordFlag: string;
  /** For inputs that must be plain (server keys for registries and nginx): the error for an encrypted one. */
  refuseEncrypted?: (() => RegcertError) | undefined;
}

/** Reads one private key; an encrypted one (PEM or DER) is decrypted with its passphrase, asked for only then. */
export async function readPrivateKeyFile(file: string, o: KeyFileOptions, ctx: SecretContext): Promise<{ key: KeyObject; encrypted: boolean }> {
  const data = await readInputFile(file, o.what, o.hint, 'key');
  const encrypted = isEncryptedPrivateKey(data);
  if (encrypted && o.refuseEncrypted) throw o.refuseEncrypted();
  const passphrase = encrypted ? await readSecret(o.secret ?? {}, { flag: o.passwordFlag, label: `passphrase of ${file}`, required: true }, ctx) : undefined;
  const { key } = await parsePrivateKey(data, { passphrase, source: file, passwordFlag: o.passwordFlag });
  return { key, encrypted };
}

/** Reads a certificate file (PEM with one or more blocks, or DER): leaf first. */
export async function readCertificateFile(file: string, what: string, hint?: string, kind: 'certificate' | 'bundle' = 'certificate'): Promise<Certificate[]> {
  return parseCertificates(await readInputFile(file, what, hint, kind), file);
}

/** A certificate chain and its key, checked to belong together. */
export async function readKeyPair(
  certFile: string,
  keyFile: string,
  o: KeyFileOptions & { certWhat?: string; certHint?: string | undefined },
  ctx: SecretContext,
): Promise<{ chain: Certificate[]; leaf: Certificate; key: KeyObject; encrypted: boolean }> {
  const chain = await readCertificateFile(certFile, o.certWhat ?? 'certificate', o.certHint);
  const { key, encrypted } = await readPrivateKeyFile(keyFile, o, ctx);
  const leaf = chain[0]!;
  assertKeyMatches(key, leaf, keyFile, certFile);
  return { chain, leaf, key, encrypted };
}

/** --cert/--key (with --key-password-file/-env) or --p12 (with --password-file/-env). */
export async function readCredentials(opts: CredentialOptions, ctx: SecretContext): Promise<Credentials> {
  if (opts.bundle !== undefined) {
    if (opts.cert !== undefined || opts.key !== undefined || opts.p12 !== undefined) {
      throw inputError('BUNDLE_AND_PEM', '--bundle cannot be combined with --cert/--key/--p12', 'pass either --bundle FILE.zip|DIR or --cert FILE --key FILE');
    }
    const { readClientBundle } = await import('./bundle.js');
    const b = await readClientBundle(opts.bundle);
    const chain = parseCertificates(b.cert, b.names.cert);
    const ca = parseCertificates(b.ca, b.names.ca);
    // MKE writes key.pem unencrypted; an encrypted one is refused (the detector is the loader's one).
    if (isEncryptedPrivateKey(b.key)) {
      throw inputError('BUNDLE_KEY_ENCRYPTED', `${b.names.key} is encrypted`, 'MKE client bundles hold a plain key.pem: download the bundle again, or pass --cert/--key with --key-password-file');
    }
    const { key } = await parsePrivateKey(b.key, { source: b.names.key, passwordFlag: '--key-password-file' });
    assertKeyMatches(key, chain[0]!, b.names.key, b.names.cert);
    return { chain, leaf: chain[0]!, key, source: opts.bundle, ca };
  }
  if (opts.p12 !== undefined) {
    if (opts.cert !== undefined || opts.key !== undefined) {
      throw inputError('P12_AND_PEM', '--p12 cannot be combined with --cert/--key', 'pass either --p12 FILE or --cert FILE --key FILE');
    }
    // Loaded on demand: the PKCS#12 parser is large and most runs never need it.
    const { readP12Credentials } = await import('./p12-credentials.js');
    return readP12Credentials(opts, ctx);
  }
  if (opts.cert === undefined) throw inputError('MISSING_CERT', 'no certificate given', 'pass --cert FILE (and --key FILE)');
  if (opts.key === undefined) throw inputError('MISSING_KEY', 'no private key given', 'pass --key FILE');
  const { chain, leaf, key } = await readKeyPair(
    opts.cert,
    opts.key,
    {
      what: 'private key',
      hint: 'check the path given to --key',
      certHint: 'check the path given to --cert',
      secret: { file: opts.keyPasswordFile, env: opts.keyPasswordEnv },
      passwordFlag: '--key-password-file',
    },
    ctx,
  );
  return { chain, leaf, key, source: opts.cert };
}

/**
 * A certificate and its key that a server program loads unattended (a
 * registry, nginx, a token server): the key must be unencrypted and match.
 */
export async function readServiceKeyPair(
  certificate: string,
  key: string,
  role: { what: string; hint: string; flag: string; users: string },
  ctx: SecretContext,
): Promise<{ chain: Certificate[]; leaf: Certificate }> {
  const { chain, leaf } = await readKeyPair(
    certificate,
    key,
    {
      what: `${role.what} key`,
      hint: role.hint,
      certWhat: `${role.what} certificate`,
      certHint: role.hint,
      passwordFlag: '--key-password-file',
      refuseEncrypted: () =>
        inputError('SERVER_KEY_ENCRYPTED', `${key} is encrypted`, `${role.users} need an unencrypted key: issue the ${role.what} certificate without --key-password-file`),
    },
    ctx,
  );
  return { chain, leaf };
}
