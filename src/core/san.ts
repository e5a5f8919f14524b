/**
 * Subject alternative names as the contract types them: by shape (IP,
 * email with "@", URI with "://", else DNS) or by an explicit prefix
 * (dns:, ip:, email:, uri:). Host names are validated and IDNs converted to
 * their punycode A-label form; "*." is allowed only as the whole leftmost label.
 */
import { isIP } from './ip.js';
import { domainToASCII } from 'node:url';
import { URI_SAN_SCHEMES } from './defaults.js';
import { inputError } from './errors.js';
import { hasUnsafeCharacters } from './text.js';

export type SanType = 'dns' | 'ip' | 'email' | 'uri';
export interface San {
  type: SanType;
  value: string;
}

const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The A-label form of a host name, or undefined when it is not a valid host name. */
export function normalizeHostname(input: string, opts: { allowWildcard?: boolean } = {}): string | undefined {
  let name = input.trim();
  if (name === '' || name !== input || /[\s/\\]/.test(name)) return undefined;
  if (name.endsWith('.')) name = name.slice(0, -1);
  let wildcard = false;
  if (name.startsWith('*.')) {
    if (!opts.allowWildcard) return undefined;
    wildcard = true;
    name = name.slice(2);
  }
  const ascii = /^[\x00-\x7f]*$/.test(name) ? name.toLowerCase() : domainToASCII(name);
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((l) => LABEL_RE.test(l))) return undefined;
  // An all-numeric last label would be read as an IPv4 address by resolvers.
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return undefined;
  // "*.com" would match a whole TLD: require at least two labels under a wildcard.
  if (wildcard && labels.length < 2) return undefined;
  return wildcard ? `*.${ascii}` : ascii;
}

export function isValidHostname(name: string): boolean {
  return normalizeHostname(name) !== undefined;
}

/** Where a SAN came from, for messages: "--san" or the file it was read from. */
export type SanSource = string;

function badSan(value: string, why: string, source: SanSource = '--san'): never {
  if (source === '--san') {
    throw inputError('BAD_SAN', `invalid --san "${value}": ${why}`, 'use a host name, an IP address, an e-mail address or a URI (prefix dns:, ip:, email: or uri: to force the type)');
  }
  throw inputError('BAD_SAN', `invalid subject alternative name "${value}" in ${source}: ${why}`, 'nothing was written: ask for a new CSR without it (the names in a CSR follow the same rules as --san)');
}

/**
 * The one policy for a SAN, whether typed with --san or read from a CSR:
 * no control characters anywhere, host names valid (IDNs to A-labels,
 * "*." only as the whole left-most label with two labels after it), IPs
 * parsed, e-mail addresses with a valid domain, URIs only with a scheme of
 * URI_SAN_SCHEMES. Returns the normalized SAN.
 */
export function validateSan(san: San, source: SanSource = '--san', shown: string = san.value): San {
  const body = san.value;
  if (hasUnsafeCharacters(body)) badSan(shown, 'control characters are not allowed', source);
  switch (san.type) {
    case 'ip': {
      const ip = body.replace(/^\[(.*)\]$/, '$1');
      if (!isIP(ip)) badSan(shown, 'not an IPv4 or IPv6 address', source);
      return { type: 'ip', value: ip };
    }
    case 'email': {
      const at = body.lastIndexOf('@');
      const local = body.slice(0, at);
      const domain = normalizeHostname(body.slice(at + 1));
      if (at <= 0 || /[\s<>]/.test(local) || !domain) badSan(shown, 'not an e-mail address', source);
      return { type: 'email', value: `${local}@${domain}` };
    }
    case 'uri': {
      let url: URL;
      try {
        url = new URL(body);
      } catch {
        badSan(shown, 'not a URI', source);
      }
      if (/\s/.test(body)) badSan(shown, 'a URI cannot contain white space', source);
      const scheme = url.protocol.replace(/:$/, '');
      if (!(URI_SAN_SCHEMES as readonly string[]).includes(scheme)) {
        badSan(shown, `the URI scheme "${scheme}:" is not allowed (allowed: ${URI_SAN_SCHEMES.map((x) => `${x}:`).join(', ')})`, source);
      }
      return { type: 'uri', value: url.href === `${body}/` ? body : url.href };
    }
    case 'dns': {
      const host = normalizeHostname(body, { allowWildcard: true });
      if (!host) {
        badSan(shown, /\s/.test(body) ? 'host names cannot contain spaces' : 'not a valid host name ("*." only as the whole left-most label, with two labels after it)', source);
      }
      return { type: 'dns', value: host };
    }
  }
}

export function parseSan(raw: string): San {
  const value = raw.trim();
  if (value === '') badSan(raw, 'empty value');
  const m = /^(dns|ip|email|uri):(.*)$/is.exec(value);
  const explicit = m ? (m[1]!.toLowerCase() as SanType) : undefined;
  const body = m ? m[2]! : value;
  const type: SanType =
    explicit ??
    (isIP(body.replace(/^\[(.*)\]$/, '$1')) ? 'ip' : body.includes('://') ? 'uri' : body.includes('@') ? 'email' : 'dns');
  return validateSan({ type, value: body }, '--san', raw);
}

/**
 * Rules that depend on what the certificate is for: a client certificate
 * names one identity, so no wildcard SANs (a wildcard is a server-name pattern).
 */
export function assertSansFor(sans: readonly San[], purpose: { client: boolean }, source: SanSource = '--san'): void {
  if (!purpose.client) return;
  const wild = sans.find((s) => s.type === 'dns' && s.value.startsWith('*.'));
  if (wild) {
    throw inputError(
      'WILDCARD_CLIENT',
      `a client certificate cannot carry the wildcard SAN "${wild.value}" (${source === '--san' ? 'from the SANs given' : `from ${source}`})`,
      'a client certificate names one identity: give its exact name, or issue the wildcard for --server only',
    );
  }
}

/** Parses repeated and comma-separated --san values, dropping duplicates. */
export function parseSanList(values: readonly string[]): San[] {
  const out: San[] = [];
  for (const v of values) {
    for (const part of v.split(',')) {
      if (part.trim() === '' && v.includes(',')) continue;
      const san = parseSan(part);
      if (!out.some((s) => s.type === san.type && s.value === san.value)) out.push(san);
    }
  }
  return out;
}

/** "DNS:example.com", "IP Address:127.0.0.1"… as openssl prints them. */
export function formatSan(san: San): string {
  const label = { dns: 'DNS', ip: 'IP', email: 'email', uri: 'URI' }[san.type];
  return `${label}:${san.value}`;
}
