/**
 * `regcert doctor [HOST[:PORT]]`: examines the installed certs.d folders and
 * the runtime configs that decide whether they are read, and reports each
 * problem with its fix; exit 1 when there is any. The runtime rules come
 * from src/runtimes (the same ones install-host uses).
 */
import path from 'node:path';
import { CONFIG_FILES, DOCKER_DAEMON_JSON } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import { tryParseRegistryHost, type RegistryHost } from '../core/registry-host.js';
import { readOptionalText } from '../io/certs-d.js';
import { containerd } from '../runtimes/containerd.js';
import { docker } from '../runtimes/docker.js';
import { installedVersions, machineEnv, machineFacts, readHostFolders } from '../runtimes/facts.js';
import { examineHostDir, unreadableProblem } from '../runtimes/host-folder.js';
import { parseRuntimeName } from '../runtimes/index.js';
import { podman, podmanLookup } from '../runtimes/podman.js';
import { presentedFiles, type Presented } from '../runtimes/presented.js';
import type { HostDirSnapshot, Problem, RootKind, RuntimeEnv } from '../runtimes/types.js';
import { parseCertificates } from '../core/certificates.js';
import { readInputFile } from '../io/read.js';
import { describeAlert, tlsGet } from '../net/tls-client.js';
import { parseRuntimeVersions, type RuntimeVersions } from '../runtimes/versions.js';
import type { CommandContext } from './context.js';

export interface DoctorOptions {
  host?: string | undefined;
  runtime?: string | undefined;
  certsDir?: string[] | undefined;
  daemonJson?: string | undefined;
  containerdConfig?: string | undefined;
  crl?: string | undefined;
  /** --runtime-version NAME=VERSION: judge the rules for this release instead of the installed one. */
  runtimeVersion?: string[] | undefined;
  /** --probe: a TLS handshake to each registry with exactly what its runtime would present. */
  probe?: boolean | undefined;
}

/** What the registry answered to the files a runtime would present (doctor --probe). */
export interface ProbeResult {
  url: string;
  /** Where the files come from and the client certificate's subject (null: none presented). */
  presented: { source: string; subject: string | null; issuer: string | null };
  ok: boolean;
  /** The registry's answer: "200 OK", "401 (wants a login as well)", the TLS alert… */
  answer: string;
  /** From MSR's /basic_info: the user the registry saw and how it logged them in. */
  user?: string | undefined;
  authnMethod?: string | undefined;
}

export interface DoctorHost {
  kind: RootKind;
  name: string;
  path: string;
  problems: Problem[];
  probe?: ProbeResult | undefined;
}

export interface DoctorResult {
  command: 'doctor';
  ok: boolean;
  exitCode?: number;
  /** The stderr summary line of a run with problems (not in --json). */
  failure?: string;
  roots: Array<{ kind: RootKind; path: string; exists: boolean }>;
  hosts: DoctorHost[];
  problemCount: number;
  /** Problems not tied to one folder (HOST not installed anywhere, containerd's config.toml, an unreadable root). */
  problems: Problem[];
  warnings: string[];
}

/** The kinds --certs-dir KIND=ROOT takes (Podman 6's drop-in folders are read at their own paths). */
const KINDS: RootKind[] = ['docker', 'podman-user', 'podman', 'containerd'];

function defaultRoots(runtime: string | undefined, env: RuntimeEnv, versions: RuntimeVersions): Array<{ kind: RootKind; path: string }> {
  const dockerRoot = { kind: 'docker' as const, path: docker.roots(env)[0]! };
  const containerdRoot = { kind: 'containerd' as const, path: containerd.roots(env)[0]! };
  // Podman reads its own folders first, then Docker's (containers/image), in its release's order.
  const podmanRoots = podmanLookup(env, versions.podman);
  if (runtime === 'docker') return [dockerRoot];
  if (runtime === 'podman') return podmanRoots;
  if (runtime === 'containerd') return [containerdRoot];
  return [dockerRoot, ...podmanRoots.filter((r) => r.kind !== 'docker'), containerdRoot];
}

/** --certs-dir ROOT (for --runtime, default docker) or --certs-dir KIND=ROOT, repeatable. */
function parseCertsDirs(values: string[], runtime: string | undefined): Array<{ kind: RootKind; path: string }> {
  return values.map((v) => {
    const m = /^([a-z-]+)=(.+)$/.exec(v);
    if (m) {
      if (!(KINDS as string[]).includes(m[1]!)) {
        throw inputError('BAD_CERTS_DIR', `unknown certs.d kind "${m[1]}" in --certs-dir ${v}`, `use ${KINDS.join('=ROOT, ')}=ROOT, or a plain ROOT`);
      }
      return { kind: m[1] as RootKind, path: m[2]! };
    }
    return { kind: (runtime ?? 'docker') as RootKind, path: v };
  });
}

export async function doctor(opts: DoctorOptions, ctx: CommandContext): Promise<DoctorResult> {
  if (opts.runtime !== undefined) parseRuntimeName(opts.runtime, ['docker', 'podman', 'containerd']);
  const filter = opts.host === undefined ? undefined : tryParseRegistryHost(opts.host);
  if (opts.host !== undefined && !filter) {
    throw inputError('BAD_HOST', `invalid HOST "${opts.host}"`, 'use a host name, an IPv4 address or a bracketed IPv6 address, optionally with :PORT');
  }
  const given = parseRuntimeVersions(opts.runtimeVersion);
  const certsDirs = opts.certsDir?.length ? parseCertsDirs(opts.certsDir, opts.runtime) : undefined;
  const env = machineEnv(false);
  // Each release is read only when a rule needs it (a daemon answers --version in a few hundred ms): Podman's for its roots first.
  const podmanRoots = opts.runtime === undefined || opts.runtime === 'podman';
  let versions = podmanRoots ? await installedVersions(['podman'], given) : given;
  const roots = certsDirs ?? defaultRoots(opts.runtime, env, versions);

  const warnings: string[] = [];
  const general: Problem[] = [];
  const daemonJson = opts.daemonJson ?? DOCKER_DAEMON_JSON;

  const rootInfo: DoctorResult['roots'] = [];
  let dirs: HostDirSnapshot[] = [];
  for (const r of roots) {
    const found = await readHostFolders(r.path, r.kind);
    rootInfo.push({ ...r, exists: found.exists });
    if (found.unreadable !== undefined) general.push(unreadableProblem(r.path, found.unreadable));
    dirs.push(...found.dirs);
  }
  if (filter) {
    dirs = dirs.filter((d) => {
      if (d.name === filter.name) return true;
      const hp = tryParseRegistryHost(d.name);
      return filter.port === undefined && hp !== undefined && hp.bareHost === filter.bareHost;
    });
  }

  const hosts: DoctorHost[] = [];
  for (const d of dirs) hosts.push({ kind: d.kind, name: d.name, path: d.path, problems: await examineHostDir(d, { now: ctx.now }) });
  // A problem about a folder, or a file in it, belongs to that folder (so its header is never [ok]).
  const attach = (ps: Problem[]) => {
    for (const p of ps) (hosts.find((h) => p.path === h.path || p.path.startsWith(`${h.path}${path.sep}`))?.problems ?? general).push(p);
  };

  // Docker: a registry it deems insecure gets no client certificate (src/runtimes/docker.ts).
  const dockerDirs = dirs.filter((d) => d.kind === 'docker');
  const dockerHosts = dockerDirs.map((d) => ({ d, hp: tryParseRegistryHost(d.name) })).filter((x): x is { d: HostDirSnapshot; hp: RegistryHost } => x.hp !== undefined);
  const ctrRoot = roots.find((r) => r.kind === 'containerd') ?? (opts.containerdConfig !== undefined ? { kind: 'containerd' as const, path: containerd.roots(env)[0]! } : undefined);
  const ctrConfigChecked = ctrRoot !== undefined && (opts.containerdConfig !== undefined || ctrRoot.path === containerd.roots(env)[0]);
  versions = await installedVersions([...(dockerHosts.length > 0 ? (['docker'] as const) : []), ...(ctrConfigChecked ? (['containerd'] as const) : [])], versions);
  const read = await machineFacts({
    env,
    hosts: dockerHosts.map((x) => x.hp),
    dirs,
    daemonJson: roots.some((r) => r.kind === 'docker') ? daemonJson : undefined,
    versions,
  });
  const facts = read.facts;
  warnings.push(...read.warnings);
  for (const { d, hp } of dockerHosts) attach(docker.check({ ...facts, hosts: [hp], dirs: [d] }));
  // containers/image: the first existing folder hides the others.
  attach(podman.check(facts));
  // containerd: the CRI plugin reads certs.d only with config_path. Checked for the default root, and always for an
  // explicit --containerd-config (against the containerd=ROOT given, else the default root).
  if (ctrRoot && ctrConfigChecked) {
    const file = opts.containerdConfig ?? CONFIG_FILES.containerd;
    const text = await readOptionalText(file);
    if (text === undefined) {
      if (opts.containerdConfig !== undefined) throw inputError('NOT_FOUND', `containerd config not found at ${file}`, 'check the path given to --containerd-config');
      if (rootInfo.find((r) => r.kind === 'containerd')?.exists) {
        attach(containerd.check({ ...facts, certsRoot: ctrRoot.path, config: { file, text: '', missing: true } }));
      }
    } else if ('unreadable' in text) {
      general.push(unreadableProblem(file, text.unreadable));
    } else {
      attach(containerd.check({ ...facts, certsRoot: ctrRoot.path, config: { file, text: text.text } }));
    }
  }

  if (opts.probe) {
    for (const h of hosts) {
      const d = dirs.find((x) => x.path === h.path);
      const hp = tryParseRegistryHost(h.name);
      if (!d || !hp || d.unreadable !== undefined) continue;
      const skips = h.kind === 'docker' ? h.problems.find((p) => p.code === 'insecure-registry') : undefined;
      h.probe = await probeRegistry(hp, presentedFiles(d, { dockerSkips: skips !== undefined }), skips?.message);
      if (!h.probe.ok) {
        h.problems.push({ code: 'probe-refused', path: h.path, message: `probe of ${h.probe.url}: ${h.probe.answer}`, fix: probeFix(h.probe, skips !== undefined) });
      }
    }
  }

  if (filter && dirs.length === 0) {
    general.push({
      code: 'not-installed',
      path: filter.name,
      message: `no certs.d folder for ${filter.name} in ${roots.map((r) => r.path).join(', ')}`,
      fix: `run "regcert install-host ${filter.name} --cert CLIENT.crt --key CLIENT.key --ca ca.crt"`,
    });
  }
  const crl = opts.crl === undefined ? undefined : await (await import('../io/crl.js')).examineCrl(opts.crl, ctx.now, { readHint: 'check the path given to --crl' }); // the CRL rule: core/crl.ts
  if (crl) {
    general.push(...crl.problems);
    warnings.push(...crl.warnings);
  }
  const problemCount = general.length + hosts.reduce((n, h) => n + h.problems.length, 0);
  const bad = hosts.filter((h) => h.problems.length).length;
  return {
    command: 'doctor',
    ok: problemCount === 0,
    ...(problemCount > 0 ? { exitCode: 1, failure: `${problemCount} problem(s) found by doctor (${bad} of ${hosts.length} folder(s)${general.length ? `, ${general.length} not tied to a folder` : ''})` } : {}),
    roots: rootInfo,
    hosts,
    problemCount,
    problems: general,
    warnings,
  };
}

/** How long one probe handshake (and request) may take. */
const PROBE_TIMEOUT_MS = 10_000;

/** A TLS handshake to HOST with exactly the presented files: /v2/, then MSR's /basic_info for the user it saw. */
async function probeRegistry(host: RegistryHost, files: Presented, skipRule: string | undefined): Promise<ProbeResult> {
  const url = new URL(`https://${host.name}/v2/`);
  const read = async (f: string) => Buffer.from(await readInputFile(f, 'file', undefined, 'certificate')).toString('utf8');
  let ca: string | undefined;
  let cert: string | undefined;
  let key: string | undefined;
  let subject: string | null = null;
  let issuer: string | null = null;
  try {
    if (files.ca.length > 0) ca = (await Promise.all(files.ca.map(read))).join('\n');
    if (files.client) {
      cert = await read(files.client.cert);
      key = files.client.key === undefined ? cert : await read(files.client.key);
      const leaf = parseCertificates(new TextEncoder().encode(cert))[0];
      subject = leaf?.subject ?? null;
      issuer = leaf?.issuer ?? null;
    }
  } catch (e) {
    return { url: url.href, presented: { source: files.source, subject, issuer }, ok: false, answer: `the runtime could not load its files: ${(e as Error).message}` };
  }
  const presented = { source: files.source, subject, issuer };
  // Docker skips the server check, too, for a registry it deems insecure.
  const opts = { ca, cert, key, insecure: skipRule !== undefined, timeoutMs: PROBE_TIMEOUT_MS };
  try {
    const r = await tlsGet({ url, ...opts });
    const base: ProbeResult = {
      url: url.href,
      presented,
      ok: r.status === 200 || r.status === 401,
      answer: r.status === 200 ? '200: the registry accepted the handshake and the request' : r.status === 401 ? '401: the handshake was accepted; the registry asks for a login as well (docker login)' : `${r.status}: an unexpected answer to GET /v2/`,
    };
    try {
      const info = await tlsGet({ url: new URL(`https://${host.name}/basic_info`), ...opts });
      if (info.status === 200) {
        const j = JSON.parse(info.body.toString('utf8')) as { User?: { name?: unknown }; AuthnMethod?: unknown };
        if (typeof j.User?.name === 'string') base.user = j.User.name;
        if (typeof j.AuthnMethod === 'string') base.authnMethod = j.AuthnMethod;
      }
    } catch {
      /* not MSR: /v2/ said it all */
    }
    return base;
  } catch (e) {
    const cause = (e as { details?: { cause?: string; alert?: string } }).details?.cause;
    const msg = (e as Error).message;
    let answer = msg;
    if (cause === 'CLIENT_CERT_REFUSED') {
      answer = skipRule
        ? `the registry refused the handshake (${describeAlert(msg)}): the runtime presented no client certificate, because ${skipRule.split(': Docker')[0]}`
        : !subject
          ? `the registry refused the handshake (${describeAlert(msg)}): the folder has no client certificate/key pair to present`
          : `the registry refused the handshake for the client certificate ${subject} (issued by ${issuer}): the registry sent ${describeAlert(msg)}: it trusts another client CA (clientcas), or the certificate is expired or lacks clientAuth`;
    } else if (cause === 'UNTRUSTED_SERVER') {
      answer = `the runtime would refuse the registry: its server certificate does not chain to the CA files the runtime reads for it (${files.ca.map((f) => f.split('/').pop()).join(', ') || 'the system roots'}): wrong CA`;
    }
    return { url: url.href, presented, ok: false, answer };
  }
}

function probeFix(p: ProbeResult, dockerSkips: boolean): string {
  if (dockerSkips) return 'see the insecure-registry fix above: reach the registry by a name Docker does not deem insecure';
  if (!p.presented.subject) return 'install a client certificate and key (regcert install-host HOST --cert … --key …)';
  if (p.answer.includes('wrong CA')) return 'install the CA that issued the registry\'s server certificate as ca.crt (regcert fetch-ca https://HOST shows it)';
  return 'install a client certificate issued by the CA the registry trusts (regcert issue NAME --client), then install-host … --force';
}
