/**
 * What a runtime would present to a registry from one host folder: the CA
 * roots it trusts and the client pair it offers (doctor --probe hands these
 * to the TLS client). Pure.
 *
 * Docker and containers/image: every *.crt is a root; the pairs X.cert +
 * X.key are loaded in directory order (sorted) and Go offers the first one
 * the server's request accepts — the probe offers the first pair. Docker's
 * classic image store offers nothing at all to a registry it deems insecure
 * (runtimes/docker.ts). containerd: hosts.toml's first endpoint (its
 * [host."…"] tables, then `server`) with its `ca` and first `client`; a
 * folder without hosts.toml is read like Docker's (core/remotes/docker/
 * config/hosts.go loadCertFiles).
 */
import path from 'node:path';
import { missingPartner } from './certs-d.js';
import { hostsTomlPath, parseHostsToml } from './hosts-toml.js';
import type { HostDirSnapshot } from './types.js';

export interface Presented {
  /** Absolute paths of the CA files the runtime trusts for this registry (empty: the system roots). */
  ca: string[];
  /** The client certificate and key it offers (key undefined: the certificate file holds both); undefined: none. */
  client?: { cert: string; key: string | undefined } | undefined;
  /** Where this comes from, for the report (e.g. "certs.d files", "hosts.toml [host.\"https://r\"]"). */
  source: string;
}

function certsDirStyle(d: HostDirSnapshot): Presented {
  const names = d.files.filter((f) => f.unreadable === undefined).map((f) => f.name).sort();
  const set = new Set(names);
  const pair = names.find((n) => n.endsWith('.cert') && missingPartner(n, set) === undefined);
  return {
    ca: names.filter((n) => n.endsWith('.crt')).map((n) => path.join(d.path, n)),
    client: pair ? { cert: path.join(d.path, pair), key: path.join(d.path, `${pair.slice(0, -'.cert'.length)}.key`) } : undefined,
    source: 'certs.d files',
  };
}

/** The files this folder makes its runtime present; `insecure`: Docker's classic store sends nothing. */
export function presentedFiles(d: HostDirSnapshot, o: { dockerSkips?: boolean } = {}): Presented {
  if (o.dockerSkips) return { ca: [], client: undefined, source: 'nothing (Docker deems the registry insecure)' };
  if (d.kind !== 'containerd') return certsDirStyle(d);
  const toml = d.files.find((f) => f.name === 'hosts.toml' && f.unreadable === undefined);
  if (!toml) return { ...certsDirStyle(d), source: 'certs.d files (no hosts.toml)' };
  const parsed = parseHostsToml(Buffer.from(toml.data).toString('utf8'));
  if ('error' in parsed) return { ca: [], client: undefined, source: `nothing (hosts.toml: ${parsed.error})` };
  const e = parsed.endpoints.find((x) => x.table) ?? parsed.endpoints[0]!;
  const abs = (p: string) => hostsTomlPath(d.path, p);
  const c = e.client[0];
  return {
    ca: e.ca.map(abs),
    client: c ? { cert: abs(c[0]), key: c[1] === undefined ? undefined : abs(c[1]) } : undefined,
    source: e.table ? `hosts.toml [host."${e.url}"]` : 'hosts.toml (server)',
  };
}
