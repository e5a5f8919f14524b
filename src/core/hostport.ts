/**
 * HOST[:PORT] as registries are named in certs.d folders and image
 * references: a host name, an IPv4 address or a bracketed IPv6 address,
 * with an optional port. Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { normalizeHostname } from './san.js';

export interface HostPort {
  /** The host as given (IPv6 without brackets). */
  host: string;
  port: number | undefined;
  /** HOST[:PORT] as written in certs.d and image references ([v6] bracketed). */
  display: string;
}

/** Parses HOST[:PORT]; undefined when it is not one. */
export function parseHostPort(input: string): HostPort | undefined {
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(input);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
    if (!isIPv6(host)) return undefined;
  } else {
    const m = /^([^:]+)(?::(\d+))?$/.exec(input);
    if (!m) return undefined;
    host = m[1]!;
    portText = m[2];
    if (!isIPv4(host) && normalizeHostname(host) !== host.toLowerCase()) return undefined;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535 || portText.startsWith('0')) return undefined;
  }
  const h = isIPv6(host) ? `[${host}]` : host;
  return { host, port, display: port === undefined ? h : `${h}:${port}` };
}
