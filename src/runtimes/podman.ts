/**
 * containers/image: Podman, Buildah, Skopeo, CRI-O.
 *
 * For HOST[:PORT] it uses only the FIRST existing folder among
 * $HOME/.config/containers/certs.d/H, /etc/containers/certs.d/H and
 * /etc/docker/certs.d/H (docker/docker_client.go dockerCertDir): no merging,
 * $HOME and not $XDG_CONFIG_HOME, the per-user folder first even for root.
 * A folder it cannot stat for lack of permission is skipped silently.
 */
import path from 'node:path';
import { CERTS_DIRS, CONTAINERS_USER_CERTS_DIR } from '../core/defaults.js';
import type { HostDirSnapshot, Problem, RootKind } from './host-folder.js';
import type { RegistryHost } from '../core/registry-host.js';
import { certsDirPlan } from './certs-d.js';
import type { ClientMaterial, PlanOptions, Runtime, RuntimeEnv, RuntimeFacts, RuntimePlan } from './types.js';

/** The lookup order, as root kinds (doctor reads each root under its kind). */
export const PODMAN_LOOKUP: readonly RootKind[] = ['podman-user', 'podman', 'docker'];

export function podmanUserRoot(env: RuntimeEnv): string {
  return path.join(env.home, CONTAINERS_USER_CERTS_DIR);
}

function roots(env: RuntimeEnv): string[] {
  return [podmanUserRoot(env), CERTS_DIRS.podman, CERTS_DIRS.docker];
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
export function findShadowing(dirs: readonly HostDirSnapshot[]): Problem[] {
  const problems: Problem[] = [];
  const names = [...new Set(dirs.filter((d) => PODMAN_LOOKUP.includes(d.kind)).map((d) => d.name))];
  for (const name of names) {
    const chain = PODMAN_LOOKUP.map((k) => dirs.find((d) => d.kind === k && d.name === name)).filter((d): d is HostDirSnapshot => d !== undefined);
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
    return findShadowing(facts.dirs);
  },
};
