/**
 * IP address syntax without node:net (src/core stays pure): the same
 * answers as net.isIPv4/isIPv6 for the inputs regcert sees (dotted decimal
 * without leading zeros; IPv6 as the WHATWG URL parser accepts it, no zone).
 */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s) || s.length > 45) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.startsWith('[');
  } catch {
    return false;
  }
}

/** 4, 6 or 0, as net.isIP. */
export function isIP(s: string): 0 | 4 | 6 {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0;
}
