/**
 * The rules for one leaf request, shared by `issue NAME` and every row of
 * `issue --batch`: the certificate name (it is a file name), the purpose,
 * the server SAN. The SAN and subject rules themselves live in san.ts and
 * names.ts; this file only calls them.
 */
import { reservedNameError } from './ca-dir.js';
import { inputError } from './errors.js';
import { isIP } from './ip.js';
import { isCertName } from './names.js';
import { assertSansFor, normalizeHostname, type San } from './san.js';

/** A certificate NAME (issue NAME, a --batch row, --cert NAME of config token-auth, export --client): the file stem in the PKI directory, never one of the CA directory's own files (ca-dir.ts). */
export function validateCertName(name: string): string {
  if (!isCertName(name)) {
    throw inputError('BAD_NAME', `invalid certificate name ${JSON.stringify(name)}`, 'NAME is used as the file name: letters, digits, ".", "-", "_", "@" and "+" only (put wildcards in --san)');
  }
  const reserved = reservedNameError(name);
  if (reserved) throw reserved;
  return name;
}

/** What a leaf is for: serverAuth and/or clientAuth, or a token-signing certificate alone (no EKU). */
export function requirePurpose(server: boolean | undefined, client: boolean | undefined, tokenSigning?: boolean | undefined): void {
  if (tokenSigning && (server || client)) {
    throw inputError('TOKEN_SIGNING_PURPOSE', '--token-signing cannot be combined with --server or --client', 'issue the token-signing certificate on its own: it signs JWTs, it is not a TLS certificate');
  }
  if (!server && !client && !tokenSigning) {
    throw inputError('NO_PURPOSE', 'neither --server nor --client given (nor --token-signing)', 'pass --server for a registry, --client for a user or machine, or both (--token-signing for a token server)');
  }
}

/**
 * A server certificate is matched by its SANs only (Go ignores the CN since
 * 1.15): without a DNS or IP SAN, NAME becomes one when it is a host name or
 * an IP address. Returns the SAN list (a new array).
 */
function withServerSan(name: string, sans: San[], server: boolean | undefined): San[] {
  const out = [...sans];
  if (!server || out.some((s) => s.type === 'dns' || s.type === 'ip')) return out;
  const host = normalizeHostname(name);
  if (isIP(name)) out.unshift({ type: 'ip', value: name });
  else if (host) out.unshift({ type: 'dns', value: host });
  else {
    throw inputError('SERVER_NEEDS_SAN', `a server certificate needs a DNS or IP SAN and "${name}" is not a host name`, 'pass --san registry.example.com (or an IP address)');
  }
  return out;
}

/**
 * The SANs a leaf is issued with: a server certificate gets NAME as its SAN
 * when it has no DNS or IP SAN (withServerSan), and a client certificate
 * carries no wildcard (san.ts assertSansFor). Every leaf request passes here.
 */
export function leafSans(name: string, sans: San[], purpose: { server?: boolean | undefined; client?: boolean | undefined }, source?: string): San[] {
  const out = withServerSan(name, sans, purpose.server);
  assertSansFor(out, { client: purpose.client === true }, source);
  return out;
}
