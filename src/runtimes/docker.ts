/**
 * Docker Engine (moby) on Linux.
 *
 * Reads ROOT/HOST[:PORT]/ with ROOT /etc/docker/certs.d (rootful) or
 * $XDG_CONFIG_HOME/docker/certs.d, default ~/.config/docker/certs.d
 * (rootless: moby registry.CertsDir). On every pull, no restart needed.
 *
 * But only for a registry it deems secure: moby's TLS set-up reads certs.d
 * under `if isSecure && CertsDir != ""`, and isSecureIndex (registry/config.go)
 * calls a registry insecure when its HOST[:PORT] is an insecure-registries
 * entry, or when any address the host resolves to lies in an
 * insecure-registries CIDR or in a built-in entry that cannot be removed:
 * 127.0.0.0/8, and from Docker 28.0 also ::1/128 (moby commit 6a1d8a98,
 * "daemon: add IPv6 loopback as insecure registry", first in v28.0.0:
 * loadInsecureRegistries appends "::1/128", "127.0.0.0/8"). Docker then
 * presents no client certificate at all.
 *
 * That rule belongs to the classic image store (the graph drivers' pull
 * code, registry.newTLSConfig). With the containerd image store
 * (daemon.json "features": {"containerd-snapshotter": true}) moby resolves
 * through containerd's hosts code (daemon/hosts.go RegistryHosts): it reads
 * certs.d with *.cert/*.key for every registry and, for an insecure one,
 * only stops verifying the server, so the client certificate is still sent
 * (seen with dockerd 28.5.2 pulling from a registry on ::1).
 */
import { BlockList, isIP } from 'node:net';
import path from 'node:path';
import { CERTS_DIRS } from '../core/defaults.js';
import type { Problem } from './types.js';
import type { RegistryHost } from '../core/registry-host.js';
import { certsDirPlan } from './certs-d.js';
import type { ClientMaterial, PlanOptions, Runtime, RuntimeEnv, RuntimeFacts, RuntimePlan } from './types.js';
import type { Version } from './versions.js';

/**
 * moby: "Localhost is by default considered as an insecure registry"
 * (registry/config.go loadInsecureRegistries), per release. An unknown
 * release is judged as today's (28 and later).
 */
function dockerBuiltinInsecure(version: Version | undefined): string[] {
  return version !== undefined && version.major < 28 ? ['127.0.0.0/8'] : ['127.0.0.0/8', '::1/128'];
}

export function dockerRoots(env: RuntimeEnv): string[] {
  if (!env.rootless) return [CERTS_DIRS.docker];
  return [path.join(env.xdgConfigHome ?? path.join(env.home, '.config'), 'docker', 'certs.d')];
}

function cidrContains(cidr: string, address: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return false;
  const family = isIP(m[1]!);
  if (family === 0 || family !== isIP(address)) return false;
  const list = new BlockList();
  try {
    list.addSubnet(m[1]!, Number(m[2]), family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** An insecure-registries entry as moby loads it: "http://" or "https://" is stripped. */
function normalizeEntry(entry: string): string {
  return entry.replace(/^https?:\/\//i, '');
}

/**
 * Why Docker would present no client certificate to this registry (moby
 * isSecureIndex), or undefined when it reads the certs.d folder.
 * `addresses`: what the host name resolves to on the Docker host (an IP
 * literal stands for itself).
 */
export function dockerSkipsClientCert(host: RegistryHost, insecureRegistries: readonly string[], addresses: readonly string[], version?: Version): string | undefined {
  const builtin = dockerBuiltinInsecure(version);

  const entries = insecureRegistries.map(normalizeEntry);
  if (entries.includes(host.name)) return `${host.name} is listed under insecure-registries`;
  const addrs = isIP(host.bareHost) ? [host.bareHost] : addresses;
  for (const a of addrs) {
    const loop = builtin.find((c) => cidrContains(c, a));
    if (loop) {
      const docker = version ? `Docker ${version.text}` : loop === '::1/128' ? 'Docker (28.0 and later)' : 'Docker';
      return isIP(host.bareHost)
        ? `${host.bareHost} is in ${loop}, which ${docker} always treats as an insecure registry`
        : `${host.bareHost} resolves to ${a}, in ${loop}, which ${docker} always treats as an insecure registry`;
    }
    const cidr = entries.find((e) => cidrContains(e, a));
    if (cidr) return isIP(host.bareHost) ? `${host.bareHost} is in ${cidr}, listed under insecure-registries` : `${host.bareHost} resolves to ${a}, in ${cidr}, listed under insecure-registries`;
  }
  return undefined;
}

/** The problem for one folder (or one host about to be installed), from the one rule above. */
export function insecureRegistryProblem(host: RegistryHost, folder: string, facts: Pick<RuntimeFacts, 'insecureRegistries' | 'addresses' | 'versions'>): Problem | undefined {
  const file = facts.insecureRegistries?.file ?? 'daemon.json';
  if (facts.insecureRegistries?.containerdStore === true) return undefined;
  const why = dockerSkipsClientCert(host, facts.insecureRegistries?.entries ?? [], facts.addresses.get(host.bareHost) ?? [], facts.versions?.docker);
  if (!why) return undefined;
  const listed = why.includes('insecure-registries');
  return {
    code: 'insecure-registry',
    path: folder,
    message: listed
      ? `${host.name} is also listed under insecure-registries in ${file} (${why}): Docker reads no certs.d for it and sends no client certificate`
      : `${why}: Docker (classic image store) reads no certs.d for ${host.name} and sends no client certificate, so the registry refuses the handshake`,
    fix: listed
      ? `remove the entry from insecure-registries in ${file} and restart Docker`
      : `reach the registry by a host name that does not resolve to ${dockerBuiltinInsecure(facts.versions?.docker).join(' or ')} (e.g. an /etc/hosts entry for another address of this machine), turn on the containerd image store ("features": {"containerd-snapshotter": true} in ${file}), or use another runtime (Podman, containerd)`,
  };
}

export const docker: Runtime = {
  name: 'docker',
  title: 'Docker Engine (rootful /etc/docker/certs.d, rootless ~/.config/docker/certs.d)',
  roots: dockerRoots,
  plan: (host: RegistryHost, m: ClientMaterial, o: PlanOptions): Promise<RuntimePlan> =>
    certsDirPlan('docker', o.root ?? dockerRoots(o.env)[0]!, host, m, o.env.platform, [`docker pull ${host.name}/IMAGE   (Docker reads certs.d on every pull; no restart needed)`]),
  check(facts: RuntimeFacts): Problem[] {
    const out: Problem[] = [];
    for (const h of facts.hosts) {
      const folder = facts.dirs.find((d) => d.name === h.name)?.path ?? path.join(dockerRoots(facts.env)[0]!, h.name);
      const p = insecureRegistryProblem(h, folder, facts);
      if (p) out.push(p);
    }
    return out;
  },
};
