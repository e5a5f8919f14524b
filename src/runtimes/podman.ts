/**
 * containers/image: Podman, Buildah, Skopeo, CRI-O.
 *
 * For HOST[:PORT] it uses only the FIRST existing folder in its lookup
 * order (no merging); a folder it cannot stat for lack of permission is
 * skipped silently. The order depends on the release:
 *
 * Podman 5 and earlier (docker/docker_client.go dockerCertDir):
 *   $HOME/.config/containers/certs.d/H, /etc/containers/certs.d/H,
 *   /etc/docker/certs.d/H — $HOME, not $XDG_CONFIG_HOME; the per-user
 *   folder first even for root.
 * Podman 6 (container-libs PR 746: configfile.GetSearchPaths drop-in
 *   directories, then Docker's as a fallback): $XDG_CONFIG_HOME (default
 *   ~/.config)/containers/certs.d, then /etc/containers/certs.rootful.d
 *   (root) or /etc/containers/certs.rootless.d/<UID> and
 *   /etc/containers/certs.rootless.d (others), /etc/containers/certs.d,
 *   the same under /usr/share/containers, and /etc/docker/certs.d last.
 *   Not packaged anywhere yet (Debian sid has 5.8): unit-tested only.
 */
import path from 'node:path';
import { CERTS_DIRS, CONTAINERS_USER_CERTS_DIR } from '../core/defaults.js';
import type { RegistryHost } from '../core/registry-host.js';
import { certsDirPlan } from './certs-d.js';
import type { ClientMaterial, HostDirSnapshot, PlanOptions, Problem, RootKind, Runtime, RuntimeEnv, RuntimeFacts, RuntimePlan } from './types.js';
import type { Version } from './versions.js';

export interface LookupRoot {
  kind: RootKind;
  path: string;
}

/** Podman 5's per-user root: $HOME/.config/containers/certs.d. */
export function podmanUserRoot(env: RuntimeEnv): string {
  return path.join(env.home, CONTAINERS_USER_CERTS_DIR);
}

/** Whether the Podman 6 order applies (unknown: Podman 5, the release packaged today). */
function usesPodman6Order(version: Version | undefined): boolean {
  return version !== undefined && version.major >= 6;
}

/** The roots containers/image looks HOST[:PORT] up under, first wins, for this user and release. */
export function podmanLookup(env: RuntimeEnv, version?: Version): LookupRoot[] {
  if (!usesPodman6Order(version)) {
    return [
      { kind: 'podman-user', path: podmanUserRoot(env) },
      { kind: 'podman', path: CERTS_DIRS.podman },
      { kind: 'docker', path: CERTS_DIRS.docker },
    ];
  }
  const user = path.join(env.xdgConfigHome ?? path.join(env.home, '.config'), 'containers', 'certs.d');
  const dropIns = (base: string): string[] =>
    env.uid === undefined || env.uid === 0 ? [`${base}/certs.rootful.d`, `${base}/certs.d`] : [`${base}/certs.rootless.d/${env.uid}`, `${base}/certs.rootless.d`, `${base}/certs.d`];
  return [
    { kind: 'podman-user', path: user },
    ...dropIns('/etc/containers').map((p) => ({ kind: (p === CERTS_DIRS.podman ? 'podman' : 'podman-system') as RootKind, path: p })),
    ...dropIns('/usr/share/containers').map((p) => ({ kind: 'podman-system' as RootKind, path: p })),
    { kind: 'docker', path: CERTS_DIRS.docker },
  ];
}

function roots(env: RuntimeEnv): string[] {
  return podmanLookup(env).map((r) => r.path);
}

function sameFiles(a: HostDirSnapshot, b: HostDirSnapshot): boolean {
  if (a.files.length !== b.files.length) return false;
  return a.files.every((f) => {
    const g = b.files.find((x) => x.name === f.name);
    return g !== undefined && Buffer.from(g.data).equals(Buffer.from(f.data));
  });
}

/**
 * A folder that hides a different one from containers/image: the first
 * existing one in the lookup order wins, the others are never read.
 */
export function findShadowing(dirs: readonly HostDirSnapshot[], lookup: readonly LookupRoot[]): Problem[] {
  const problems: Problem[] = [];
  // A folder's place in the order: its root's, or (a copied tree given as KIND=ROOT) its kind's first root.
  const rank = (d: HostDirSnapshot): number => {
    const byPath = lookup.findIndex((r) => path.resolve(r.path) === path.resolve(d.root));
    // Podman 6's drop-in folders are known by their paths only.
    return byPath >= 0 || d.kind === 'podman-system' ? byPath : lookup.findIndex((r) => r.kind === d.kind);
  };
  const inLookup = dirs.filter((d) => rank(d) >= 0);
  const names = [...new Set(inLookup.map((d) => d.name))];
  for (const name of names) {
    const chain = inLookup.filter((d) => d.name === name).sort((a, b) => rank(a) - rank(b));
    const [first, ...hidden] = chain;
    if (!first || first.kind === 'docker') continue;
    const differ = hidden.filter((d) => !sameFiles(first, d));
    if (differ.length === 0) continue;
    problems.push({
      code: 'shadowed',
      path: first.path,
      message: `${first.path} hides ${differ.map((d) => d.path).join(' and ')} from Podman/skopeo/Buildah: containers/image uses only the first existing folder, and their files differ`,
      fix: `keep one: remove ${first.path}, or install the same files there (regcert install-host ${name} --runtime podman${first.kind === 'podman-user' ? ' --rootless' : ''} … --force)`,
    });
  }
  return problems;
}

export const podman: Runtime = {
  name: 'podman',
  title: 'Podman, Buildah, Skopeo, CRI-O (containers/image: ~/.config/containers/certs.d, /etc/containers/certs.d, /etc/docker/certs.d; first found wins)',
  roots,
  plan: (host: RegistryHost, m: ClientMaterial, o: PlanOptions): Promise<RuntimePlan> =>
    certsDirPlan('podman', o.root ?? (o.env.rootless ? podmanUserRoot(o.env) : CERTS_DIRS.podman), host, m, 'linux', [`podman pull ${host.name}/IMAGE`]),
  check(facts: RuntimeFacts): Problem[] {
    return findShadowing(facts.dirs, podmanLookup(facts.env, facts.versions?.podman));
  },
};
