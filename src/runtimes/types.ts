/**
 * The one shape every runtime file (src/runtimes/<runtime>.ts) exports, in
 * the spirit of mkcert's truststore_<os>.go: where the runtime reads a
 * registry's client certificate (rootful, rootless, platform), what a
 * host's files and config entries are, and what can be wrong (`check`).
 * install-host, doctor and `config containerd` only call these.
 */
import type { RegistryHost } from '../core/registry-host.js';
import type { PlannedFile } from '../io/files.js';
import { inputError } from '../core/errors.js';
import type { RuntimeVersions } from './versions.js';

/**
 * The certs.d roots doctor reads, by whose lookup they belong to
 * (podman-system: Podman 6's certs.rootful.d, certs.rootless.d and /usr/share folders).
 */
export type RootKind = 'docker' | 'podman-user' | 'podman' | 'containerd' | 'podman-system';

export interface FileSnapshot {
  name: string;
  /** Permission bits (st_mode & 0o777). */
  mode: number;
  data: Uint8Array;
  /** Why it could not be read (permission denied, I/O error): present, but not examined. */
  unreadable?: string | undefined;
}

export interface HostDirSnapshot {
  root: string;
  kind: RootKind;
  /** The folder name: HOST[:PORT]. */
  name: string;
  path: string;
  files: FileSnapshot[];
  /** Absolute paths named by its hosts.toml that exist (the reader checks them). */
  existing: string[];
  /** Why the folder could not be listed: it exists, but nothing in it was examined. */
  unreadable?: string | undefined;
}

export type ProblemCode =
  | 'bad-host-name'
  | 'cert-without-key'
  | 'key-without-cert'
  | 'key-mismatch'
  | 'key-unreadable'
  | 'key-permissions'
  | 'no-client-auth'
  | 'expired'
  | 'expiring'
  | 'untrusted-chain'
  | 'bad-certificate'
  | 'insecure-registry'
  | 'hosts-toml-missing-file'
  | 'bad-hosts-toml'
  | 'shadowed'
  | 'stray-ca-key'
  | 'not-installed'
  | 'unreadable'
  | 'containerd-config'
  | 'containerd-config-path'
  | 'crl-stale'
  | 'crl-not-yet-valid'
  | 'probe-refused';

export interface Problem {
  code: ProblemCode;
  /** The file (or folder) the problem is about. */
  path: string;
  message: string;
  fix: string;
}

export const RUNTIME_NAMES = ['docker', 'docker-desktop', 'podman', 'containerd', 'buildkit', 'k3s', 'rke2', 'content-trust'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** A --runtime value, checked against the runtime list (or the part of it a command handles): the one check, here so the CLI can run it at parse time without loading the runtimes. */
export function parseRuntimeName(name: string, allowed: readonly RuntimeName[] = RUNTIME_NAMES): RuntimeName {
  if ((allowed as readonly string[]).includes(name)) return name as RuntimeName;
  throw inputError('BAD_RUNTIME', `unknown runtime "${name}"`, `use one of: ${allowed.join(', ')}`);
}

/** Whose runtime, on which OS. */
export interface RuntimeEnv {
  home: string;
  /** $XDG_CONFIG_HOME when set (rootless Docker reads it; containers/image uses $HOME only). */
  xdgConfigHome?: string | undefined;
  /** --rootless: the per-user daemon (rootless Docker, rootless Podman, nerdctl, rootless BuildKit/k3s). */
  rootless: boolean;
  platform: NodeJS.Platform;
  /** The user's id (Podman 6 reads /etc/containers/certs.rootless.d/<UID>); undefined off POSIX. */
  uid?: number | undefined;
}

/** What install-host lays out: PEM text, the key always unencrypted (Go's tls.LoadX509KeyPair). */
export interface ClientMaterial {
  clientCert: string;
  clientKey: string;
  caPem: string;
}

export interface PlanOptions {
  env: RuntimeEnv;
  /** --certs-dir: the root the host folder goes under (replaces the default). */
  root?: string | undefined;
}

/** An entry for a daemon's main config file (buildkitd.toml, registries.yaml, containerd config.toml). */
export interface ConfigEntry {
  /** The file the daemon reads by default (for this env). */
  file: string;
  language: 'toml' | 'yaml';
  /**
   * The mode of the file when regcert creates it (an existing file keeps its
   * own): 0600 for a registries.yaml, which may hold registry passwords.
   * install-host and export both take it from here.
   */
  newFileMode: number;
  /** The entry alone, as printed. */
  snippet: string;
  /**
   * The whole file with this host's entry merged in (`text`); `existing` is the file's
   * text (undefined: no file yet). Pure. Every other entry and comment is kept
   * byte for byte; throws an input error when it cannot merge safely.
   */
  merge(existing: string | undefined, file: string, ctx?: MergeContext): MergedConfig;
}

/** A config file merged (the file parsed once), and the files the merge moves entries into. */
export interface MergedConfig {
  text: string;
  /** containerd --migrate-mirrors: a hosts.toml per legacy mirror. */
  moved?: PlannedFile[] | undefined;
}

/** What a merge may take into account: the daemon's release, and the user's consent to move entries. */
export interface MergeContext {
  versions?: RuntimeVersions | undefined;
  /** --migrate-mirrors: move containerd's legacy registry mirrors into hosts.toml files. */
  migrateMirrors?: boolean | undefined;
}

export interface RuntimePlan {
  runtime: RuntimeName;
  /** The host folder (client.cert, client.key, ca.crt). */
  dir: string;
  files: PlannedFile[];
  config?: ConfigEntry | undefined;
  /** The runtime reads no certs.d (BuildKit): its files matter only where the config entry names them. */
  filesOnlyWithConfig?: boolean | undefined;
  /** What to run next. */
  next: string[];
}

/** What doctor and install-host know about this machine, read by src/io. */
export interface RuntimeFacts {
  env: RuntimeEnv;
  /** The registries judged (install-host: the one; doctor: every folder found). */
  hosts: RegistryHost[];
  /** The certs.d folders read (doctor). */
  dirs: HostDirSnapshot[];
  /** Docker's daemon.json insecure-registries; undefined: no daemon.json. */
  /**
   * Docker's daemon.json insecure-registries, and whether it turns the
   * containerd image store on (features.containerd-snapshotter); undefined: no daemon.json.
   */
  insecureRegistries?: { file: string; entries: string[]; containerdStore?: boolean | undefined } | undefined;
  /** The addresses each host name resolves to (Docker matches CIDRs against them). */
  addresses: ReadonlyMap<string, string[]>;
  /** The certs.d root the runtime's folders were read from (default: its first root). */
  certsRoot?: string | undefined;
  /** The daemon's main config file, when read (containerd config.toml). */
  config?: { file: string; text: string; missing?: boolean } | undefined;
  /** The installed (or given) release of each daemon; absent: unknown, judged as today's release. */
  versions?: RuntimeVersions | undefined;
}

export interface Runtime {
  name: RuntimeName;
  /** One line for help and messages. */
  title: string;
  /** The roots a host folder is looked up under, in the runtime's own order. */
  roots(env: RuntimeEnv): string[];
  /** A host's files (and config entry) for this runtime. */
  plan(host: RegistryHost, material: ClientMaterial, opts: PlanOptions): Promise<RuntimePlan>;
  /** What stops this runtime from presenting the client certificate. Pure. */
  check(facts: RuntimeFacts): Problem[];
}
