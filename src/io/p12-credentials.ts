/** PKCS#12 input for --p12 (install-host, verify, to-p12, inspect): the key, its certificate and the chain, MAC checked. */
import { assertKeyMatches, parseCertificates } from '../core/certificates.js';
import { orderChain } from '../core/chain.js';
import { parsePkcs12, selectPkcs12Identity } from '../core/pkcs12.js';
import type { CredentialOptions, Credentials } from './credential-types.js';
import { readInputFile } from './files.js';
import { readSecret, type SecretContext } from './secrets.js';

export async function readP12Credentials(opts: CredentialOptions, ctx: SecretContext): Promise<Credentials> {
  const file = opts.p12!;
  const data = await readInputFile(file, 'PKCS#12 file', 'check the path given to --p12', 'pkcs12');
  const flag = opts.passwordFlag ?? '--password-file';
  const password = (await readSecret({ file: opts.passwordFile, env: opts.passwordEnv }, { flag, label: `password of ${file}`, required: true }, ctx)) ?? '';
  const identity = selectPkcs12Identity(parsePkcs12(data, password, { source: file, passwordFlag: flag }), { source: file });
  const [leaf, ...others] = identity.chain.map((der) => parseCertificates(der, file)[0]!);
  const chain = await orderChain(leaf!, others);
  assertKeyMatches(identity.key, leaf!, `in ${file}`, `in ${file}`);
  return { chain, leaf: leaf!, key: identity.key, source: file };
}
