/**
 * `regcert config token-auth`: a registry that logs users in through a token
 * server (docker_auth, seed 004) needs two matching blocks.
 *
 * - CNCF distribution's config.yml `auth.token`: realm (where clients get a
 *   token), service (the token's `aud`), issuer (its `iss`) and
 *   rootcertbundle: the certificates a token's signing key must chain to.
 *   distribution verifies the JWT's x5c chain against that pool with
 *   ExtKeyUsageAny (registry/auth/token/token.go), or looks a `kid` up
 *   among the bundle's keys, so the signing certificate itself is the bundle.
 * - docker_auth's auth_config.yml `token`: issuer (the same string),
 *   expiration (seconds), certificate and key (the signer, unencrypted).
 *
 * Both are emitted as YAML by a YAML library, never by string pasting.
 */
import path from 'node:path';
import { createYamlDocument, renderYaml } from '../../core/yaml.js';
import { certificateExtensions, isCa } from '../../core/certificates.js';
import { DEFAULT_PKI_DIR, DEFAULT_TOKEN_EXPIRATION_SECONDS, DEFAULT_TOKEN_SIGNING_NAME } from '../../core/defaults.js';
import { ekuNames } from '../../core/describe.js';
import { inputError } from '../../core/errors.js';
import { validateCertName } from '../../core/leaf-request.js';
import { x509 } from '../../core/x509.js';
import { readServiceKeyPair } from '../../io/credentials.js';
import type { CommandContext } from '../context.js';

/** What `config token-auth` reads of the config options: the token server's URL, the registry's service name, the token issuer, the signing certificate NAME, the token lifetime. */
export interface TokenAuthOptions {
  dir?: string | undefined;
  realm?: string | undefined;
  service?: string | undefined;
  issuer?: string | undefined;
  cert?: string | undefined;
  expiration?: number | undefined;
}

export interface TokenAuthConfig {
  service: string;
  content: string;
  warnings: string[];
  next: string[];
}

/** A bound on --service and --issuer: they travel in every token and every log line. */
const MAX_LABEL = 256;

function parseLabel(value: string | undefined, flag: string, example: string): string {
  if (value === undefined || value.trim() === '') throw inputError('MISSING_FLAG', `no ${flag} given`, `pass ${flag} ${example}`);
  if (value.length > MAX_LABEL) throw inputError('BAD_FLAG', `${flag} is longer than ${MAX_LABEL} characters`, `pass a shorter ${flag}`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw inputError('BAD_FLAG', `${flag} ${JSON.stringify(value)} holds a control character`, `pass ${flag} ${example}`);
  return value;
}

function parseRealm(value: string | undefined, warnings: string[]): string {
  const realm = parseLabel(value, '--realm', 'https://auth.example.com/auth');
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw inputError('BAD_REALM', `--realm ${JSON.stringify(realm)} is not a URL`, 'pass the token endpoint, e.g. https://auth.example.com/auth');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw inputError('BAD_REALM', `--realm ${JSON.stringify(realm)} is not an http(s) URL`, 'pass the token endpoint, e.g. https://auth.example.com/auth');
  }
  if (/\s/.test(realm) || url.username || url.password) {
    throw inputError('BAD_REALM', `--realm ${JSON.stringify(realm)} holds spaces or credentials`, 'pass the plain token endpoint URL: clients are sent there to log in');
  }
  if (url.protocol === 'http:') warnings.push(`--realm ${realm} is plain http: clients would send their passwords to the token server unencrypted`);
  return realm;
}

function parseExpiration(value: number | undefined): number {
  const v = value ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (!Number.isInteger(v) || v < 60 || v > 86_400) {
    throw inputError('BAD_EXPIRATION', `invalid --expiration "${v}"`, '--expiration takes the token lifetime in seconds, from 60 to 86400');
  }
  return v;
}

export async function buildTokenAuth(opts: TokenAuthOptions, ctx: CommandContext): Promise<TokenAuthConfig> {
  const warnings: string[] = [];
  const realm = parseRealm(opts.realm, warnings);
  const service = parseLabel(opts.service, '--service', 'registry.example.com');
  const issuer = parseLabel(opts.issuer, '--issuer', '"Acme auth server"');
  const expiration = parseExpiration(opts.expiration);
  const name = validateCertName(opts.cert ?? DEFAULT_TOKEN_SIGNING_NAME);
  const dir = path.resolve(opts.dir ?? DEFAULT_PKI_DIR);
  const certificate = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const hint = `run "regcert issue ${name} --token-signing --dir ${opts.dir ?? DEFAULT_PKI_DIR}" or pass --cert NAME`;
  const { leaf } = await readServiceKeyPair(certificate, key, { what: 'token-signing', hint, flag: '--cert', users: 'token servers' }, ctx);
  if (isCa(leaf)) {
    throw inputError('SIGNER_IS_CA', `${certificate} is a CA certificate; a token server must not sign tokens with a CA key`, hint);
  }
  const usage = certificateExtensions(leaf).keyUsage;
  if (usage !== undefined && (usage & x509.KeyUsageFlags.digitalSignature) === 0) {
    throw inputError('NOT_SIGNING_CERT', `${certificate} lacks the digitalSignature key usage: it cannot sign tokens`, hint);
  }
  const ekus = ekuNames(leaf);
  if (ekus.length > 0) {
    warnings.push(`${certificate} carries EKUs (${ekus.join(', ')}): distribution accepts it, but a dedicated "regcert issue NAME --token-signing" certificate cannot be misused as a TLS certificate`);
  }

  const registry = createYamlDocument({ auth: { token: { realm, service, issuer, rootcertbundle: certificate } } });
  registry.commentBefore = ' CNCF distribution (docker-registry) config.yml: the auth section';
  const dockerAuth = createYamlDocument({ token: { issuer, expiration, certificate, key } });
  dockerAuth.commentBefore = ' docker_auth auth_config.yml: the token section (same issuer; the key signs the tokens)';
  const content = `${renderYaml(registry)}---\n${renderYaml(dockerAuth)}`;
  const next = [
    'merge the first document into the registry config.yml (auth:) and restart the registry',
    `merge the second into docker_auth's auth_config.yml (token:) and restart docker_auth; it must serve ${realm}`,
    `keep ${key} on the token server only: whoever holds it can mint tokens for any repository`,
  ];
  return { service, content, warnings, next };
}
