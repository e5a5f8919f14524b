/**
 * `regcert doctor [HOST[:PORT]]`: examines the installed certs.d folders and
 * the runtime configs that decide whether they are read, and reports each
 * problem with its fix; exit 1 when there is any. The runtime rules come
 * from src/runtimes (the same ones install-host uses).
 */
import os from 'node:os';
import path from 'node:path';
import { CERTS_DIRS, CONFIG_FILES, DOCKER_DAEMON_JSON } from '../core/defaults.js';
import { examineHostDir, unreadableProblem, type HostDirSnapshot, type Problem, type RootKind } from '../core/doctor.js';
import { inputError } from '../core/errors.js';
import { tryParseRegistryHost, type RegistryHost } from '../core/registry-host.js';
import { readCertsRoot, readInsecureRegistries, readOptionalText } from '../io/certs-d.js';
import { resolveAddresses } from '../net/resolve.js';
import { containerd } from '../runtimes/containerd.js';
import { docker } from '../runtimes/docker.js';
import { parseRuntimeName } from '../runtimes/index.js';
import { podman, podmanUserRoot } from '../runtimes/podman.js';
import type { RuntimeEnv, RuntimeFacts } from '../runtimes/types.js';
import type { CommandContext } from './context.js';

export interface DoctorOptions {
  host?: string | undefined;
  runtime?: string | undefined;
  certsDir?: string[] | undefined;
  daemonJson?: string | undefined;
  containerdConfig?: string | undefined;
  crl?: string | undefined;
}

export interface DoctorHost {
  kind: RootKind;
  name: string;
  path: string;
  problems: Problem[];
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

const KINDS: RootKind[] = ['docker', 'podman-user', 'podman', 'containerd'];

function defaultRoots(runtime: string | undefined, env: RuntimeEnv): Array<{ kind: RootKind; path: string }> {
  const all: Record<RootKind, string> = {
    docker: docker.roots(env)[0]!,
    'podman-user': podmanUserRoot(env),
    podman: CERTS_DIRS.podman,
    containerd: containerd.roots(env)[0]!,
  };
  // Podman reads its own folders first, then Docker's (containers/image).
  const kinds: RootKind[] =
    runtime === 'docker' ? ['docker'] : runtime === 'podman' ? ['podman-user', 'podman', 'docker'] : runtime === 'containerd' ? ['containerd'] : KINDS;
  return kinds.map((kind) => ({ kind, path: all[kind] }));
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
  const env: RuntimeEnv = { home: os.homedir(), xdgConfigHome: process.env.XDG_CONFIG_HOME, rootless: false, platform: process.platform };
  const roots = opts.certsDir?.length ? parseCertsDirs(opts.certsDir, opts.runtime) : defaultRoots(opts.runtime, env);

  const warnings: string[] = [];
  const general: Problem[] = [];
  const daemonJson = opts.daemonJson ?? DOCKER_DAEMON_JSON;
  const insecure = roots.some((r) => r.kind === 'docker') ? await readInsecureRegistries(daemonJson) : undefined;
  if (insecure?.error) warnings.push(insecure.error);

  const rootInfo: DoctorResult['roots'] = [];
  let dirs: HostDirSnapshot[] = [];
  for (const r of roots) {
    const found = await readCertsRoot(r.path, r.kind);
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
  const facts: RuntimeFacts = {
    env,
    hosts: [],
    dirs: [],
    insecureRegistries: insecure ? { file: daemonJson, entries: insecure.list } : undefined,
    addresses: await resolveAddresses(dockerHosts.map((x) => x.hp.bareHost)),
  };
  for (const { d, hp } of dockerHosts) attach(docker.check({ ...facts, hosts: [hp], dirs: [d] }));
  // containers/image: the first existing folder hides the others.
  attach(podman.check({ ...facts, dirs }));
  // containerd: the CRI plugin reads certs.d only with config_path. Checked for the default root, and always for an
  // explicit --containerd-config (against the containerd=ROOT given, else the default root).
  const ctrRoot = roots.find((r) => r.kind === 'containerd') ?? (opts.containerdConfig !== undefined ? { kind: 'containerd' as const, path: containerd.roots(env)[0]! } : undefined);
  if (ctrRoot && (opts.containerdConfig !== undefined || ctrRoot.path === containerd.roots(env)[0])) {
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

  if (filter && dirs.length === 0) {
    general.push({
      code: 'not-installed',
      path: filter.name,
      message: `no certs.d folder for ${filter.name} in ${roots.map((r) => r.path).join(', ')}`,
      fix: `run "regcert install-host ${filter.name} --cert CLIENT.crt --key CLIENT.key --ca ca.crt"`,
    });
  }
  const crl = opts.crl === undefined ? undefined : await (await import('./crl.js')).examineCrl(opts.crl, ctx.now); // the CRL rule: core/crl.ts
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
