/**
 * The one place a machine's runtime facts are read, for doctor and
 * install-host alike: whose runtime (home, XDG, platform, uid), the
 * certs.d folders (with the files their hosts.toml names), Docker's
 * insecure-registries, what the registries' names resolve to, and which
 * release of each daemon is installed. The rules that judge them are the
 * runtimes' own (src/runtimes/<runtime>.ts).
 */
import os from 'node:os';
import type { RegistryHost } from '../core/registry-host.js';
import { readCertsRoot, readHostDir, readInsecureRegistries, type RootSnapshot } from '../io/certs-d.js';
import { findTool, runTool } from '../io/tool.js';
import { resolveAddresses } from '../net/resolve.js';
import { hostsTomlFiles } from './hosts-toml.js';
import type { HostDirSnapshot, RootKind, RuntimeEnv, RuntimeFacts } from './types.js';
import { parseVersion, type RuntimeVersions, type VersionedRuntime } from './versions.js';

/** Whose runtime: this process's user, home and XDG_CONFIG_HOME, on this OS. */
export function machineEnv(rootless: boolean): RuntimeEnv {
  return { home: os.homedir(), xdgConfigHome: process.env.XDG_CONFIG_HOME, rootless, platform: process.platform, uid: process.getuid?.() };
}

/** One HOST[:PORT] folder as the runtimes read it (undefined: absent). */
export function readHostFolder(root: string, kind: RootKind, name: string): Promise<HostDirSnapshot | undefined> {
  return readHostDir(root, kind, name, hostsTomlFiles);
}

/** Every HOST[:PORT] folder under a certs.d root. */
export function readHostFolders(root: string, kind: RootKind): Promise<RootSnapshot> {
  return readCertsRoot(root, kind, hostsTomlFiles);
}

/** The daemon binary whose `--version` tells the release the rules are judged for. */
const VERSION_BINARY: Record<VersionedRuntime, string> = { docker: 'dockerd', containerd: 'containerd', podman: 'podman' };
const VERSION_TIMEOUT_MS = 5_000;

/** The installed releases of `wanted` (given ones win; a missing or silent binary leaves the runtime unknown). */
export async function installedVersions(wanted: readonly VersionedRuntime[], given: RuntimeVersions = {}): Promise<RuntimeVersions> {
  const out: RuntimeVersions = { ...given };
  // In parallel: each binary takes a few hundred milliseconds to answer.
  const found = await Promise.all(
    wanted
      .filter((rt) => !out[rt])
      .map(async (rt) => {
        const bin = await findTool(VERSION_BINARY[rt]);
        if (!bin) return undefined;
        try {
          const r = await runTool(bin, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS });
          const v = r.code === 0 ? parseVersion(r.stdout.split('\n')[0]!) : undefined;
          return v ? ([rt, v] as const) : undefined;
        } catch {
          return undefined; // unknown: the rules assume today's release
        }
      }),
  );
  for (const f of found) if (f) out[f[0]] = f[1];
  return out;
}

/** The facts the runtimes' check() judges, for these registries and folders. */
export async function machineFacts(o: {
  env: RuntimeEnv;
  hosts: RegistryHost[];
  dirs: HostDirSnapshot[];
  /** Docker's daemon.json (undefined: Docker is not judged). */
  daemonJson?: string | undefined;
  versions: RuntimeVersions;
}): Promise<{ facts: RuntimeFacts; warnings: string[] }> {
  const warnings: string[] = [];
  const insecure = o.daemonJson === undefined ? undefined : await readInsecureRegistries(o.daemonJson);
  if (insecure?.error) warnings.push(insecure.error);
  const facts: RuntimeFacts = {
    env: o.env,
    hosts: o.hosts,
    dirs: o.dirs,
    insecureRegistries: insecure && o.daemonJson !== undefined ? { file: o.daemonJson, entries: insecure.list, containerdStore: insecure.containerdStore } : undefined,
    addresses: await resolveAddresses([...new Set(o.hosts.map((h) => h.bareHost))]),
    versions: o.versions,
  };
  return { facts, warnings };
}
