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
 * A server certificate keeps its name. Go ignores the CN since 1.15 and
 * OpenSSL's host-name check reads only the SANs, so a server certificate
 * named after a host is matched by that name only when it is a SAN:
 * - NAME an IP address, or a host name with at least one dot: NAME is always
 *   one of the SANs, whatever --san adds (never twice);
 * - a single-label NAME ("registry", "localhost"): it becomes the DNS SAN
 *   only when no DNS or IP SAN is given (a short name is often just a file name);
 * - `nameSan: false` (--no-name-san) adds nothing.
 * The one home of this rule: issue, issue --batch rows, quickstart (through
 * issue) and renew call it. Returns the SAN list (a new array) and the SAN
 * added, if any. Never throws: leafSans refuses a server certificate left without a DNS or IP SAN.
 */
export function withNameSan(name: string, sans: readonly San[], opts: { nameSan?: boolean | undefined } = {}): { sans: San[]; added: San | undefined } {
  const out = [...sans];
  if (opts.nameSan === false) return { sans: out, added: undefined };
  const host = normalizeHostname(name);
  const own: San | undefined = isIP(name) ? { type: 'ip', value: name } : host ? { type: 'dns', value: host } : undefined;
  if (!own) return { sans: out, added: undefined };
  const always = own.type === 'ip' || own.value.includes('.');
  const hasHostSan = out.some((s) => s.type === 'dns' || s.type === 'ip');
  if ((!always && hasHostSan) || out.some((s) => s.type === own.type && s.value === own.value)) return { sans: out, added: undefined };
  out.unshift(own);
  return { sans: out, added: own };
}

function withServerSan(name: string, sans: San[], server: boolean | undefined, nameSan: boolean | undefined): San[] {
  if (!server) return [...sans];
  const out = withNameSan(name, sans, { nameSan }).sans;
  if (!out.some((s) => s.type === 'dns' || s.type === 'ip')) {
    if (nameSan === false) {
      throw inputError('SERVER_NEEDS_SAN', 'a server certificate needs a DNS or IP SAN, and --no-name-san leaves it none', 'pass --san registry.example.com (or an IP address), or drop --no-name-san');
    }
    throw inputError('SERVER_NEEDS_SAN', `a server certificate needs a DNS or IP SAN and "${name}" is not a host name`, 'pass --san registry.example.com (or an IP address)');
  }
  return out;
}

/**
 * The SANs a leaf is issued with: a server certificate keeps its name
 * (withNameSan) and has at least one DNS or IP SAN, and a client certificate
 * carries no wildcard (san.ts assertSansFor). Every leaf request passes here.
 */
export function leafSans(
  name: string,
  sans: San[],
  purpose: { server?: boolean | undefined; client?: boolean | undefined; nameSan?: boolean | undefined },
  source?: string,
): San[] {
  const out = withServerSan(name, sans, purpose.server, purpose.nameSan);
  assertSansFor(out, { client: purpose.client === true }, source);
  return out;
}
