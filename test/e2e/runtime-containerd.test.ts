/**
 * containerd 1.6 (Debian's package) as a real peer: a private daemon (own
 * config, root, state and sockets in the temp dir, CRI disabled, stopped by
 * PID) pulls and pushes through what `install-host --runtime containerd`
 * wrote, against docker-registry requiring client certificates.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { containerdConfig, privateMounts, requireRoot, startDaemon, stopAndCheckClean, systemFootprint, waitFor, type Daemon } from '../helpers/daemons.js';
import { requireBinary, type Server } from '../helpers/proc.js';
import { makeOciLayout, startDistribution } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-ctrd-');
const p = (...s: string[]) => path.join(dir, ...s);
const sock = p('c', 'c.sock');
let registry: { port: number; server: Server };
let daemon: Daemon;
let host: string;
const before = systemFootprint();

const ctr = (args: string[]) => run(requireBinary('ctr'), ['--address', sock, ...args], { timeoutMs: 90_000 });

const daemonConfig = (extra = '', cri = false) => containerdConfig(p('c'), extra, cri);

beforeAll(async () => {
  requireRoot('the containerd test');
  requireBinary('containerd');
  // Root CA for the registry; the client is issued by an intermediate (client.cert carries it).
  await cliOk(['init-ca', '--dir', p('root'), '--cn', 'Ctr Root']);
  await cliOk(['init-ca', '--intermediate', '--parent-dir', p('root'), '--dir', p('inter'), '--cn', 'Ctr Clients']);
  await cliOk(['issue', 'registry', '--server', '--san', '127.0.0.1', '--dir', p('root')]);
  await cliOk(['issue', 'alice', '--client', '--dir', p('inter')]);
  await cliOk(['init-ca', '--dir', p('other'), '--cn', 'Other CA']);
  await cliOk(['issue', 'mallory', '--client', '--dir', p('other')]);
  registry = await startDistribution(p('reg'), { cert: p('root', 'registry.crt'), key: p('root', 'registry.key'), clientCa: p('root', 'ca.crt') });
  host = `127.0.0.1:${registry.port}`;

  await cliOk(['install-host', host, '--runtime', 'containerd', '--certs-dir', p('certs.d'), '--cert', p('inter', 'alice.crt'), '--key', p('inter', 'alice.key'), '--ca', p('root', 'ca.crt')]);
  // Seed the registry with a tiny image of our own (skopeo reads the same folder's *.crt and client.cert/key).
  makeOciLayout(p('oci'));
  // skopeo as root writes a cache under /var/lib/containers: give it a private, throw-away /var/lib.
  const sk = privateMounts(
    [{ target: '/var/lib', mkdir: ['/var/lib/containers'] }],
    `exec '${requireBinary('skopeo')}' copy --command-timeout 60s --dest-cert-dir '${p('certs.d', host)}' 'oci:${p('oci')}:v1' 'docker://${host}/test/hello:v1'`,
  );
  await runOk(sk.cmd, sk.args, { timeoutMs: 90_000 });

  mkdirSync(p('c'), { recursive: true });
  writeFileSync(p('c', 'config.toml'), daemonConfig());
  daemon = startDaemon('containerd', ['--config', p('c', 'config.toml')]);
  await waitFor('containerd', async () => (await ctr(['version'])).code === 0);
}, 180_000);

afterAll(() => stopAndCheckClean(dir, before, [daemon, registry?.server]), 60_000);

describe('containerd with what install-host wrote', { timeout: 180_000 }, () => {
  it('ctr pulls and pushes with --hosts-dir (root CA, intermediate-issued client)', async () => {
    const pull = await ctr(['images', 'pull', '--snapshotter', 'native', '--hosts-dir', p('certs.d'), `${host}/test/hello:v1`]);
    expect(pull.code, pull.stderr).toBe(0);
    expect((await ctr(['images', 'tag', `${host}/test/hello:v1`, `${host}/test/copy:v2`])).code).toBe(0);
    const push = await ctr(['images', 'push', '--hosts-dir', p('certs.d'), `${host}/test/copy:v2`]);
    expect(push.code, push.stderr).toBe(0);
    expect(readdirSync(p('reg', 'storage', 'docker', 'registry', 'v2', 'repositories', 'test'))).toContain('copy');
  });

  it('without the client pair, and with a client from another CA, the registry refuses the handshake', async () => {
    // Only the CA and hosts.toml: no client certificate to present.
    mkdirSync(p('noclient', host), { recursive: true });
    writeFileSync(p('noclient', host, 'hosts.toml'), (await runCli(['config', 'containerd', '--host', host])).stdout.replace(/^.*client = .*$/gm, ''));
    await runOk('cp', [p('root', 'ca.crt'), p('noclient', host, 'ca.crt')]);
    const bare = await ctr(['images', 'pull', '--snapshotter', 'native', '--hosts-dir', p('noclient'), `${host}/test/hello:v1`]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/bad certificate|certificate required/);

    await cliOk(['install-host', host, '--runtime', 'containerd', '--certs-dir', p('other.d'), '--cert', p('other', 'mallory.crt'), '--key', p('other', 'mallory.key'), '--ca', p('root', 'ca.crt')]);
    const other = await ctr(['images', 'pull', '--snapshotter', 'native', '--hosts-dir', p('other.d'), `${host}/test/hello:v1`]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/bad certificate|certificate required/);
    expect(registry.server.output()).toMatch(/client didn't provide a certificate|unknown authority/);
  });

  it('containerd reads the config_path that "config containerd" prints and "install-host --config" merges', async () => {
    const printed = JSON.parse((await cliOk(['config', 'containerd', '--host', host, '--json'])).stdout) as { containerdConfigPath: { '1.x': string; '2.x': string } };
    expect(printed.containerdConfigPath['2.x']).toContain('[plugins."io.containerd.cri.v1.images".registry]');
    // containerd 1.6 with the CRI plugin enabled: `config dump` shows the merged configuration (no daemon start).
    writeFileSync(p('c', 'printed.toml'), daemonConfig(printed.containerdConfigPath['1.x'], true));
    const dump = await runOk(requireBinary('containerd'), ['--config', p('c', 'printed.toml'), 'config', 'dump']);
    const cri = (parseToml(dump.stdout) as { plugins: Record<string, { registry: { config_path: string } }> }).plugins['io.containerd.grpc.v1.cri']!;
    expect(cri.registry.config_path).toBe('/etc/containerd/certs.d');

    // doctor flags the missing config_path, install-host --config merges it, doctor is then quiet about it.
    writeFileSync(p('c', 'merged.toml'), daemonConfig('[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/usr/lib/cni"\n', true));
    const doctorArgs = ['doctor', '--certs-dir', `containerd=${p('certs.d')}`, '--containerd-config', p('c', 'merged.toml'), '--json'];
    const missing = await runCli(doctorArgs);
    expect(missing.code).toBe(1);
    expect(JSON.stringify(JSON.parse(missing.stdout).problems)).toContain('sets no registry config_path');
    await cliOk(['install-host', host, '--runtime', 'containerd', '--certs-dir', p('certs.d'), '--config', p('c', 'merged.toml'), '--cert', p('inter', 'alice.crt'), '--key', p('inter', 'alice.key'), '--ca', p('root', 'ca.crt')]);
    const merged = await runOk(requireBinary('containerd'), ['--config', p('c', 'merged.toml'), 'config', 'dump']);
    const plugins = (parseToml(merged.stdout) as { plugins: Record<string, { registry: { config_path: string }; cni: { bin_dir: string } }> }).plugins;
    expect(plugins['io.containerd.grpc.v1.cri']!.registry.config_path).toBe(p('certs.d'));
    expect(plugins['io.containerd.grpc.v1.cri']!.cni.bin_dir).toBe('/usr/lib/cni');
    const fixed = await runCli(doctorArgs);
    expect(fixed.stdout).not.toContain('config_path');
    expect(fixed.code, fixed.stdout).toBe(0);
  });
});
