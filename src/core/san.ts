/**
 * Subject alternative names as the contract types them: by shape (IP,
 * email with "@", URI with "://", else DNS) or by an explicit prefix
 * (dns:, ip:, email:, uri:). Host names are validated and IDNs converted to
 * their punycode A-label form; "*." is allowed only as the whole leftmost label.
 */
import { isIP } from './ip.js';
import { domainToASCII } from 'node:url';
import { inputError } from './errors.js';

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

function badSan(value: string, why: string): never {
  throw inputError('BAD_SAN', `invalid --san "${value}": ${why}`, 'use a host name, an IP address, an e-mail address or a URI (prefix dns:, ip:, email: or uri: to force the type)');
}

export function parseSan(raw: string): San {
  const value = raw.trim();
  if (value === '') badSan(raw, 'empty value');
  const m = /^(dns|ip|email|uri):(.*)$/i.exec(value);
  const explicit = m ? (m[1]!.toLowerCase() as SanType) : undefined;
  const body = m ? m[2]! : value;
  const type: SanType =
    explicit ??
    (isIP(body.replace(/^\[(.*)\]$/, '$1')) ? 'ip' : body.includes('://') ? 'uri' : body.includes('@') ? 'email' : 'dns');
  switch (type) {
    case 'ip': {
      const ip = body.replace(/^\[(.*)\]$/, '$1');
      if (!isIP(ip)) badSan(raw, 'not an IPv4 or IPv6 address');
      return { type, value: ip };
    }
    case 'email': {
      const at = body.lastIndexOf('@');
      const local = body.slice(0, at);
      const domain = normalizeHostname(body.slice(at + 1));
      if (at <= 0 || /[\s<>]/.test(local) || !domain) badSan(raw, 'not an e-mail address');
      return { type, value: `${local}@${domain}` };
    }
    case 'uri': {
      let url: URL;
      try {
        url = new URL(body);
      } catch {
        badSan(raw, 'not a URI');
      }
      if (/\s/.test(body)) badSan(raw, 'a URI cannot contain white space');
      return { type, value: url.href === `${body}/` ? body : url.href };
    }
    case 'dns': {
      const host = normalizeHostname(body, { allowWildcard: true });
      if (!host) {
        badSan(raw, /\s/.test(body) ? 'host names cannot contain spaces' : 'not a valid host name ("*." only as the whole leftmost label)');
      }
      return { type, value: host };
    }
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
