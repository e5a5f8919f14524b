/**
 * The certs.d host-folder layout that moby (registry.ReadCertsDirectory),
 * containers/image (pkg/tlsclientconfig), containerd (with hosts.toml) and
 * the Docker CLI's content trust (~/.docker/tls/HOST) all read: every *.crt
 * is a CA root, each X.cert needs its X.key (a lone one makes the whole
 * folder fail), keys unencrypted (Go's tls.LoadX509KeyPair).
 */
import path from 'node:path';
import type { RegistryHost } from '../core/registry-host.js';
import type { PlannedFile } from '../io/files.js';
import type { ClientMaterial, Runtime, RuntimeEnv, RuntimeName, RuntimePlan } from './types.js';

/** The folder name a runtime looks up: HOST[:PORT]; Windows drops the ":" (moby registry cleanPath on Windows). */
export function hostFolderName(host: RegistryHost, platform: NodeJS.Platform): string {
  return platform === 'win32' ? host.name.replace(/:/g, '') : host.name;
}

/** client.cert (leaf + intermediates), client.key (0600) and ca.crt in dir. */
export function certsDirFiles(dir: string, m: ClientMaterial): PlannedFile[] {
  return [
    { path: path.join(dir, 'client.cert'), data: m.clientCert, mode: 0o644, kind: 'client-certificate' },
    { path: path.join(dir, 'client.key'), data: m.clientKey, mode: 0o600, kind: 'client-key' },
    { path: path.join(dir, 'ca.crt'), data: m.caPem, mode: 0o644, kind: 'ca-bundle' },
  ];
}

/** The plan of a runtime that reads ROOT/HOST[:PORT]/ and nothing else. */
export function certsDirPlan(runtime: RuntimeName, root: string, host: RegistryHost, m: ClientMaterial, platform: NodeJS.Platform, next: string[]): Promise<RuntimePlan> {
  const dir = path.join(root, hostFolderName(host, platform));
  return Promise.resolve({ runtime, dir, files: certsDirFiles(dir, m), next });
}

/**
 * The roots and plan of a runtime that reads one certs.d-style folder in the
 * user's home (Docker Desktop's ~/.docker/certs.d, content trust's
 * ~/.docker/tls), whatever --rootless says; `next` is what to do after.
 */
export function homeFolderRuntime(name: RuntimeName, folder: readonly string[], next: (host: RegistryHost) => string[]): Pick<Runtime, 'name' | 'roots' | 'plan'> {
  const roots = (env: RuntimeEnv) => [path.join(env.home, ...folder)];
  return { name, roots, plan: (host, m, o) => certsDirPlan(name, o.root ?? roots(o.env)[0]!, host, m, o.env.platform, next(host)) };
}

/**
 * The certs.d pair rule (moby ReadCertsDirectory, containers/image
 * tlsclientconfig): each X.cert needs X.key beside it and each X.key its
 * X.cert; one without the other makes the runtime refuse the whole folder.
 * Returns the partner name a file needs, or undefined when it is not part
 * of a pair (or has its partner).
 */
export function missingPartner(name: string, names: readonly string[] | ReadonlySet<string>): string | undefined {
  const has = (n: string) => ('has' in names ? names.has(n) : names.includes(n));
  if (name.endsWith('.cert')) {
    const key = `${name.slice(0, -'.cert'.length)}.key`;
    return has(key) ? undefined : key;
  }
  if (name.endsWith('.key')) {
    const cert = `${name.slice(0, -'.key'.length)}.cert`;
    return has(cert) ? undefined : cert;
  }
  return undefined;
}

/**
 * Files already in a host folder that change what the runtime does: a lone
 * X.cert or X.key makes moby and containers/image refuse the whole folder,
 * and every other *.crt is trusted as a CA root too.
 */
export function strayFileWarnings(dir: string, names: readonly string[]): string[] {
  const out: string[] = [];
  const has = new Set(names);
  for (const n of names) {
    if (n.endsWith('.cert') && n !== 'client.cert' && missingPartner(n, has)) out.push(`${path.join(dir, n)} has no matching .key: Docker and Podman refuse the whole folder`);
    if (n.endsWith('.key') && n !== 'client.key' && missingPartner(n, has)) out.push(`${path.join(dir, n)} has no matching .cert: Docker and Podman refuse the whole folder (never put a CA key here)`);
    if (n.endsWith('.crt') && n !== 'ca.crt') out.push(`${path.join(dir, n)} is also trusted as a CA root for this registry`);
  }
  return out;
}
