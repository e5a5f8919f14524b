/**
 * `regcert config zot --dir PKI --host HOST [--identity …] [--uri-pattern RE] [--client NAME]`:
 * the http block of zot's config.json that makes a client certificate the
 * login (tls, auth.mtls) and an accessControl example keyed on the identity
 * zot derives from the certificate (src/core/zot.ts holds zot's rules).
 */
import path from 'node:path';
import { DEFAULT_PKI_DIR } from '../../core/defaults.js';
import { validateCertName } from '../../core/leaf-request.js';
import type { RegistryHost } from '../../core/registry-host.js';
import { buildZotHttp, parseUriPattern, parseZotIdentity, zotIdentityOf, ZOT_IDENTITY_ATTRIBUTE, type ZotIdentity } from '../../core/zot.js';
import { readCertificateFile } from '../../io/credentials.js';

/** The user name in the example policy when no --client names a certificate. */
const PLACEHOLDER_USER = 'IDENTITY';

export interface ZotConfig {
  content: string;
  warnings: string[];
  next: string[];
  zot: { identity: ZotIdentity; identityAttribute: string; uriSanPattern?: string | undefined; user: string; userFrom: string | null };
}

/** What `config zot` reads of config's options (declared here, so config.ts imports this module and not the reverse). */
export interface ZotOptions {
  dir?: string | undefined;
  client?: string | undefined;
  identity?: string | undefined;
  uriPattern?: string | undefined;
}

export async function buildZotConfig(
  opts: ZotOptions,
  hp: RegistryHost,
  server: { certificate: string; key: string; clientca: string; warnings: string[] },
): Promise<ZotConfig> {
  const identity = parseZotIdentity(opts.identity);
  const pattern = parseUriPattern(opts.uriPattern, identity);
  const dir = path.resolve(opts.dir ?? DEFAULT_PKI_DIR);
  const warnings = [...server.warnings];
  let user = PLACEHOLDER_USER;
  let userFrom: string | null = null;
  if (opts.client !== undefined) {
    const file = path.join(dir, `${validateCertName(opts.client)}.crt`);
    const leaf = (await readCertificateFile(file, 'client certificate', `run "regcert issue ${opts.client} --client --dir ${opts.dir ?? DEFAULT_PKI_DIR}" or pass --client NAME`))[0]!;
    user = zotIdentityOf(leaf, identity, pattern?.regex, file);
    userFrom = file;
  } else {
    warnings.push(`the accessControl example names the user "${PLACEHOLDER_USER}": pass --client NAME to key it on that certificate's ${ZOT_IDENTITY_ATTRIBUTE[identity]}, or edit it`);
  }
  const doc = buildZotHttp({ cert: server.certificate, key: server.key, cacert: server.clientca, identity, uriPattern: pattern?.source, user });
  const next = [
    `merge "http" into zot's config.json (keep its address, port and storage), check it with "zot verify config.json", restart zot`,
    'clients without a certificate are anonymous in zot (it asks for one but does not require it): anonymousPolicy [] gives them nothing',
  ];
  if (identity === 'uri') next.push('give a client a SPIFFE identity with: regcert issue NAME --client --san spiffe://example.org/ci/NAME');
  return {
    content: `${JSON.stringify(doc, null, 2)}\n`,
    warnings,
    next,
    zot: { identity, identityAttribute: ZOT_IDENTITY_ATTRIBUTE[identity], ...(pattern ? { uriSanPattern: pattern.source } : {}), user, userFrom },
  };
}
