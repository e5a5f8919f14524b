/**
 * containerd's hosts.toml, read as containerd reads it (smol-toml, the same
 * TOML grammar; core/remotes/docker/config/hosts.go parseHostConfig): the
 * top-level keys describe `server`, each [host."URL"] table one more
 * endpoint, tried first in file order. `ca` is a string or an array of
 * strings; `client` is a string (a PEM holding certificate and key), an
 * array of such strings, or an array of [certificate, key] pairs. Relative
 * paths resolve against the folder that holds hosts.toml.
 */
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';

export interface HostsTomlEndpoint {
  /** The URL of a [host."URL"] table, or `server` (undefined: no server key) for the top level. */
  url: string | undefined;
  /** Whether this is a [host."URL"] table (true) or the top-level `server` entry. */
  table: boolean;
  ca: string[];
  /** [certificate, key]; key undefined when the certificate file holds both. */
  client: Array<[string, string | undefined]>;
}

export type HostsToml = { endpoints: HostsTomlEndpoint[] } | { error: string };

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function clientPairs(v: unknown): Array<[string, string | undefined]> | undefined {
  if (typeof v === 'string') return [[v, undefined]];
  if (!Array.isArray(v)) return undefined;
  const out: Array<[string, string | undefined]> = [];
  for (const p of v) {
    if (typeof p === 'string') out.push([p, undefined]);
    else if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'string')) out.push([p[0] as string, p[1] as string]);
    else return undefined;
  }
  return out;
}

function endpoint(url: string | undefined, table: boolean, t: Record<string, unknown>): HostsTomlEndpoint | string {
  const ca = t.ca === undefined ? [] : strings(t.ca);
  if (!ca) return `invalid type for "ca"${url ? ` in [host."${url}"]` : ''} (a string or an array of strings)`;
  const client = t.client === undefined ? [] : clientPairs(t.client);
  if (!client) return `invalid "client"${url ? ` in [host."${url}"]` : ''} (a string, or an array of strings or of [certificate, key] pairs)`;
  return { url, table, ca, client };
}

/** Every endpoint of a hosts.toml: its [host."URL"] tables in file order, then the top-level server. */
export function parseHostsToml(text: string): HostsToml {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    return { error: `not valid TOML${e instanceof TomlError ? ` (line ${e.line})` : ''}: ${(e as Error).message.split('\n')[0]}` };
  }
  const endpoints: HostsTomlEndpoint[] = [];
  const hosts = doc.host;
  if (hosts !== undefined) {
    if (hosts === null || typeof hosts !== 'object' || Array.isArray(hosts)) return { error: '"host" is not a table of [host."URL"] tables' };
    for (const [url, t] of Object.entries(hosts as Record<string, unknown>)) {
      if (t === null || typeof t !== 'object' || Array.isArray(t)) return { error: `host."${url}" is not a table` };
      const e = endpoint(url, true, t as Record<string, unknown>);
      if (typeof e === 'string') return { error: e };
      endpoints.push(e);
    }
  }
  const top = endpoint(typeof doc.server === 'string' ? doc.server : undefined, false, doc);
  if (typeof top === 'string') return { error: top };
  endpoints.push(top);
  return { endpoints };
}

/** The file names parsed endpoints refer to in ca = … and client = …. */
export function endpointFiles(endpoints: readonly HostsTomlEndpoint[]): string[] {
  const out: string[] = [];
  for (const e of endpoints) {
    out.push(...e.ca);
    for (const [c, k] of e.client) out.push(...(k === undefined ? [c] : [c, k]));
  }
  return out;
}

/** The file names a hosts.toml refers to in ca = … and client = … (empty when it cannot be parsed). */
export function hostsTomlFiles(text: string): string[] {
  const h = parseHostsToml(text);
  return 'error' in h ? [] : endpointFiles(h.endpoints);
}

/** A path named in hosts.toml: absolute, or relative to the folder that holds it. */
export function hostsTomlPath(dir: string, ref: string): string {
  return path.resolve(dir, ref);
}
