/**
 * `regcert install-host`: lay out the client certificate, its key and the
 * registry CA where a container runtime reads them.
 *
 * docker / podman (containers/image): ROOT/HOST[:PORT]/{client.cert, client.key, ca.crt}.
 *   moby's ReadCertsDirectory treats *.crt as CA roots and pairs each X.cert
 *   with X.key (a lone .cert or .key makes the whole folder fail), so no other
 *   .crt/.cert/.key files (never a CA key) may go there.
 * containerd: the same three files plus hosts.toml naming them.
 * buildkit: does not read certs.d; buildkitd.toml [registry."HOST"] ca + keypair.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { chainsTo, leafAndIntermediates } from '../core/chain.js';
import { certificateToPem, parseCertificates } from '../core/certificates.js';
import { renderTemplate, tomlString } from '../core/template.js';
import { readTemplate } from '../io/templates.js';
import { CERTS_DIRS } from '../core/defaults.js';
import { ekuNames, summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError, operationError } from '../core/errors.js';
import { exportPrivateKeyPem } from '../core/keys.js';
import { parseRegistryHost } from '../core/registry-host.js';
import { readCredentials, type CredentialOptions } from '../io/credentials.js';
import { readInputFile, writeFiles, type PlannedFile, type WrittenFile } from '../io/files.js';
import { fetchTrustedCa, parseFingerprint } from '../net/fetch-ca.js';
import type { CommandContext } from './context.js';
import { timeoutMs } from './fetch-ca.js';

export const RUNTIMES = ['docker', 'podman', 'containerd', 'buildkit'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export interface InstallHostOptions extends CredentialOptions {
  host: string;
  ca?: string | undefined;
  fetchCa?: boolean | undefined;
  fingerprint?: string | undefined;
  yes?: boolean | undefined;
  allowExtra?: boolean | undefined;
  runtime?: string[] | undefined;
  certsDir?: string | undefined;
  dryRun?: boolean | undefined;
  force?: boolean | undefined;
  timeout?: number | undefined;
}

export interface InstallHostResult {
  command: 'install-host';
  host: string;
  runtimes: RuntimeName[];
  dryRun: boolean;
  files: WrittenFile[];
  /** buildkitd.toml entries to merge (buildkit only). */
  buildkitSnippet?: string;
  certificate: CertificateSummary;
  chainLength: number;
  caFrom: string;
  warnings: string[];
  next: string[];
}

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

/**
 * Files already in a host folder that change what the runtime does: moby and
 * containers/image refuse the whole folder when an X.cert lacks its X.key
 * (or the reverse), and trust every *.crt as a CA root.
 */
async function strayFileWarnings(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  const has = new Set(names);
  for (const n of names) {
    if (n.endsWith('.cert') && n !== 'client.cert' && !has.has(n.replace(/\.cert$/, '.key'))) out.push(`${path.join(dir, n)} has no matching .key: Docker and Podman refuse the whole folder`);
    if (n.endsWith('.key') && n !== 'client.key' && !has.has(n.replace(/\.key$/, '.cert'))) out.push(`${path.join(dir, n)} has no matching .cert: Docker and Podman refuse the whole folder (never put a CA key here)`);
    if (n.endsWith('.crt') && n !== 'ca.crt') out.push(`${path.join(dir, n)} is also trusted as a CA root for this registry`);
  }
  return out;
}

/**
 * containers/image (Podman, skopeo, Buildah) uses only the FIRST existing of
 * ~/.config/containers/certs.d/H (rootless), /etc/containers/certs.d/H,
 * /etc/docker/certs.d/H: an earlier folder hides the one we write.
 */
async function shadowWarnings(name: string, runtimes: RuntimeName[]): Promise<string[]> {
  const out: string[] = [];
  const home = process.env.HOME;
  const userDir = home ? path.join(home, '.config', 'containers', 'certs.d', name) : undefined;
  const exists = async (p: string) => {
    try {
      return (await readdir(p)) !== undefined;
    } catch {
      return false;
    }
  };
  if (runtimes.includes('podman') && userDir && process.getuid?.() !== 0 && (await exists(userDir))) {
    out.push(`${userDir} exists: rootless Podman and skopeo use it instead of ${path.join(CERTS_DIRS.podman, name)}`);
  }
  if (runtimes.includes('docker') && !runtimes.includes('podman') && (await exists(path.join(CERTS_DIRS.podman, name)))) {
    out.push(`${path.join(CERTS_DIRS.podman, name)} exists: Podman and skopeo use it, not ${path.join(CERTS_DIRS.docker, name)}; add --runtime podman`);
  }
  return out;
}

/** Docker never presents a client certificate to a registry in its insecure-registries list. */
async function insecureRegistryWarnings(name: string, file = '/etc/docker/daemon.json'): Promise<string[]> {
  let cfg: { 'insecure-registries'?: unknown };
  try {
    cfg = JSON.parse(Buffer.from(await readInputFile(file, 'Docker daemon configuration', undefined, 'config')).toString('utf8')) as typeof cfg;
  } catch {
    return [];
  }
  const list = Array.isArray(cfg['insecure-registries']) ? (cfg['insecure-registries'] as unknown[]).map(String) : [];
  return list.includes(name)
    ? [`${name} is in insecure-registries in ${file}: Docker will not send it a client certificate; remove it there and restart dockerd`]
    : [];
}

export async function installHost(opts: InstallHostOptions, ctx: CommandContext): Promise<InstallHostResult> {
  const reg = parseRegistryHost(opts.host);
  const runtimes = [...new Set(opts.runtime && opts.runtime.length ? opts.runtime : ['docker'])] as RuntimeName[];
  for (const r of runtimes) {
    if (!(RUNTIMES as readonly string[]).includes(r)) throw inputError('BAD_RUNTIME', `unknown --runtime "${r}"`, `use one of ${RUNTIMES.join(', ')}`);
  }
  if (opts.certsDir !== undefined && runtimes.length > 1) {
    throw inputError('CERTS_DIR_WITH_RUNTIMES', '--certs-dir works with a single --runtime', 'run install-host once per runtime, each with its --certs-dir');
  }
  // A client bundle carries its CA (ca.pem); --ca or --fetch-ca may still override it.
  if (opts.ca !== undefined && opts.fetchCa === true) {
    throw inputError('CA_SOURCE', '--ca and --fetch-ca are exclusive', 'pass --ca FILE, or --fetch-ca with --fingerprint SHA256 (or --yes)');
  }
  if (opts.bundle === undefined && opts.ca === undefined && opts.fetchCa !== true) {
    throw inputError('CA_SOURCE', 'no registry CA given', 'pass --ca FILE, or --fetch-ca with --fingerprint SHA256 (or --yes)');
  }
  if (opts.fingerprint !== undefined) {
    if (!opts.fetchCa) throw inputError('FINGERPRINT_WITHOUT_FETCH', '--fingerprint only applies to --fetch-ca', 'drop --fingerprint, or use --fetch-ca instead of --ca');
    parseFingerprint(opts.fingerprint);
  }
  const warnings: string[] = [];
  if (reg.port === 443) {
    warnings.push(`"${reg.name}" and "${reg.host}" are different certs.d folders: runtimes use ${reg.name} only for images written as ${reg.name}/..., and ${reg.host} for ${reg.host}/...`);
  }

  // The client identity: key must match, certificate must be for clients.
  const creds = await readCredentials(opts, ctx);
  const ekus = ekuNames(creds.leaf);
  if (!ekus.includes('clientAuth') && !ekus.includes('anyExtendedKeyUsage')) {
    throw inputError('NO_CLIENT_AUTH', `${creds.source} lacks the clientAuth EKU (it has: ${ekus.join(', ') || 'none'}); registries refuse it`, 'issue a client certificate: regcert issue NAME --client');
  }
  const chain = leafAndIntermediates(creds.chain);
  const clientCert = chain.map(certificateToPem).join('');
  const clientKey = exportPrivateKeyPem(creds.key);

  // The registry CA.
  let caPem: string;
  let caFrom: string;
  if (opts.ca !== undefined) {
    const certs = parseCertificates(await readInputFile(opts.ca, 'CA certificate', 'check the path given to --ca'), opts.ca);
    caPem = certs.map(certificateToPem).join('');
    caFrom = opts.ca;
    // Usually one PKI issues both; a leaf from an intermediate without that intermediate is the common mistake.
    if (!(await chainsTo(chain, certs)).ok) {
      warnings.push(
        `${creds.source} does not chain to ${opts.ca}${chain.length === 1 ? ' and carries no intermediate' : ''}: fine if the registry trusts another client CA, otherwise put the leaf and its intermediates in --cert (Go clients only send a certificate whose chain reaches a CA the server names)`,
      );
    }
  } else if (opts.fetchCa !== true && creds.ca !== undefined) {
    caPem = creds.ca.map(certificateToPem).join('');
    caFrom = `the ca.pem of ${creds.source}`;
  } else {
    const fetched = await fetchTrustedCa(`https://${reg.name}/ca`, opts, timeoutMs(opts.timeout), ctx);
    for (const d of fetched.dropped) warnings.push(`dropped from ${fetched.url}: "${d.subject}" (sha256 ${d.sha256}): ${d.reason}`);
    caPem = fetched.pem;
    caFrom = fetched.url;
  }

  const files: PlannedFile[] = [];
  let snippet: string | undefined;
  for (const rt of runtimes) {
    if (rt === 'buildkit') {
      const root = opts.certsDir ?? '/etc/buildkit/certs.d';
      const dir = path.resolve(root, reg.name);
      snippet = buildkitSnippet(reg.name, dir);
      if (opts.certsDir !== undefined) {
        files.push(
          { path: path.join(dir, 'client.cert'), data: clientCert, mode: 0o644, kind: 'client-certificate' },
          { path: path.join(dir, 'client.key'), data: clientKey, mode: 0o600, kind: 'client-key' },
          { path: path.join(dir, 'ca.crt'), data: caPem, mode: 0o644, kind: 'ca-bundle' },
          { path: path.join(dir, 'buildkitd.toml'), data: snippet, mode: 0o644, kind: 'config' },
        );
      }
      continue;
    }
    const root = opts.certsDir ?? CERTS_DIRS[rt];
    const dir = path.join(root, reg.name);
    files.push(
      { path: path.join(dir, 'client.cert'), data: clientCert, mode: 0o644, kind: 'client-certificate' },
      { path: path.join(dir, 'client.key'), data: clientKey, mode: 0o600, kind: 'client-key' },
      { path: path.join(dir, 'ca.crt'), data: caPem, mode: 0o644, kind: 'ca-bundle' },
    );
    if (rt === 'containerd') {
      // Paths in hosts.toml are relative: containerd joins them to the host folder (makeAbsPath).
      // reg.name passed parseRegistryHost (no quotes or backslashes): rendered as `config containerd` does.
      const toml = renderTemplate(await readTemplate('containerd-hosts.toml'), { host: reg.name });
      files.push({ path: path.join(dir, 'hosts.toml'), data: toml, mode: 0o644, kind: 'config' });
    }
  }
  for (const dir of new Set(files.map((f) => path.dirname(f.path)))) warnings.push(...(await strayFileWarnings(dir)));
  if (runtimes.includes('docker') && opts.certsDir === undefined) warnings.push(...(await insecureRegistryWarnings(reg.name)));
  if (opts.certsDir === undefined) warnings.push(...(await shadowWarnings(reg.name, runtimes)));
  let written: WrittenFile[];
  try {
    written = await writeFiles(files, { force: opts.force ?? false, dryRun: opts.dryRun ?? false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw operationError(
        'NOT_WRITABLE',
        `cannot write under ${opts.certsDir ?? 'the runtime certs directory'}: ${(e as Error).message}`,
        'run with sudo, or pass --certs-dir (rootless Docker: ~/.config/docker/certs.d; rootless Podman: ~/.config/containers/certs.d)',
        { cause: e },
      );
    }
    throw e;
  }

  const next: string[] = [];
  if (runtimes.includes('docker')) next.push(`docker pull ${reg.name}/IMAGE   (Docker reads certs.d on every pull; no restart needed)`);
  if (runtimes.includes('podman')) next.push(`podman pull ${reg.name}/IMAGE`);
  if (runtimes.includes('containerd')) next.push(`ctr images pull --hosts-dir ${opts.certsDir ?? CERTS_DIRS.containerd} ${reg.name}/IMAGE   (CRI: set registry config_path)`);
  if (snippet !== undefined) next.push(opts.certsDir !== undefined ? 'merge buildkitd.toml into /etc/buildkit/buildkitd.toml and restart buildkitd' : 'copy client.cert, client.key and ca.crt to the paths in the snippet, merge it into buildkitd.toml, restart buildkitd');
  const identity = opts.bundle !== undefined ? `--bundle ${opts.bundle}` : `--cert ${opts.cert ?? 'CLIENT.crt'} --key ${opts.key ?? 'CLIENT.key'}`;
  next.push(`regcert verify https://${reg.name} ${identity}${opts.ca ? ` --ca ${opts.ca}` : ''}`);
  const result: InstallHostResult = {
    command: 'install-host',
    host: reg.name,
    runtimes,
    dryRun: opts.dryRun === true,
    files: written,
    certificate: summarizeCertificate(creds.leaf),
    chainLength: chain.length,
    caFrom,
    warnings,
    next,
  };
  if (snippet !== undefined) result.buildkitSnippet = snippet;
  return result;
}
