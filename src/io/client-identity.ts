/**
 * The client identity install-host, export and config client lay out or
 * check: --client NAME in a PKI directory, the certificate/key/bundle files,
 * and the registry CA file they are judged against (core/chain.ts).
 */
import path from 'node:path';
import { describeEkus, leafAndIntermediates, permitsUsage, reachesNoAnchor, verifyChain } from '../core/chain.js';
import { certificateToPem, type Certificate } from '../core/certificates.js';
import { DEFAULT_PKI_DIR } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import { exportPrivateKeyPem } from '../core/keys.js';
import { validateCertName } from '../core/leaf-request.js';
import { readCertificateFile, readCredentials, type CredentialOptions } from './credentials.js';
import type { SecretContext } from './secrets.js';

/**
 * --client NAME [--dir PKI]: the certificate and key `regcert issue NAME --client` wrote in the PKI
 * directory, and its ca.crt as the registry CA unless --ca names another (one PKI issuing both is usual).
 */
export function withPkiClient<T extends CredentialOptions & { client?: string | undefined; dir?: string | undefined; ca?: string | undefined }>(opts: T): T {
  if (opts.client === undefined) return opts;
  if (opts.cert !== undefined || opts.key !== undefined || opts.p12 !== undefined || opts.bundle !== undefined) {
    throw inputError('CLIENT_AND_FILES', '--client cannot be combined with --cert/--key/--p12/--bundle', 'pass either --client NAME (with --dir PKI) or the files');
  }
  const name = validateCertName(opts.client);
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  return { ...opts, cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`), ca: opts.ca ?? path.join(dir, 'ca.crt') };
}

/** The client identity install-host and export lay out: key matches, usable for clientAuth (core/chain.ts), leaf + intermediates as PEM, key unencrypted. */
export async function readClientIdentity(opts: CredentialOptions, ctx: SecretContext) {
  const creds = await readCredentials(opts, ctx);
  if (!permitsUsage(creds.leaf, 'clientAuth')) {
    throw inputError('NO_CLIENT_AUTH', `${creds.source} lacks the clientAuth EKU (it has: ${describeEkus(creds.leaf)}); registries refuse it`, 'issue a client certificate: regcert issue NAME --client');
  }
  const chain = leafAndIntermediates(creds.chain);
  return { creds, chain, clientCert: chain.map(certificateToPem).join(''), clientKey: exportPrivateKeyPem(creds.key) };
}

/**
 * The registry CA file (--ca) as PEM. The client chain is judged against it
 * (core/chain.ts, for clientAuth): one that reaches it but would be refused
 * (expired or non-CA intermediate, bad signature, a CA whose EKU omits
 * clientAuth, too long) is refused; one that does not reach it at all only
 * warns, since the registry may trust another client CA.
 */
export async function readRegistryCa(file: string, chain: Certificate[], certLabel: string, warnings: string[], now?: Date): Promise<string> {
  const certs = await readCertificateFile(file, 'CA certificate', 'check the path given to --ca', 'bundle');
  const verdict = await verifyChain(chain, certs, { now, usage: 'clientAuth' });
  if (!verdict.ok && !reachesNoAnchor(verdict)) {
    throw inputError('CHAIN_REFUSED', `${certLabel} would be refused by a registry that trusts ${file}: ${verdict.reason}`, 'issue a new client certificate: regcert issue NAME --client (and fix the CA chain it was issued from)');
  }
  // Usually one PKI issues both; a leaf from an intermediate without that intermediate is the common mistake.
  if (!verdict.ok) {
    warnings.push(
      `${certLabel} does not chain to ${file}${chain.length === 1 ? ' and carries no intermediate' : ''}: fine if the registry trusts another client CA, otherwise put the leaf and its intermediates in --cert (Go clients only send a certificate whose chain reaches a CA the server names)`,
    );
  }
  return certs.map(certificateToPem).join('');
}
