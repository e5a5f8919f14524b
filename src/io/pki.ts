/** Reading a CA directory (DIR/ca.crt, DIR/ca.key, DIR/ca-chain.crt). */
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { isSelfSigned, keyMatchesCertificate, sameCertificate, type Certificate } from '../core/certificates.js';
import { inputError } from '../core/errors.js';
import { readCertificateFile, readPrivateKeyFile } from './credentials.js';
import type { SecretContext, SecretSource } from './secrets.js';
import { completeInterruptedWrites, pathExists } from './files.js';

export interface LoadedCa {
  dir: string;
  cert: Certificate;
  key: KeyObject;
  /** This CA and its parents up to the root, as in DIR/ca-chain.crt (just [cert] for a root). */
  chain: Certificate[];
  /** The chain without self-signed roots: what a leaf file carries after the leaf. */
  intermediates: Certificate[];
}

export async function readCaCertificate(dir: string): Promise<Certificate> {
  const certs = await readCertificateFile(path.join(dir, 'ca.crt'), 'CA certificate', `run "regcert init-ca --dir ${dir}" or pass --dir`);
  return certs[0]!;
}

/**
 * DIR/ca.crt and its parents: DIR/ca-chain.crt when there is one (an
 * intermediate CA), which must start with ca.crt; just [ca.crt] for a root.
 * A chain file that cannot be read is an error, never "no chain".
 */
export async function readCaChain(dir: string): Promise<Pick<LoadedCa, 'cert' | 'chain' | 'intermediates'>> {
  const cert = await readCaCertificate(dir);
  let chain = [cert];
  const chainPath = path.join(dir, 'ca-chain.crt');
  if (await pathExists(chainPath, 'CA chain')) {
    chain = await readCertificateFile(chainPath, 'CA chain', undefined, 'bundle');
    if (!sameCertificate(chain[0]!, cert)) {
      throw inputError('CHAIN_MISMATCH', `${chainPath} does not start with ${path.join(dir, 'ca.crt')}`, 'recreate the intermediate with "regcert init-ca --intermediate"');
    }
  }
  return { cert, chain, intermediates: chain.filter((c) => !isSelfSigned(c)) };
}

/**
 * Loads a CA and its key. `passwordFlag` names the flag that supplies the
 * key's passphrase in messages (e.g. --ca-password-file).
 */
export async function readCa(
  dir: string,
  secret: SecretSource,
  ctx: SecretContext,
  passwordFlag = '--ca-password-file',
): Promise<LoadedCa> {
  await completeInterruptedWrites(dir); // a killed `init-ca --force` never leaves a half-replaced pair to read
  const { cert, chain, intermediates } = await readCaChain(dir);
  const keyPath = path.join(dir, 'ca.key');
  // The one loader: an encrypted CA key, PEM or DER, gets its passphrase (a plain one ignores it).
  const { key } = await readPrivateKeyFile(keyPath, { what: 'CA key', hint: `run "regcert init-ca --dir ${dir}" or pass --dir`, secret, passwordFlag }, ctx);
  if (!keyMatchesCertificate(key, cert)) {
    throw inputError('CA_KEY_MISMATCH', `${keyPath} does not belong to ${path.join(dir, 'ca.crt')}`, 'restore the matching key, or create a new CA');
  }
  return { dir, cert, key, chain, intermediates };
}
