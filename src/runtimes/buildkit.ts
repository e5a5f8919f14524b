/**
 * BuildKit (buildkitd, docker buildx with the docker-container driver).
 *
 * Ignores certs.d: it reads buildkitd.toml (cmd/buildkitd/config):
 *   [registry."HOST[:PORT]"]
 *     ca = ["/path/ca.crt"]
 *     [[registry."HOST[:PORT]".keypair]]
 *       key = "/path/client.key"
 *       cert = "/path/client.cert"
 * rootful /etc/buildkit/buildkitd.toml, rootless ~/.config/buildkit/buildkitd.toml;
 * buildkitd reads it at start. regcert puts the files in a folder of their
 * own and merges only this host's table (with --config).
 */
import path from 'node:path';
import { CERTS_DIRS, CONFIG_FILES } from '../core/defaults.js';
import type { Problem } from './types.js';
import type { RegistryHost } from '../core/registry-host.js';
import { tomlString } from '../core/template.js';
import { certsDirFiles } from './certs-d.js';
import { getIn, replaceTomlTables } from './toml-merge.js';
import type { ClientMaterial, ConfigEntry, PlanOptions, Runtime, RuntimeEnv, RuntimePlan } from './types.js';

function userDir(env: RuntimeEnv): string {
  return path.join(env.xdgConfigHome ?? path.join(env.home, '.config'), 'buildkit');
}

function roots(env: RuntimeEnv): string[] {
  return [env.rootless ? path.join(userDir(env), 'certs.d') : CERTS_DIRS.buildkit];
}

export function buildkitConfigFile(env: RuntimeEnv): string {
  return env.rootless ? path.join(userDir(env), 'buildkitd.toml') : CONFIG_FILES.buildkit;
}

/** This host's buildkitd.toml tables, naming the files in dir (absolute). */
export function buildkitSnippet(host: string, dir: string): string {
  const h = tomlString(host);
  return [
    `[registry.${h}]`,
    `  ca = [${tomlString(path.join(dir, 'ca.crt'))}]`,
    `  [[registry.${h}.keypair]]`,
    `    key = ${tomlString(path.join(dir, 'client.key'))}`,
    `    cert = ${tomlString(path.join(dir, 'client.cert'))}`,
    '',
  ].join('\n');
}

export const buildkit: Runtime = {
  name: 'buildkit',
  title: 'BuildKit (buildkitd.toml [registry."HOST"] ca and keypair; no certs.d)',
  roots,
  plan(host: RegistryHost, m: ClientMaterial, o: PlanOptions): Promise<RuntimePlan> {
    const dir = path.resolve(o.root ?? roots(o.env)[0]!, host.name);
    const snippet = buildkitSnippet(host.name, dir);
    const config: ConfigEntry = {
      file: buildkitConfigFile(o.env),
      language: 'toml',
      newFileMode: 0o644,
      snippet,
      merge: (existing, file) => ({
        text: replaceTomlTables(existing, ['registry', host.name], snippet, file, (doc) => {
          const kp = getIn(doc, ['registry', host.name, 'keypair']);
          return Array.isArray(kp) && kp.length === 1 && getIn(kp[0], ['cert']) === path.join(dir, 'client.cert');
        }),
      }),
    };
    return Promise.resolve({
      runtime: 'buildkit',
      dir,
      files: certsDirFiles(dir, m),
      config,
      filesOnlyWithConfig: true,
      next: ['restart buildkitd (it reads buildkitd.toml at start)'],
    });
  },
  check(): Problem[] {
    return [];
  },
};
