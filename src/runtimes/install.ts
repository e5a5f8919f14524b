/**
 * Laying out a client certificate, its key and the registry CA where a
 * container runtime reads them: the install step of `regcert install-host`,
 * and of `renew --install` and `quickstart`, which run it for the pair they
 * just made.
 *
 * docker / podman (containers/image): ROOT/HOST[:PORT]/{client.cert, client.key, ca.crt}.
 *   moby's ReadCertsDirectory treats *.crt as CA roots and pairs each X.cert
 *   with X.key (a lone .cert or .key makes the whole folder fail), so no other
 *   .crt/.cert/.key files (never a CA key) may go there.
 * containerd: the same three files plus hosts.toml naming them.
 * buildkit: does not read certs.d; buildkitd.toml [registry."HOST"] ca + keypair.
 */
import path from 'node:path';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { DOCKER_DAEMON_JSON } from '../core/defaults.js';
import { inputError, operationError } from '../core/errors.js';
import { parseRegistryHost } from '../core/registry-host.js';
import { timeoutMs } from '../core/time.js';
import type { CredentialOptions } from '../io/credentials.js';
import { readClientIdentity, registryCaSource } from '../io/client-identity.js';
import { readOptionalText } from '../io/certs-d.js';
import { refuseExisting, writeFiles, type PlannedFile, type WrittenFile } from '../io/files.js';
import { fetchTrustedCa, parseFingerprint, type TrustContext } from '../net/fetch-ca.js';
import { strayFileWarnings } from './certs-d.js';
import { parseRuntimeName, RUNTIMES, type RuntimeEnv, type RuntimeName, type RuntimePlan } from './index.js';
import { installedVersions, machineEnv, machineFacts, readHostFolder } from './facts.js';
import { podmanLookup } from './podman.js';
import { parseRuntimeVersions, VERSIONED_RUNTIMES, type RuntimeVersions } from './versions.js';
import type { SecretContext } from '../io/secrets.js';
import type { HostDirSnapshot, RootKind } from './types.js';

export interface InstallHostOptions extends CredentialOptions {
  host: string;
  ca?: string | undefined;
  fetchCa?: boolean | undefined;
  fingerprint?: string | undefined;
  yes?: boolean | undefined;
  allowExtra?: boolean | undefined;
  runtime?: string[] | undefined;
  certsDir?: string | undefined;
  /** Merge this runtime's entry into this config file (buildkitd.toml, registries.yaml, containerd config.toml). */
  config?: string | undefined;
  rootless?: boolean | undefined;
  /** Docker's daemon.json, for insecure-registries (default /etc/docker/daemon.json). */
  daemonJson?: string | undefined;
  dryRun?: boolean | undefined;
  force?: boolean | undefined;
  timeout?: number | undefined;
  /** --runtime-version NAME=VERSION: judge the rules for this release instead of the installed one. */
  runtimeVersion?: string[] | undefined;
  /** --migrate-mirrors: with --config on a containerd config with registry.mirrors, move them into hosts.toml files. */
  migrateMirrors?: boolean | undefined;
}

/** What the install step asks of its caller besides the options: secrets, the TOFU question, the clock (a command's context is one). */
export interface InstallContext extends SecretContext, Omit<TrustContext, 'interactive'> {
  now?: Date | undefined;
}

export interface InstallHostResult {
  command: 'install-host';
  host: string;
  runtimes: RuntimeName[];
  dryRun: boolean;
  files: WrittenFile[];
  /** buildkitd.toml entries to merge (buildkit only). */
  buildkitSnippet?: string;
  /** Config entries for a daemon's main config file, per runtime: printed, or merged with --config. */
  configs: Array<{ runtime: RuntimeName; file: string; language: 'toml' | 'yaml'; snippet: string; merged: boolean }>;
  certificate: CertificateSummary;
  chainLength: number;
  caFrom: string;
  warnings: string[];
  next: string[];
}

/** What the folder we are about to write will hold, as doctor would read it (for the shadowing rule). */
function plannedSnapshot(plan: RuntimePlan, kind: RootKind): HostDirSnapshot {
  const enc = new TextEncoder();
  return {
    root: path.dirname(plan.dir),
    kind,
    name: path.basename(plan.dir),
    path: plan.dir,
    files: plan.files.map((f) => ({ name: path.basename(f.path), mode: f.mode, data: typeof f.data === 'string' ? enc.encode(f.data) : f.data })),
    existing: [],
  };
}

export async function installHost(opts: InstallHostOptions, ctx: InstallContext): Promise<InstallHostResult> {
  const reg = parseRegistryHost(opts.host);
  const runtimes = [...new Set(opts.runtime && opts.runtime.length ? opts.runtime : ['docker'])].map((r) => parseRuntimeName(r));
  if (opts.certsDir !== undefined && runtimes.length > 1) {
    throw inputError('CERTS_DIR_WITH_RUNTIMES', '--certs-dir works with a single --runtime', 'run install-host once per runtime, each with its --certs-dir');
  }
  const givenVersions = parseRuntimeVersions(opts.runtimeVersion);
  if (opts.migrateMirrors === true && (opts.config === undefined || runtimes.join() !== 'containerd')) {
    throw inputError('MIGRATE_WITHOUT_CONFIG', '--migrate-mirrors works with --runtime containerd --config FILE', 'pass the containerd config.toml to merge into with --config');
  }
  if (opts.config !== undefined && runtimes.length > 1) throw inputError('CONFIG_WITH_RUNTIMES', '--config works with a single --runtime', 'run install-host once per runtime');
  const warnings: string[] = [];
  // --ca, --fetch-ca, or a client bundle's ca.pem (no --client here: quickstart and renew --install pass --ca).
  const registryCa = registryCaSource(opts, {
    fetch: async () => {
      const fetched = await fetchTrustedCa(`https://${reg.name}/ca`, opts, timeoutMs(opts.timeout), ctx);
      for (const d of fetched.dropped) warnings.push(`dropped from ${fetched.url}: "${d.subject}" (sha256 ${d.sha256}): ${d.reason}`);
      return { pem: fetched.pem, from: fetched.url };
    },
  });
  if (opts.fingerprint !== undefined) {
    if (!opts.fetchCa) throw inputError('FINGERPRINT_WITHOUT_FETCH', '--fingerprint only applies to --fetch-ca', 'drop --fingerprint, or use --fetch-ca instead of --ca');
    parseFingerprint(opts.fingerprint);
  }
  if (reg.port === 443) {
    warnings.push(`"${reg.name}" and "${reg.host}" are different certs.d folders: runtimes use ${reg.name} only for images written as ${reg.name}/..., and ${reg.host} for ${reg.host}/...`);
  }

  const { creds, chain, clientCert, clientKey } = await readClientIdentity(opts, ctx);

  const { pem: caPem, from: caFrom } = await registryCa.read({ creds, chain }, warnings, ctx.now);

  const env = machineEnv(opts.rootless === true);
  const versions = await installedVersions(VERSIONED_RUNTIMES.filter((r) => runtimes.includes(r) || (r === 'podman' && runtimes.includes('docker'))), givenVersions);
  const material = { clientCert, clientKey, caPem };
  const plans: RuntimePlan[] = [];
  for (const rt of runtimes) plans.push(await RUNTIMES[rt].plan(reg, material, { env, root: opts.certsDir }));

  const files: PlannedFile[] = [];
  const configFiles: PlannedFile[] = [];
  const configs: InstallHostResult['configs'] = [];
  /** hosts.toml files --migrate-mirrors adds (in folders of their own: checked before anything is created). */
  const migrated: string[] = [];
  for (const plan of plans) {
    if (opts.config !== undefined && !plan.config) {
      throw inputError('CONFIG_NOT_USED', `--runtime ${plan.runtime} has no config file to merge into`, '--config is for buildkit (buildkitd.toml), k3s/rke2 (registries.yaml) and containerd (config.toml)');
    }
    const configOnly = plan.filesOnlyWithConfig === true && opts.certsDir === undefined && opts.config === undefined;
    if (!configOnly) files.push(...plan.files);
    if (!plan.config) continue;
    if (opts.config !== undefined) {
      // Asked for: merge this host's entry into the daemon's config file, keeping everything else.
      const current = await readOptionalText(opts.config);
      if (current !== undefined && 'unreadable' in current) throw operationError('NOT_READABLE', `cannot read ${opts.config} (${current.unreadable})`, 'run with sudo, or check its permissions');
      const mergeCtx = { versions, migrateMirrors: opts.migrateMirrors === true };
      const merged = plan.config.merge(current?.text, opts.config, mergeCtx);
      for (const f of merged.moved ?? []) {
        if (files.some((g) => g.path === f.path)) {
          throw inputError('CONFIG_CONFLICT', `${opts.config} has a registry mirrors entry for ${reg.name} itself`, `move that mirror into ${f.path} by hand (regcert writes its own hosts.toml there), then run install-host again`);
        }
        files.push(f);
        migrated.push(f.path);
      }
      // The file keeps its mode; a new one gets its runtime entry's (a registries.yaml: 0600).
      const mode = current?.mode ?? plan.config.newFileMode;
      configFiles.push({ path: opts.config, data: merged.text, mode, kind: 'config' });
      configs.push({ runtime: plan.runtime, file: opts.config, language: plan.config.language, snippet: plan.config.snippet, merged: true });
    } else {
      if (plan.filesOnlyWithConfig && opts.certsDir !== undefined) {
        // The entry beside the files it names (buildkitd.toml), to merge by hand.
        files.push({ path: path.join(plan.dir, path.basename(plan.config.file)), data: plan.config.snippet, mode: 0o644, kind: 'config' });
      }
      // Never edit a daemon's main config silently: print the entry and say where it goes.
      configs.push({ runtime: plan.runtime, file: plan.config.file, language: plan.config.language, snippet: plan.config.snippet, merged: false });
    }
  }

  for (const dir of new Set(files.filter((f) => f.kind !== 'config').map((f) => path.dirname(f.path)))) {
    const snap = await readHostFolder(path.dirname(dir), 'docker', path.basename(dir));
    if (snap) warnings.push(...strayFileWarnings(dir, snap.files.map((f) => f.name)));
  }
  warnings.push(...(await runtimeWarnings(reg, runtimes, plans, env, versions, { shadowing: opts.certsDir === undefined, daemonJson: opts.daemonJson ?? DOCKER_DAEMON_JSON })));

  if (!opts.dryRun) await refuseExisting(migrated, opts.force, 'move that hosts.toml aside, or pass --force to replace it with the migrated mirror');
  let written: WrittenFile[];
  try {
    written = await writeFiles(files, { force: opts.force ?? false, dryRun: opts.dryRun ?? false });
    // The merged config replaces the file it was merged from (atomically): that is what --config asks for.
    if (configFiles.length) written.push(...(await writeFiles(configFiles, { force: true, dryRun: opts.dryRun ?? false })));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw operationError(
        'NOT_WRITABLE',
        `cannot write under ${opts.certsDir ?? 'the runtime certs directory'}: ${(e as Error).message}`,
        'run with sudo, or pass --rootless (your own runtime), or --certs-dir ROOT',
        { cause: e },
      );
    }
    throw e;
  }

  const next: string[] = [];
  for (const plan of plans) next.push(...plan.next);
  for (const c of configs) if (!c.merged) next.push(`add the ${c.runtime} entry below to ${c.file} (or pass --config ${c.file} to merge it)`);
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
    configs,
    warnings,
    next,
  };
  const bk = configs.find((c) => c.runtime === 'buildkit');
  if (bk) result.buildkitSnippet = bk.snippet;
  return result;
}

/**
 * The runtime rules that decide whether what we write is used at all
 * (Docker's insecure registries, a containers/image folder earlier in the
 * lookup order): each runtime's check(), the same one doctor calls, here as
 * warnings.
 */
async function runtimeWarnings(
  reg: ReturnType<typeof parseRegistryHost>,
  runtimes: RuntimeName[],
  plans: RuntimePlan[],
  env: RuntimeEnv,
  versions: RuntimeVersions,
  o: { shadowing: boolean; daemonJson: string },
): Promise<string[]> {
  // containers/image looks a host up in its own folders, then Docker's: a planned folder in one of them joins that lookup.
  const lookup = podmanLookup(env, versions.podman);
  const dirs: HostDirSnapshot[] = [];
  if (o.shadowing && plans.some((p) => lookup.some((r) => r.path === path.dirname(p.dir)))) {
    for (const { kind, path: root } of lookup) {
      const planned = plans.find((p) => p.dir === path.join(root, reg.name));
      const snap = planned ? plannedSnapshot(planned, kind) : await readHostFolder(root, kind, reg.name);
      if (snap) dirs.push(snap);
    }
  }
  // daemon.json is the rootful Docker Engine's; Docker Desktop keeps its own settings.
  const { facts, warnings } = await machineFacts({ env, hosts: [reg], dirs, daemonJson: runtimes.includes('docker') ? o.daemonJson : undefined, versions });
  const out = [...warnings];
  const checked = new Set<RuntimeName>(runtimes);
  if (dirs.length > 0) checked.add('podman');
  for (const r of checked) for (const p of RUNTIMES[r].check(facts)) out.push(`${p.message}; fix: ${p.fix}`);
  return [...new Set(out)];
}
