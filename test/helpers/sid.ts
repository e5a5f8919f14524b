/**
 * Today's runtimes as peers: the daemons of the Debian sid root that
 * scripts/sid-root.sh builds once per machine (/var/cache/regcert-sid),
 * run in private mount, PID and network namespaces.
 *
 * A "holder" (unshare --mount --pid --net --fork) sets the namespaces up
 * and then sleeps as their PID 1: the root bound onto itself, /proc of the
 * new PID namespace, /dev and /sys, tmpfs on the root's /run, /tmp, /root,
 * /opt, /var/lib, /var/tmp and /var/log (nothing is written into the cache:
 * sidRootChanges checks), the
 * test's temp dirs bound over the root's /etc/docker, /etc/containers,
 * /etc/containerd, /var/lib/{docker,containerd,containers} and /etc/hosts,
 * and the test's temp dir itself at the root's /mnt. The same temp dirs are
 * bound over the machine's /etc/docker, /etc/containers, /etc/containerd and
 * /etc/hosts inside the mount namespace, so regcert (run there with the
 * machine's node, not chrooted) writes exactly where the sid daemons read.
 * The network namespace has only `lo`, with 192.0.2.10 (TEST-NET-1, RFC
 * 5737) added: an address that is neither loopback range Docker 28 treats
 * as insecure and that exists nowhere else.
 *
 * Commands run as `nsenter --target PID1 --mount --pid --net -- chroot ROOT
 * env --chdir=/ …` (env --chdir, not nsenter --wd: that opens the directory
 * before entering and renames across it fail with EXDEV). Stopping the
 * holder ends every process of the PID namespace; the mounts vanish with it.
 * A missing root FAILS the test (setup.sh always builds it).
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { BIN, cliOk, run, type CliResult, type RunOptions } from './cli.js';
import { requireRoot, stopAndCheckClean, systemFootprint, waitFor } from './daemons.js';
import { requireBinary, spawnStoppable, type Server } from './proc.js';
import { makeOciLayout } from './registry.js';
import { tmpDir } from './tmp.js';

export const SID_ROOT = process.env.REGCERT_SID_ROOT ?? '/var/cache/regcert-sid';
/** Inside the sid root, the test's temp dir is here. */
export const SID_MNT = '/mnt';
/** The registry's address inside the private network namespace (TEST-NET-1). */
export const TEST_NET_ADDRESS = '192.0.2.10';

/**
 * What in the sid root is newer than its stamp (outside /proc, /tmp and
 * /root, which other users of the root may write): a test compares this
 * before and after, so a daemon that wrote into the cache is caught.
 */
export function sidRootChanges(): string[] {
  const out = execFileSync('find', [SID_ROOT, '-xdev', '-newer', path.join(SID_ROOT, '.regcert-packages'), '-not', '-path', `${SID_ROOT}/proc*`, '-not', '-path', `${SID_ROOT}/tmp*`, '-not', '-path', `${SID_ROOT}/root*`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).sort();
}

export function requireSidRoot(): string {
  if (!existsSync(path.join(SID_ROOT, '.regcert-packages'))) {
    throw new Error(`the Debian sid root is missing at ${SID_ROOT}: run "bash scripts/setup.sh" (scripts/sid-root.sh builds it once per machine)`);
  }
  return SID_ROOT;
}

/** The folders of the root that the test's temp dirs replace (name under dir → path in the root). */
const BINDS: Record<string, string> = {
  'etc-docker': '/etc/docker',
  'etc-containers': '/etc/containers',
  'etc-containerd': '/etc/containerd',
  'var-lib-docker': '/var/lib/docker',
  'var-lib-containerd': '/var/lib/containerd',
  'var-lib-containers': '/var/lib/containers',
};
/** Of those, the ones also bound over the machine's own path inside the mount namespace (for regcert). */
const HOST_BINDS = ['/etc/docker', '/etc/containers', '/etc/containerd'];

export interface SidNamespace {
  /** PID 1 of the private PID namespace (as this machine sees it). */
  pid: number;
  dir: string;
  /** The test's temp dir as seen inside the root. */
  mnt: (...s: string[]) => string;
  /** Runs a program of the sid root, chrooted, inside the namespaces; bounded; never throws on a non-zero exit. */
  sid: (argv: string[], opts?: RunOptions) => Promise<CliResult>;
  /** Runs the built regcert (this machine's node) inside the mount and network namespaces. */
  regcert: (args: string[], opts?: RunOptions) => Promise<CliResult>;
  /** Starts a long-running program of the sid root (a daemon); stop() ends it by PID, bounded. */
  spawn: (argv: string[], env?: Record<string, string>) => Server;
  /** The versions of the daemons, as their binaries print them. */
  version: (argv: string[]) => Promise<string>;
  stop: () => Promise<void>;
}

const ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'];

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Sets up the namespaces around dir (see the file comment); hosts: the private /etc/hosts. */
export async function startSidNamespace(dir: string, hosts: string): Promise<SidNamespace> {
  const root = requireSidRoot();
  for (const b of ['unshare', 'nsenter', 'ip', 'mount']) requireBinary(b);
  for (const name of Object.keys(BINDS)) mkdirSync(path.join(dir, name), { recursive: true });
  // containers/image needs its policy.json and registries.conf: the test's /etc/containers starts as a copy of the root's.
  cpSync(path.join(root, 'etc', 'containers'), path.join(dir, 'etc-containers'), { recursive: true });
  writeFileSync(path.join(dir, 'hosts'), hosts);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const r = (p: string) => q(path.join(root, p));
  const script = [
    'set -eu',
    `mount --bind ${q(root)} ${q(root)}`,
    `mount -t proc proc ${r('/proc')}`,
    `mount --rbind /dev ${r('/dev')}`,
    `mount --rbind /sys ${r('/sys')}`,
    ...['/run', '/tmp', '/root', '/opt', '/var/lib', '/var/tmp', '/var/log'].map((p) => `mount -t tmpfs tmpfs ${r(p)}`),
    ...Object.entries(BINDS).map(([name, p]) => `mkdir -p ${r(p)} && mount --bind ${q(path.join(dir, name))} ${r(p)}`),
    `mount --bind ${q(path.join(dir, 'hosts'))} ${r('/etc/hosts')}`,
    `mount --bind ${q(dir)} ${r(SID_MNT)}`,
    ...HOST_BINDS.map((p) => `if [ -d ${q(p)} ]; then mount --bind ${q(path.join(dir, Object.keys(BINDS).find((k) => BINDS[k] === p)!))} ${q(p)}; fi`),
    `mount --bind ${q(path.join(dir, 'hosts'))} /etc/hosts`,
    'ip link set lo up',
    `ip addr add ${TEST_NET_ADDRESS}/32 dev lo`,
    `touch ${q(path.join(dir, '.sid-ready'))}`,
    'exec sleep 100000',
  ].join('\n');
  const holder = spawnStoppable(requireBinary('unshare'), ['--mount', '--pid', '--net', '--fork', '--propagation', 'private', 'sh', '-c', script], { killAfterMs: 5_000 });
  let pid1 = 0;
  try {
    await waitFor(
      'the sid namespaces',
      () => {
        if (holder.child.exitCode !== null) throw new Error(`the sid namespace holder exited:\n${holder.output()}`);
        pid1 = childrenOf(holder.pid)[0] ?? 0;
        return pid1 > 0 && existsSync(path.join(dir, '.sid-ready'));
      },
      20_000,
    );
  } catch (e) {
    await holder.stop();
    throw e;
  }
  const enter = (chrooted: boolean, argv: string[]) => [
    '--target',
    String(pid1),
    '--mount',
    '--pid',
    '--net',
    '--',
    ...(chrooted ? ['chroot', root, 'env', '--chdir=/', '-i', ...ENV] : []),
    ...argv,
  ];
  const nsenter = requireBinary('nsenter');
  const sid = (argv: string[], opts: RunOptions = {}) => run(nsenter, enter(true, argv), { timeoutMs: 120_000, ...opts });
  const daemons: Server[] = [];
  const ns: SidNamespace = {
    pid: pid1,
    dir,
    mnt: (...s: string[]) => path.join(SID_MNT, ...s),
    sid,
    regcert: (args, opts = {}) => run(nsenter, enter(false, [process.execPath, BIN, ...args]), { timeoutMs: 60_000, ...opts }),
    spawn: (argv, env = {}) => {
      const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
      const s = spawnStoppable(nsenter, enter(true, [...envArgs, ...argv]), { killAfterMs: 10_000 });
      // nsenter forks into the PID namespace: signal the daemon itself (its child), then wait for nsenter.
      const stop = async () => {
        for (const c of childrenOf(s.pid)) {
          try {
            process.kill(c, 'SIGTERM');
          } catch {
            /* gone */
          }
        }
        await s.stop();
      };
      const server = { pid: s.pid, child: s.child, output: s.output, stop };
      daemons.push(server);
      return server;
    },
    version: async (argv) => {
      const v = await sid(argv, { timeoutMs: 30_000 });
      return `${v.stdout}${v.stderr}`.trim().split('\n')[0]!;
    },
    stop: async () => {
      for (const d of daemons.reverse()) await d.stop();
      // PID 1 of the namespace: every process left in it ends with it.
      try {
        process.kill(pid1, 'SIGKILL');
      } catch {
        /* gone */
      }
      await holder.stop();
    },
  };
  return ns;
}

/**
 * sid's CNCF distribution (docker-registry serve) inside the namespace on
 * address:port (default TEST_NET_ADDRESS), TLS with the given files (paths under the test's
 * dir) and `clientcas` (require and verify). Its log is server.output().
 */
export async function startSidRegistry(ns: SidNamespace, name: string, tls: { cert: string; key: string; clientCa: string }, port = 5000, address = TEST_NET_ADDRESS): Promise<Server> {
  const inside = (p: string) => ns.mnt(path.relative(ns.dir, p));
  mkdirSync(path.join(ns.dir, name, 'storage'), { recursive: true });
  writeFileSync(
    path.join(ns.dir, name, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: info }',
      `storage: { filesystem: { rootdirectory: ${ns.mnt(name, 'storage')} } }`,
      'http:',
      `  addr: "${address.includes(':') ? `[${address}]` : address}:${port}"`,
      '  secret: regcert-test-secret',
      '  tls:',
      `    certificate: ${inside(tls.cert)}`,
      `    key: ${inside(tls.key)}`,
      `    clientcas: [ ${inside(tls.clientCa)} ]`,
      '',
    ].join('\n'),
  );
  const server = ns.spawn(['docker-registry', 'serve', ns.mnt(name, 'config.yml')]);
  try {
    await waitFor('docker-registry in the sid namespace', () => {
      if (server.child.exitCode !== null) throw new Error(`docker-registry exited:\n${server.output()}`);
      return server.output().includes('listening on');
    }, 20_000);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

/** Pushes the OCI layout at `layout` (under the test's dir) to `ref` with sid's skopeo, presenting the files in certDir. */
export async function pushWithSkopeo(ns: SidNamespace, layout: string, ref: string, certDir: string): Promise<void> {
  const r = await ns.sid(['skopeo', 'copy', '--command-timeout', '60s', '--dest-cert-dir', ns.mnt(path.relative(ns.dir, certDir)), `oci:${ns.mnt(path.relative(ns.dir, layout))}:v1`, `docker://${ref}`]);
  if (r.code !== 0) throw new Error(`skopeo copy to ${ref} failed:\n${r.stderr}`);
}

/**
 * The usual set-up of a sid daemon test: a PKI in dir/pki (CA, a server
 * certificate for registry.test, bare.test and the given extra names, a
 * client "alice"), the namespaces with those names mapped in /etc/hosts,
 * sid's registry with clientcas on registry.test:5000, and the test image
 * pushed to REF (alice's pair, from dir/push).
 */
export async function sidRegistryFixture(dir: string, o: { extraHosts?: string; sans?: string[] } = {}): Promise<{ ns: SidNamespace; registry: Server; pki: (f: string) => string }> {
  const pki = (f: string) => path.join(dir, 'pki', f);
  await cliOk(['init-ca', '--dir', path.join(dir, 'pki'), '--cn', 'Sid Test CA']);
  const sans = ['registry.test', 'bare.test', TEST_NET_ADDRESS, ...(o.sans ?? [])].flatMap((s) => ['--san', s]);
  await cliOk(['issue', 'registry.test', '--server', ...sans, '--dir', path.join(dir, 'pki')]);
  await cliOk(['issue', 'alice', '--client', '--dir', path.join(dir, 'pki')]);
  const ns = await startSidNamespace(dir, `127.0.0.1 localhost\n${TEST_NET_ADDRESS} registry.test bare.test\n${o.extraHosts ?? ''}`);
  try {
    const registry = await startSidRegistry(ns, 'reg', { cert: pki('registry.test.crt'), key: pki('registry.test.key'), clientCa: pki('ca.crt') });
    mkdirSync(path.join(dir, 'push'));
    copyFileSync(pki('ca.crt'), path.join(dir, 'push', 'ca.crt'));
    copyFileSync(pki('alice.crt'), path.join(dir, 'push', 'client.cert'));
    copyFileSync(pki('alice.key'), path.join(dir, 'push', 'client.key'));
    await pushWithSkopeo(ns, makeOciLayout(path.join(dir, 'layout')), SID_IMAGE, path.join(dir, 'push'));
    return { ns, registry, pki };
  } catch (e) {
    await ns.stop();
    throw e;
  }
}

/** What sidTestFile sets up: filled in by its beforeAll, before the file's own. */
export interface SidTestFile {
  dir: string;
  /** A path in dir (the root's /mnt). */
  p: (...segments: string[]) => string;
  ns: SidNamespace;
  registry: Server;
}

/**
 * The life of a sid daemon test file, once for all of them: its temp dir;
 * before (this beforeAll runs before the file's own): root required and
 * sidRegistryFixture; after: the namespaces stopped, nothing written into
 * the sid root, and no process, mount or file left (stopAndCheckClean,
 * with the registry and what `more` returns). Call at the file's top level.
 */
export function sidTestFile(prefix: string, what: string, o: { extraHosts?: string; sans?: string[]; more?: () => Array<{ stop: () => Promise<void> } | undefined> } = {}): SidTestFile {
  const dir = tmpDir(prefix);
  const before = systemFootprint();
  const rootBefore = sidRootChanges();
  const t = { dir, p: (...s: string[]) => path.join(dir, ...s) } as SidTestFile;
  beforeAll(async () => {
    requireRoot(what);
    const { ns, registry } = await sidRegistryFixture(dir, { extraHosts: o.extraHosts, sans: o.sans });
    Object.assign(t, { ns, registry });
  }, 240_000);
  afterAll(async () => {
    await t.ns?.stop();
    expect(sidRootChanges(), 'files written into the sid root').toEqual(rootBefore);
    await stopAndCheckClean(dir, before, [t.registry, ...(o.more?.() ?? [])]);
  }, 60_000);
  return t;
}

/** The image sidRegistryFixture pushes. */
export const SID_IMAGE = 'registry.test:5000/test/hello:v1';
