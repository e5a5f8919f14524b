/**
 * Registry names as they appear in image references and certs.d folder
 * names: a host name, an IPv4 address or a bracketed IPv6 address, with an
 * optional port. The folder is the name exactly as written in image
 * references: "host" and "host:443" are different folders to Docker.
 */
import { isIPv4, isIPv6 } from './ip.js';
import { inputError } from './errors.js';
import { normalizeHostname } from './san.js';

export interface RegistryHost {
  /** Host part as used in a URL ("[::1]" stays bracketed). */
  host: string;
  port: number | undefined;
  /** The host without IPv6 brackets ("::1"), for address checks and SAN matching. */
  bareHost: string;
  /** HOST[:PORT]: the certs.d folder name and the image-reference prefix. */
  name: string;
}

function bad(input: string, why: string): never {
  throw inputError('BAD_HOST', `invalid registry host "${input}": ${why}`, 'pass HOST[:PORT] as in image references: registry.example.com, registry.example.com:5000, 10.0.0.5:5000 or [fd00::5]:5000');
}

export function parseRegistryHost(input: string): RegistryHost {
  if (input === '') bad(input, 'empty');
  if (/[\s/\\]/.test(input) || input.includes('..')) bad(input, 'no white space, path separators or ".." allowed');
  let hostPart: string;
  let portPart: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(input);
  if (v6) {
    if (!isIPv6(v6[1]!)) bad(input, `${v6[1]} is not an IPv6 address`);
    hostPart = `[${v6[1]!.toLowerCase()}]`;
    portPart = v6[2];
  } else {
    const parts = input.split(':');
    if (parts.length > 2) bad(input, 'an IPv6 address must be in brackets: [fd00::5]:5000');
    const h = parts[0]!;
    portPart = parts[1];
    if (isIPv4(h)) hostPart = h;
    else {
      const n = normalizeHostname(h);
      if (!n) bad(input, `"${h}" is not a host name`);
      hostPart = n;
    }
  }
  let port: number | undefined;
  if (portPart !== undefined) {
    // No leading zeros: "host:05000" would be a different certs.d folder from "host:5000".
    if (!/^[1-9]\d{0,4}$/.test(portPart) || Number(portPart) > 65535) bad(input, `port "${portPart}" is not 1-65535`);
    port = Number(portPart);
  }
  return { host: hostPart, bareHost: hostPart.replace(/^\[(.*)\]$/, '$1'), port, name: port === undefined ? hostPart : `${hostPart}:${port}` };
}

/** The same rules, for names found on disk (doctor): undefined instead of an error. */
export function tryParseRegistryHost(input: string): RegistryHost | undefined {
  try {
    return parseRegistryHost(input);
  } catch {
    return undefined;
  }
}

/**
 * A registry URL as given on the command line (verify, fetch-ca): https://
 * is assumed when there is no scheme, and any other scheme is refused (exit
 * 2): what regcert does there needs TLS. `why` says so in the hint.
 */
export function parseHttpsUrl(input: string, why: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`);
  } catch {
    throw inputError('BAD_URL', `invalid URL "${input}"`, 'pass the registry URL, e.g. https://registry.example.com');
  }
  if (url.protocol !== 'https:') throw inputError('BAD_URL', `${input} is not an https:// URL`, why);
  return url;
}
