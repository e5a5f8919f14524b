/** PKCS#12 input for --p12 (install-host, verify). Implemented with the PKCS#12 reader (issue: to-p12). */
import { inputError } from '../core/errors.js';
import type { CredentialOptions, Credentials } from './credentials.js';
import type { SecretContext } from './secrets.js';

export async function readP12Credentials(opts: CredentialOptions, _ctx: SecretContext): Promise<Credentials> {
  throw inputError('P12_UNSUPPORTED', `reading ${opts.p12} needs the PKCS#12 reader, which is not built yet`, 'convert it with "openssl pkcs12 -nodes" and pass --cert/--key');
}
