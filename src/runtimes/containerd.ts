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
 */
import path from 'node:path';
import { CERTS_DIRS, CONFIG_FILES } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import type { Problem } from './types.js';
import { renderTemplate } from '../core/template.js';
import type { RegistryHost } from '../core/registry-host.js';
import { readTemplate } from '../io/templates.js';
import { certsDirFiles } from './certs-d.js';
import { getIn, parseTomlText, setTomlString, type TomlDoc } from './toml-merge.js';
import type { ClientMaterial, ConfigEntry, PlanOptions, Runtime, RuntimeEnv, RuntimeFacts, RuntimePlan } from './types.js';

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

/** config.toml with config_path set for its version (a new file: version 2, read by 1.x and 2.x). */
export function mergeConfigPath(existing: string | undefined, root: string, file: string): string {
  if (existing === undefined || existing.trim() === '') return `version = 2\n\n${configPathLines(2, root)}`;
  const version = containerdConfigVersion(parseTomlText(existing, file));
  if (version === undefined) {
    const p = unknownVersion(file);
    throw inputError('BAD_CONFIG', p.message, p.fix);
  }
  const s = CONFIG_PATH_SECTION[version];
  return setTomlString(existing, s.keys, 'config_path', root, s.header, file);
}

function unknownVersion(file: string) {
  return { code: 'containerd-config' as const, path: file, message: `${file} has a "version" containerd does not know (1, 2 or 3)`, fix: 'set version = 2 (containerd 1.x) or version = 3 (containerd 2.x)' };
}

/** Missing, misplaced or elsewhere-pointing config_path, each with the exact lines to add. */
export function checkConfigPath(text: string, file: string, root: string): Problem[] {
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
    const reg = getIn(doc, want.keys) as Record<string, unknown>;
    if (reg.mirrors !== undefined || reg.configs !== undefined) {
      problems.push({
        code: 'containerd-config-path',
        path: file,
        message: `${file} sets config_path and also registry mirrors/configs in ${want.header}: the CRI plugin refuses to start with both`,
        fix: `move the mirrors/configs entries into hosts.toml files under ${root} and remove them from ${file}`,
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
      snippet: `# containerd 1.x (config.toml version = 2):\n${configPathLines(2, absRoot)}\n# containerd 2.x (config.toml version = 3):\n${configPathLines(3, absRoot)}`,
      merge: (existing, file) => mergeConfigPath(existing, absRoot, file),
    };
    return {
      runtime: 'containerd',
      dir,
      files: [...certsDirFiles(dir, m), { path: path.join(dir, 'hosts.toml'), data: await renderHostsToml(host), mode: 0o644, kind: 'config' }],
      config,
      next: [`ctr images pull --hosts-dir ${root} ${host.name}/IMAGE   (the CRI plugin needs config_path: see the config.toml lines)`],
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
    return checkConfigPath(facts.config.text, facts.config.file, root);
  },
};
