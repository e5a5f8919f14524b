/**
 * k3s and RKE2: they do not read certs.d; they read registries.yaml
 * (/etc/rancher/{k3s,rke2}/registries.yaml; rootless k3s:
 * ~/.rancher/k3s/registries.yaml) and generate containerd's hosts.toml from
 * it at start (pkg/agent/templates):
 *   configs:
 *     "HOST[:PORT]":
 *       tls:
 *         cert_file: /path/client.cert
 *         key_file: /path/client.key
 *         ca_file: /path/ca.crt
 * regcert puts the files in /etc/rancher/{k3s,rke2}/certs.d/HOST[:PORT]/ and
 * merges only this host's entry (with --config), keeping every other entry
 * and comment.
 */
import path from 'node:path';
import { isMap, type Document } from 'yaml';
import { CERTS_DIRS, CONFIG_FILES } from '../core/defaults.js';
import type { Problem } from './types.js';
import { inputError } from '../core/errors.js';
import type { RegistryHost } from '../core/registry-host.js';
import { yamlString } from '../core/template.js';
import { parseYaml, renderYaml, yamlToJs } from '../core/yaml.js';
import { certsDirFiles } from './certs-d.js';
import type { ClientMaterial, ConfigEntry, PlanOptions, Runtime, RuntimeEnv, RuntimeName, RuntimePlan } from './types.js';

type Distro = 'k3s' | 'rke2';

function roots(distro: Distro, env: RuntimeEnv): string[] {
  return [env.rootless && distro === 'k3s' ? path.join(env.home, '.rancher', 'k3s', 'certs.d') : CERTS_DIRS[distro]];
}

export function registriesYamlFile(distro: Distro, env: RuntimeEnv): string {
  return env.rootless && distro === 'k3s' ? path.join(env.home, '.rancher', 'k3s', 'registries.yaml') : CONFIG_FILES[distro];
}

function tlsEntry(dir: string): Record<string, string> {
  return { cert_file: path.join(dir, 'client.cert'), key_file: path.join(dir, 'client.key'), ca_file: path.join(dir, 'ca.crt') };
}

export function registriesYamlSnippet(host: string, dir: string): string {
  const t = tlsEntry(dir);
  return ['configs:', `  ${yamlString(host)}:`, '    tls:', ...Object.entries(t).map(([k, v]) => `      ${k}: ${yamlString(v)}`), ''].join('\n');
}

/** registries.yaml read as k3s/RKE2 read it (YAML 1.1, go-yaml v2), within core/yaml.ts's limits. */
function readYaml(text: string, file: string): Document {
  return parseYaml(text, file, (message) => inputError('BAD_CONFIG', `${file} is not valid YAML: ${message}`, `fix ${file} first (k3s/RKE2 cannot read it either)`));
}

/**
 * The entry as text lines inserted at the end of a block-style top-level
 * `configs:` mapping (or a new `configs:` at the end): the rest of the file
 * stays byte for byte. undefined when the file's shape does not allow it.
 */
function insertEntryText(existing: string, host: string, dir: string): string | undefined {
  const lines = existing.split('\n');
  const entry = registriesYamlSnippet(host, dir).split('\n').slice(1).filter((l) => l !== '');
  const at = lines.findIndex((l) => /^configs:\s*(#.*)?$/.test(l));
  let body = existing;
  if (at < 0) {
    if (lines.some((l) => /^configs\s*:/.test(l))) return undefined; // flow style or odd: let the YAML library do it
    if (body !== '' && !body.endsWith('\n')) body += '\n';
    return `${body}configs:\n${entry.join('\n')}\n`;
  }
  // The block ends before the next line at column 0 that is not blank or a comment.
  let end = at + 1;
  let last = at;
  for (; end < lines.length; end++) {
    const l = lines[end]!;
    if (/^\S/.test(l) && !l.startsWith('#')) break;
    if (l.trim() !== '' && !/^\s*#/.test(l)) last = end;
  }
  const child = lines.slice(at + 1, end).find((l) => l.trim() !== '' && !/^\s*#/.test(l));
  const indent = child ? /^(\s*)/.exec(child)![1]! : '  ';
  if (indent === '' || indent.includes('\t')) return undefined;
  const reindented = entry.map((l) => {
    const depth = (/^( *)/.exec(l)![1]!.length / 2) | 0; // 1: host, 2: tls, 3: keys
    return indent.repeat(depth) + l.trimStart();
  });
  lines.splice(last + 1, 0, ...reindented);
  return lines.join('\n');
}

function sameExcept(a: unknown, b: unknown, host: string): boolean {
  const strip = (v: unknown) => {
    const o = structuredClone(v ?? {}) as { configs?: Record<string, unknown> };
    if (o.configs) delete o.configs[host];
    if (o.configs && Object.keys(o.configs).length === 0) delete o.configs;
    return JSON.stringify(o);
  };
  return strip(a) === strip(b);
}

/** registries.yaml with configs."HOST".tls set; every other entry and comment kept (byte for byte when the entry is new). */
export function mergeRegistriesYaml(existing: string | undefined, host: string, dir: string, file: string): string {
  if (existing === undefined || existing.trim() === '') return registriesYamlSnippet(host, dir);
  const doc = readYaml(existing, file);
  if (doc.contents !== null && !isMap(doc.contents)) throw inputError('BAD_CONFIG', `${file} is not a YAML mapping`, `fix ${file} first`);
  const configs = doc.get('configs', true);
  if (configs !== undefined && configs !== null && !isMap(configs)) throw inputError('BAD_CONFIG', `configs in ${file} is not a mapping`, `fix ${file} first`);
  const entry = doc.getIn(['configs', host], true);
  if (entry !== undefined && entry !== null && !isMap(entry)) throw inputError('BAD_CONFIG', `configs."${host}" in ${file} is not a mapping`, `fix ${file} first`);
  const t = tlsEntry(dir);
  const before = yamlToJs(doc, file) as { configs?: Record<string, { tls?: Record<string, unknown> }> };
  const has = before.configs?.[host]?.tls;
  if (has && Object.entries(t).every(([k, v]) => has[k] === v)) return existing; // already there: idempotent
  const ok = (text: string) => {
    const back = yamlToJs(readYaml(text, `${file} (merged)`), `${file} (merged)`) as { configs?: Record<string, { tls?: Record<string, string> }> };
    return Object.entries(t).every(([k, v]) => back.configs?.[host]?.tls?.[k] === v) && sameExcept(before, back, host);
  };
  if (entry === undefined) {
    const text = insertEntryText(existing, host, dir);
    if (text !== undefined && ok(text)) return text;
  }
  // The entry exists (other keys such as auth stay) or the file's shape needs the YAML library: comments are kept, spacing may be normalised.
  for (const [k, v] of Object.entries(t)) doc.setIn(['configs', host, 'tls', k], v);
  const out = renderYaml(doc);
  if (!ok(out)) throw inputError('CONFIG_UNMERGEABLE', `merging into ${file} did not give the expected entry`, 'add the entry by hand (regcert prints it)');
  return out;
}

function rancher(distro: Distro): Runtime {
  return {
    name: distro as RuntimeName,
    title: `${distro === 'k3s' ? 'k3s' : 'RKE2'} (registries.yaml configs."HOST".tls; it writes containerd's hosts.toml itself)`,
    roots: (env) => roots(distro, env),
    plan(host: RegistryHost, m: ClientMaterial, o: PlanOptions): Promise<RuntimePlan> {
      const dir = path.resolve(o.root ?? roots(distro, o.env)[0]!, host.name);
      const config: ConfigEntry = {
        file: registriesYamlFile(distro, o.env),
        language: 'yaml',
        newFileMode: 0o600,
        snippet: registriesYamlSnippet(host.name, dir),
        merge: (existing, file) => ({ text: mergeRegistriesYaml(existing, host.name, dir, file) }),
      };
      return Promise.resolve({
        runtime: distro,
        dir,
        files: certsDirFiles(dir, m),
        config,
        next: [`restart ${distro === 'k3s' ? 'k3s (systemctl restart k3s, or k3s-agent)' : 'rke2 (systemctl restart rke2-server, or rke2-agent)'}: it reads registries.yaml at start`],
      });
    },
    check(): Problem[] {
      return [];
    },
  };
}

export const k3s = rancher('k3s');
export const rke2 = rancher('rke2');
