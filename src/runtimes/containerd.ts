/**
 * containerd (and nerdctl, and the CRI plugin Kubernetes uses).
 *
 * Reads ROOT/HOST[:PORT]/hosts.toml (docs/hosts.md; core/remotes/docker/
 * config/hosts.go): folder lookup is HOST:PORT, then _default; relative
 * paths resolve against the hosts.toml folder; 1.6 refuses a `server =`
 * without a [host."…"] table ("invalid `host` tree"). `ctr` ignores the CRI
 * config and needs --hosts-dir ROOT. The CRI plugin ignores certs.d unless
 * config_path is set in the right section of config.toml, which depends on
 * the config's `version`:
 *   version 1 (containerd 1.x, old):  [plugins.cri.registry]
 *   version 2 (containerd 1.x; 2.x migrates it): [plugins."io.containerd.grpc.v1.cri".registry]
 *   version 3 (containerd 2.x):       [plugins."io.containerd.cri.v1.images".registry]
 * Rootless (nerdctl): ~/.config/containerd/certs.d.
 *
 * What the CRI plugin refuses beside config_path (checked at start; the
 * whole CRI image service is then down, "unknown service
 * runtime.v1.ImageService"): `registry.mirrors` (1.x and 2.x: "`mirrors`
 * cannot be set when `config_path` is provided") and `registry.configs.*.tls`
 * (1.x only; 2.0 dropped the key and ignores it). `configs.*.auth` is
 * accepted by both (2.1 then pulls through its local pull mode, still
 * reading hosts.toml).
 */
import path from 'node:path';
import { CERTS_DIRS, CONFIG_FILES } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import type { PlannedFile } from '../io/files.js';
import type { Problem } from './types.js';
import { renderTemplate } from '../core/template.js';
import type { RegistryHost } from '../core/registry-host.js';
import { readTemplate } from '../io/templates.js';
import { certsDirFiles } from './certs-d.js';
import { getIn, parseTomlText, replaceTomlTables, setTomlString, type TomlDoc } from './toml-merge.js';
import type { ClientMaterial, ConfigEntry, MergeContext, MergedConfig, PlanOptions, Runtime, RuntimeEnv, RuntimeFacts, RuntimePlan } from './types.js';
import { versionLabel, type Version } from './versions.js';

export type ContainerdConfigVersion = 1 | 2 | 3;

/** Where config_path lives, per config.toml `version`. */
export const CONFIG_PATH_SECTION: Record<ContainerdConfigVersion, { keys: string[]; header: string; releases: string }> = {
  1: { keys: ['plugins', 'cri', 'registry'], header: '[plugins.cri.registry]', releases: 'containerd 1.x (config version 1)' },
  2: { keys: ['plugins', 'io.containerd.grpc.v1.cri', 'registry'], header: '[plugins."io.containerd.grpc.v1.cri".registry]', releases: 'containerd 1.x (config version 2; 2.x migrates it)' },
  3: { keys: ['plugins', 'io.containerd.cri.v1.images', 'registry'], header: '[plugins."io.containerd.cri.v1.images".registry]', releases: 'containerd 2.x (config version 3)' },
};

function roots(env: RuntimeEnv): string[] {
  return [env.rootless ? path.join(env.home, '.config', 'containerd', 'certs.d') : CERTS_DIRS.containerd];
}

/** The config's `version` (absent: 1, as containerd reads it). */
export function containerdConfigVersion(doc: TomlDoc): ContainerdConfigVersion | undefined {
  const v = doc.version ?? 1;
  return v === 1 || v === 2 || v === 3 ? v : undefined;
}

/** The exact lines that make the CRI plugin read ROOT, for one config version. */
export function configPathLines(version: ContainerdConfigVersion, root: string): string {
  return `${CONFIG_PATH_SECTION[version].header}\n  config_path = ${JSON.stringify(root)}\n`;
}

/** A hosts.toml for HOST naming ca.crt, client.cert and client.key beside it (templates/containerd-hosts.toml). */
export async function renderHostsToml(host: RegistryHost): Promise<string> {
  // host.name passed parseRegistryHost: no quotes or backslashes, safe inside a TOML string.
  return renderTemplate(await readTemplate('containerd-hosts.toml'), { host: host.name });
}

/** containerd's default registry host for docker.io (the CRI's legacy mirrors fall back to it too). */
const DOCKER_IO_SERVER = 'https://registry-1.docker.io';

/** The legacy `mirrors` entries: registry name → endpoint URLs. */
function legacyMirrors(reg: Record<string, unknown> | undefined): Array<{ name: string; endpoints: string[] }> {
  const m = reg?.mirrors;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return [];
  return Object.entries(m as Record<string, unknown>).map(([name, v]) => {
    const e = (v as { endpoint?: unknown } | null)?.endpoint;
    return { name, endpoints: Array.isArray(e) ? e.filter((x): x is string => typeof x === 'string') : [] };
  });
}

/** The registries whose legacy `configs` entry has a `tls` table. */
function legacyTlsConfigs(reg: Record<string, unknown> | undefined): string[] {
  const c = reg?.configs;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return [];
  return Object.entries(c as Record<string, unknown>).filter(([, v]) => v !== null && typeof v === 'object' && (v as { tls?: unknown }).tls !== undefined).map(([k]) => k);
}

/** Keys the CRI plugin refuses beside config_path: legacy `mirrors` (--migrate-mirrors moves them) or 1.x `configs.*.tls`. */
interface CriConflict {
  kind: 'mirrors' | 'tls';
  keys: string;
  why: string;
}

/**
 * What the CRI plugin of this containerd release refuses beside config_path
 * in this registry table (unknown release: today's, 2.x). Each entry names
 * the keys and why.
 */
function criConflicts(reg: Record<string, unknown> | undefined, header: string, containerdVersion: Version | undefined): CriConflict[] {
  const out: CriConflict[] = [];
  const mirrors = legacyMirrors(reg);
  if (mirrors.length > 0) {
    out.push({
      kind: 'mirrors',
      keys: mirrors.map((m) => `${header.slice(1, -1)}.mirrors."${m.name}"`).join(', '),
      why: 'containerd (1.x and 2.x) refuses `mirrors` beside config_path: the CRI image service does not load and every pull on the node fails',
    });
  }
  const tls = legacyTlsConfigs(reg);
  if (tls.length > 0 && containerdVersion !== undefined && containerdVersion.major < 2) {
    out.push({
      kind: 'tls',
      keys: tls.map((t) => `${header.slice(1, -1)}.configs."${t}".tls`).join(', '),
      why: `${versionLabel('containerd', containerdVersion)} refuses \`configs.tls\` beside config_path: the CRI plugin does not load`,
    });
  }
  return out;
}

/** The hosts.toml that says what a legacy `mirrors` entry said: its endpoints first, then the registry itself. */
function mirrorHostsToml(name: string, endpoints: readonly string[], from: string): string {
  const server = name === '*' ? undefined : name === 'docker.io' ? DOCKER_IO_SERVER : `https://${name}`;
  const lines = [`# Migrated by regcert from the registry mirrors of ${from}.`, ...(server ? [`server = ${JSON.stringify(server)}`] : [])];
  for (const e of endpoints) {
    if (server !== undefined && e.replace(/\/+$/, '') === server) continue;
    lines.push('', `[host.${JSON.stringify(e)}]`, '  capabilities = ["pull", "resolve"]');
  }
  return `${lines.join('\n')}\n`;
}

/** The folder a mirrors entry's hosts.toml goes in ("*": _default). */
function mirrorFolder(name: string): string {
  return name === '*' ? '_default' : name;
}

function registryTable(doc: TomlDoc, version: ContainerdConfigVersion): Record<string, unknown> | undefined {
  const reg = getIn(doc, CONFIG_PATH_SECTION[version].keys);
  return reg !== null && typeof reg === 'object' && !Array.isArray(reg) ? (reg as Record<string, unknown>) : undefined;
}

/**
 * config.toml with config_path set for its version (a new file: version 2,
 * read by 1.x and 2.x), parsed once. Never a config the CRI plugin refuses:
 * legacy `mirrors` are refused, or with ctx.migrateMirrors removed and
 * returned as `moved` hosts.toml files; a 1.x `configs.*.tls` is refused.
 */
export function mergeConfigPath(existing: string | undefined, root: string, file: string, ctx: MergeContext = {}): MergedConfig {
  if (existing === undefined || existing.trim() === '') return { text: `version = 2\n\n${configPathLines(2, root)}`, moved: [] };
  const doc = parseTomlText(existing, file);
  const version = containerdConfigVersion(doc);
  if (version === undefined) {
    const p = unknownVersion(file);
    throw inputError('BAD_CONFIG', p.message, p.fix);
  }
  const s = CONFIG_PATH_SECTION[version];
  const reg = registryTable(doc, version);
  const conflicts = criConflicts(reg, s.header, ctx.versions?.containerd);
  const mirrors = legacyMirrors(reg);
  const blocking = conflicts.filter((c) => !(ctx.migrateMirrors && c.kind === 'mirrors'));
  if (blocking.length > 0) {
    const c = blocking[0]!;
    const isMirrors = c.kind === 'mirrors';
    throw inputError(
      'CONFIG_CONFLICT',
      `${file} sets ${c.keys}: ${c.why}; regcert will not add config_path beside it`,
      isMirrors
        ? `pass --migrate-mirrors to move them into hosts.toml files under ${root} (${mirrors.map((m) => mirrorFolder(m.name)).join(', ')}) and remove them from ${file}, or move them by hand`
        : `move the TLS settings into hosts.toml (ca, client, skip_verify) under ${root} and remove the tls tables from ${file}`,
    );
  }
  let text = existing;
  let moved: PlannedFile[] = [];
  if (ctx.migrateMirrors && mirrors.length > 0) {
    text = replaceTomlTables(existing, [...s.keys, 'mirrors'], '', file, (d) => legacyMirrors(registryTable(d, version)).length === 0);
    // What each mirror said, now in a hosts.toml of its own.
    moved = mirrors.map((m) => ({ path: path.join(root, mirrorFolder(m.name), 'hosts.toml'), data: mirrorHostsToml(m.name, m.endpoints, file), mode: 0o644, kind: 'config' as const }));
  }
  return { text: setTomlString(text, s.keys, 'config_path', root, s.header, file), moved };
}

function unknownVersion(file: string) {
  return { code: 'containerd-config' as const, path: file, message: `${file} has a "version" containerd does not know (1, 2 or 3)`, fix: 'set version = 2 (containerd 1.x) or version = 3 (containerd 2.x)' };
}

/** Missing, misplaced or elsewhere-pointing config_path, and what this containerd refuses beside it, each with the exact lines to add. */
export function checkConfigPath(text: string, file: string, root: string, containerdVersion?: Version): Problem[] {
  let doc: TomlDoc;
  try {
    doc = parseTomlText(text, file);
  } catch (e) {
    return [{ code: 'containerd-config', path: file, message: (e as Error).message, fix: `fix ${file}: containerd will not start with it` }];
  }
  const version = containerdConfigVersion(doc);
  if (version === undefined) return [unknownVersion(file)];
  const want = CONFIG_PATH_SECTION[version];
  const lines = configPathLines(version, root);
  const value = getIn(doc, [...want.keys, 'config_path']);
  if (typeof value === 'string' && value !== '') {
    const listed = value.split(':');
    const problems: Problem[] = [];
    if (!listed.includes(root)) {
      problems.push({
        code: 'containerd-config-path',
        path: file,
        message: `${file} sets config_path = ${JSON.stringify(value)}, so the CRI plugin does not read ${root}`,
        fix: `install into ${listed[0]} (regcert install-host … --runtime containerd --certs-dir ${listed[0]}), or set in ${file}:\n${lines}`,
      });
    }
    for (const c of criConflicts(registryTable(doc, version), want.header, containerdVersion)) {
      problems.push({
        code: 'containerd-config-path',
        path: file,
        message: `${file} sets config_path and ${c.keys}: ${c.why}`,
        fix: c.kind === 'mirrors'
          ? `move each mirror into a hosts.toml under ${root} (regcert install-host … --runtime containerd --config ${file} --migrate-mirrors does it) and remove the mirrors tables`
          : `move the TLS settings into hosts.toml (ca, client) under ${root} and remove the tls tables from ${file} (credentials in configs.*.auth may stay)`,
      });
    }
    return problems;
  }
  const elsewhere = ([1, 2, 3] as const).filter((v) => v !== version && typeof getIn(doc, [...CONFIG_PATH_SECTION[v].keys, 'config_path']) === 'string');
  return [
    {
      code: 'containerd-config-path',
      path: file,
      message:
        elsewhere.length > 0
          ? `${file} (version ${version}: ${want.releases}) has config_path under ${CONFIG_PATH_SECTION[elsewhere[0]!].header}, which this version does not read: the CRI plugin (Kubernetes, crictl) ignores certs.d`
          : `${file} (version ${version}: ${want.releases}) sets no registry config_path: the CRI plugin (Kubernetes, crictl) ignores certs.d (ctr needs --hosts-dir)`,
      fix: `add to ${file} and restart containerd:\n${lines}`,
    },
  ];
}

export const containerd: Runtime = {
  name: 'containerd',
  title: 'containerd, nerdctl, Kubernetes CRI (/etc/containerd/certs.d/HOST/hosts.toml; CRI needs config_path)',
  roots,
  async plan(host: RegistryHost, m: ClientMaterial, o: PlanOptions): Promise<RuntimePlan> {
    const root = o.root ?? roots(o.env)[0]!;
    const dir = path.join(root, host.name);
    const absRoot = path.resolve(root);
    const config: ConfigEntry = {
      file: CONFIG_FILES.containerd,
      language: 'toml',
      newFileMode: 0o644,
      snippet: `# containerd 1.x (config.toml version = 2):\n${configPathLines(2, absRoot)}\n# containerd 2.x (config.toml version = 3):\n${configPathLines(3, absRoot)}`,
      merge: (existing, file, ctx) => mergeConfigPath(existing, absRoot, file, ctx),
    };
    return {
      runtime: 'containerd',
      dir,
      files: [...certsDirFiles(dir, m), { path: path.join(dir, 'hosts.toml'), data: await renderHostsToml(host), mode: 0o644, kind: 'config' }],
      config,
      next: [
        `ctr images pull --hosts-dir ${root} ${host.name}/IMAGE   (the CRI plugin needs config_path: see the config.toml lines, version 3 for containerd 2.x, version 2 for 1.x)`,
      ],
    };
  },
  check(facts: RuntimeFacts): Problem[] {
    if (!facts.config) return [];
    const root = path.resolve(facts.certsRoot ?? roots(facts.env)[0]!);
    if (facts.config.missing) {
      return [
        {
          code: 'containerd-config-path',
          path: facts.config.file,
          message: `${facts.config.file} does not exist: containerd's defaults set no registry config_path, so the CRI plugin (Kubernetes, crictl) ignores ${root} (ctr needs --hosts-dir)`,
          fix: `create ${facts.config.file} (containerd 1.x and 2.x read version 2) and restart containerd:\nversion = 2\n\n${configPathLines(2, root)}`,
        },
      ];
    }
    return checkConfigPath(facts.config.text, facts.config.file, root, facts.versions?.containerd);
  },
};
