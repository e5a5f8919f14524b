/**
 * The rules for one leaf request, shared by `issue NAME` and every row of
 * `issue --batch`: the certificate name (it is a file name), the purpose,
 * the server SAN. The SAN and subject rules themselves live in san.ts and
 * names.ts; this file only calls them.
 */
import { isIP } from 'node:net';
import { inputError } from './errors.js';
import { normalizeHostname, type San } from './san.js';

/** NAME becomes a file name: keep it to a safe, portable set. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export function validateCertName(name: string): string {
  if (!NAME_RE.test(name) || name.includes('..')) {
    throw inputError('BAD_NAME', `invalid certificate name "${name}"`, 'NAME is used as the file name: letters, digits, ".", "-", "_", "@" and "+" only (put wildcards in --san)');
  }
  return name;
}

export function requirePurpose(server: boolean | undefined, client: boolean | undefined): void {
  if (!server && !client) {
    throw inputError('NO_PURPOSE', 'neither --server nor --client given', 'pass --server for a registry, --client for a user or machine, or both');
  }
}

/**
 * A server certificate is matched by its SANs only (Go ignores the CN since
 * 1.15): without a DNS or IP SAN, NAME becomes one when it is a host name or
 * an IP address. Returns the SAN list (a new array).
 */
export function withServerSan(name: string, sans: San[], server: boolean | undefined): San[] {
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
