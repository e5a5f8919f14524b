/**
 * dockerd 28.5 (Debian sid) as a real peer, with the classic image store
 * and with the containerd image store, in private mount/PID/net namespaces
 * (test/helpers/sid.ts): /etc/docker is the test's own, so what regcert
 * writes at /etc/docker/certs.d is what dockerd reads.
 *
 * Docker 28 treats ::1/128 as insecure as well as 127.0.0.0/8 (moby
 * 6a1d8a98, first in v28.0.0) and then sends no client certificate, so the
 * good registry listens on a TEST-NET address that exists only in the
 * test's network namespace, reached as registry.test; a second one on ::1
 * shows the rule, and that install-host and doctor name it. The rule is
 * the classic image store's: with the containerd image store dockerd 28.5
 * sends the client certificate to ::1 too, and doctor says nothing.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Daemon } from '../helpers/daemons.js';
import { pushWithSkopeo, sidTestFile, startSidRegistry, type SidNamespace } from '../helpers/sid.js';

const sid = sidTestFile('regcert-sid-dockerd-', 'the dockerd 28 test', { extraHosts: '::1 loop6.test\n', sans: ['loop6.test', '::1'], more: () => [loop6Registry] });
const p = sid.p;
const HOST = 'registry.test:5000';
const BARE = 'bare.test:5000';
/** The ::1 registry, by a name the private /etc/hosts maps to ::1 (image references take no IPv6 literal). */
const LOOP6 = 'loop6.test:5001';
let ns: SidNamespace;
let loop6Registry: Daemon | undefined;
let dockerVersion: string;

const docker = (sock: string, args: string[]) => ns.sid(['docker', '-H', `unix://${ns.mnt(sock)}`, ...args], { timeoutMs: 120_000 });
const install = (host: string) =>
  ns.regcert(['install-host', host, '--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key'), '--ca', p('pki', 'ca.crt'), '--runtime-version', `docker=${dockerVersion}`]);

/** sid's dockerd with its state under /mnt/NAME; `extra` picks the image store. */
async function startDockerd(name: string, extra: string[]): Promise<Daemon> {
  for (const d of ['data', 'exec']) mkdirSync(p(name, d), { recursive: true });
  const m = (s: string) => ns.mnt(name, s);
  const daemon = ns.spawn([
    'dockerd',
    '--data-root', m('data'),
    '--exec-root', m('exec'),
    '--pidfile', m('exec/docker.pid'),
    '-H', `unix://${m('docker.sock')}`,
    '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--bridge=none',
    ...extra,
  ]);
  await waitFor('dockerd 28', async () => {
    if (daemon.child.exitCode !== null) throw new Error(`dockerd exited:\n${daemon.output().slice(-3000)}`);
    return (await docker(`${name}/docker.sock`, ['version'])).code === 0;
  }, 60_000);
  return daemon;
}

beforeAll(async () => {
  ns = sid.ns;
  dockerVersion = /version (\d+\.\d+\.\d+)/.exec(await ns.version(['dockerd', '--version']))![1]!;
  console.log(`dockerd ${dockerVersion} (Debian sid)`);
  loop6Registry = await startSidRegistry(ns, 'reg6', { cert: p('pki', 'registry.test.crt'), key: p('pki', 'registry.test.key'), clientCa: p('pki', 'ca.crt') }, 5001, '::1');
  await pushWithSkopeo(ns, p('layout'), `${LOOP6}/test/hello:v1`, p('push'));
  // Another name for the good registry with the CA only: a pull without the pair.
  mkdirSync(p('etc-docker', 'certs.d', BARE), { recursive: true });
  copyFileSync(p('pki', 'ca.crt'), p('etc-docker', 'certs.d', BARE, 'ca.crt'));
}, 240_000);

describe('dockerd 28.5 with what install-host wrote at /etc/docker/certs.d', { timeout: 240_000 }, () => {
  it('install-host for a registry reached by name: no warning, doctor ok', async () => {
    const inst = await install(HOST);
    expect(inst.code, inst.stderr).toBe(0);
    expect(inst.stderr).not.toMatch(/insecure/);
    expect(readdirSync(p('etc-docker', 'certs.d', HOST)).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
    const doc = await ns.regcert(['doctor', HOST, '--runtime', 'docker', '--runtime-version', `docker=${dockerVersion}`]);
    expect(doc.code, doc.stdout + doc.stderr).toBe(0);
  });

  it.each([
    ['[::1]:5001', '::1 is in ::1/128'],
    [LOOP6, 'loop6.test resolves to ::1, in ::1/128'],
  ])('%s: install-host warns and doctor flags it (Docker 28 sends no client certificate to ::1)', async (host, why) => {
    const v = dockerVersion.replace(/\./g, '\\.');
    const inst = await install(host);
    expect(inst.code, inst.stderr).toBe(0);
    expect(inst.stderr).toMatch(new RegExp(`${why.replace(/[.[\]]/g, '\\$&')}, which Docker ${v} always treats as an insecure registry.*sends no client certificate`));
    const doc = await ns.regcert(['doctor', host, '--runtime', 'docker', '--runtime-version', `docker=${dockerVersion}`, '--json']);
    expect(doc.code).toBe(1);
    const j = JSON.parse(doc.stdout) as { hosts: Array<{ problems: Array<{ code: string }> }> };
    expect(j.hosts[0]!.problems.map((x) => x.code)).toEqual(['insecure-registry']);
  });

  it('classic image store: pulls through the folder; refused without the pair and on ::1', async () => {
    const daemon = await startDockerd('classic', ['--storage-driver', 'vfs']);
    try {
      const info = await docker('classic/docker.sock', ['info', '--format', '{{json .RegistryConfig.InsecureRegistryCIDRs}} {{.Driver}}']);
      console.log(`dockerd ${dockerVersion}, classic image store: insecure CIDRs and driver ${info.stdout.trim()}`);
      expect(info.stdout).toContain('"::1/128"');
      await pulls('classic/docker.sock', { loop6: false });
    } finally {
      await daemon.stop();
    }
  });

  it('containerd image store (daemon.json features): pulls through the folder, also on ::1, where doctor is now silent; refused without the pair', async () => {
    writeFileSync(p('etc-docker', 'daemon.json'), '{ "features": { "containerd-snapshotter": true } }\n');
    const doc = await ns.regcert(['doctor', LOOP6, '--runtime', 'docker', '--runtime-version', `docker=${dockerVersion}`]);
    expect(doc.code, doc.stdout + doc.stderr).toBe(0);
    const daemon = await startDockerd('snap', []);
    try {
      const info = await docker('snap/docker.sock', ['info', '--format', '{{.Driver}}']);
      console.log(`dockerd ${dockerVersion}, containerd image store: driver ${info.stdout.trim()}`);
      await pulls('snap/docker.sock', { loop6: true });
    } finally {
      await daemon.stop();
    }
  });
});

/** The good folder pulls; the CA-only folder is refused in the handshake; ::1 pulls only when the store sends the certificate there. */
async function pulls(sock: string, o: { loop6: boolean }): Promise<void> {
  const pull = await docker(sock, ['pull', `${HOST}/test/hello:v1`]);
  expect(pull.code, pull.stderr).toBe(0);
  const good = sid.registry;
  const refusedBefore = good.output().split("client didn't provide a certificate").length;
  const bare = await docker(sock, ['pull', `${BARE}/test/hello:v1`]);
  expect(bare.code).not.toBe(0);
  // The registry logs the refusal from its own goroutine: wait (bounded) for the line to reach its output.
  await waitFor("the registry's refusal in its log", () => good.output().split("client didn't provide a certificate").length > refusedBefore, 10_000);
  const loop6 = loop6Registry!;
  const loopBefore = loop6.output().split("client didn't provide a certificate").length;
  const loop = await docker(sock, ['pull', `${LOOP6}/test/hello:v1`]);
  if (o.loop6) {
    expect(loop.code, loop.stderr).toBe(0);
  } else {
    expect(loop.code).not.toBe(0);
    await waitFor("the ::1 registry's refusal in its log", () => loop6.output().split("client didn't provide a certificate").length > loopBefore, 10_000);
  }
}
