/**
 * `regcert doctor [HOST[:PORT]]`: examines the installed certs.d folders and
 * reports each problem with its fix; exit 1 when there is any.
 */
import os from 'node:os';
import path from 'node:path';
import { CERTS_DIRS, CONTAINERS_USER_CERTS_DIR, DOCKER_DAEMON_JSON } from '../core/defaults.js';
import { examineHostDir, findShadowing, type HostDirSnapshot, type Problem, type RootKind } from '../core/doctor.js';
import { inputError } from '../core/errors.js';
import { tryParseRegistryHost } from '../core/registry-host.js';
import { readCertsRoot, readInsecureRegistries } from '../io/certs-d.js';
import type { CommandContext } from './context.js';

export interface DoctorOptions {
  host?: string | undefined;
  runtime?: string | undefined;
  certsDir?: string[] | undefined;
  daemonJson?: string | undefined;
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
  roots: Array<{ kind: RootKind; path: string; exists: boolean }>;
  hosts: DoctorHost[];
  problemCount: number;
  /** Problems not tied to one folder (e.g. HOST not installed anywhere). */
  problems: Problem[];
  warnings: string[];
}

const RUNTIMES = ['docker', 'podman', 'containerd'] as const;
const KINDS: RootKind[] = ['docker', 'podman-user', 'podman', 'containerd'];

function defaultRoots(runtime: string | undefined, home: string): Array<{ kind: RootKind; path: string }> {
  const all: Record<RootKind, string> = {
    docker: CERTS_DIRS.docker,
    'podman-user': path.join(home, CONTAINERS_USER_CERTS_DIR),
    podman: CERTS_DIRS.podman,
    containerd: CERTS_DIRS.containerd,
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
  if (opts.runtime !== undefined && !(RUNTIMES as readonly string[]).includes(opts.runtime)) {
    throw inputError('BAD_RUNTIME', `unknown runtime "${opts.runtime}"`, `use one of: ${RUNTIMES.join(', ')}`);
  }
  const filter = opts.host === undefined ? undefined : tryParseRegistryHost(opts.host);
  if (opts.host !== undefined && !filter) {
    throw inputError('BAD_HOST', `invalid HOST "${opts.host}"`, 'use a host name, an IPv4 address or a bracketed IPv6 address, optionally with :PORT');
  }
  const roots = opts.certsDir?.length ? parseCertsDirs(opts.certsDir, opts.runtime) : defaultRoots(opts.runtime, os.homedir());

  const warnings: string[] = [];
  const daemonJson = opts.daemonJson ?? DOCKER_DAEMON_JSON;
  const insecure = roots.some((r) => r.kind === 'docker') ? await readInsecureRegistries(daemonJson) : undefined;
  if (insecure?.error) warnings.push(insecure.error);

  const rootInfo: DoctorResult['roots'] = [];
  let dirs: HostDirSnapshot[] = [];
  for (const r of roots) {
    const found = await readCertsRoot(r.path, r.kind);
    rootInfo.push({ ...r, exists: found !== undefined });
    if (found) dirs.push(...found);
  }
  if (filter) {
    dirs = dirs.filter((d) => {
      if (d.name === filter.name) return true;
      const hp = tryParseRegistryHost(d.name);
      return filter.port === undefined && hp !== undefined && hp.bareHost === filter.bareHost;
    });
  }

  const hosts: DoctorHost[] = [];
  for (const d of dirs) {
    const problems = await examineHostDir(d, { now: ctx.now, insecureRegistries: insecure?.list ?? [], daemonJsonPath: daemonJson });
    hosts.push({ kind: d.kind, name: d.name, path: d.path, problems });
  }
  for (const p of findShadowing(dirs)) hosts.find((h) => h.path === p.path)?.problems.push(p);

  const general: Problem[] = [];
  if (filter && dirs.length === 0) {
    general.push({
      code: 'not-installed',
      path: filter.name,
      message: `no certs.d folder for ${filter.name} in ${roots.map((r) => r.path).join(', ')}`,
      fix: `run "regcert install-host ${filter.name} --cert CLIENT.crt --key CLIENT.key --ca ca.crt"`,
    });
  }
  const crl = opts.crl === undefined ? undefined : await (await import('./crl.js')).examineCrl(opts.crl, ctx.now); // the CRL rule: core/crl.ts
  if (crl) general.push(...crl.problems), warnings.push(...crl.warnings);
  const problemCount = general.length + hosts.reduce((n, h) => n + h.problems.length, 0);
  return {
    command: 'doctor',
    ok: problemCount === 0,
    ...(problemCount > 0 ? { exitCode: 1 } : {}),
    roots: rootInfo,
    hosts,
    problemCount,
    problems: general,
    warnings,
  };
}
