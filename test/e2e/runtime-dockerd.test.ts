/**
 * dockerd 20.10 (Debian's docker.io) as a real peer, in a private mount
 * namespace: /etc/docker, /etc/hosts and /run come from the temp dir, so
 * /etc/docker/certs.d (dockerd's fixed root) is the test's own; its own
 * data-root, exec-root and socket; no iptables, no bridge, vfs storage.
 * regcert runs inside the same namespace (nsenter) and writes its default path.
 *
 * The registry is reached by a name ("registry.test", mapped to ::1 in the
 * private /etc/hosts), because Docker sends no client certificate to a
 * registry in 127.0.0.0/8 — the second test shows that, and that
 * install-host and doctor say so.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runOk } from '../helpers/cli.js';
import { inNamespace, privateMounts, requireRoot, startDaemon, stopAndCheckClean, systemFootprint, waitFor, type Daemon } from '../helpers/daemons.js';
import { requireBinary, type Server } from '../helpers/proc.js';
import { startDistribution } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-dockerd-');
const p = (...s: string[]) => path.join(dir, ...s);
const sock = p('docker.sock');
const before = systemFootprint();
let daemon: Daemon;
let byName: { port: number; server: Server };
let loopback: { port: number; server: Server };

const docker = (args: string[]) => run(requireBinary('docker'), ['-H', `unix://${sock}`, ...args], { env: { DOCKER_CONFIG: p('docker-cli') }, timeoutMs: 90_000 });
/** regcert inside dockerd's mount namespace: /etc/docker there is the test's. */
const regcert = (args: string[]) => inNamespace(daemon.pid, process.execPath, [BIN, ...args], { timeoutMs: 60_000 });

beforeAll(async () => {
  requireRoot('the dockerd test');
  for (const b of ['dockerd', 'docker', 'nsenter', 'unshare', 'tar']) requireBinary(b);
  await cliOk(['init-ca', '--dir', p('pki'), '--cn', 'Dockerd Test CA']);
  await cliOk(['issue', 'registry.test', '--server', '--san', 'registry.test', '--san', '::1', '--san', '127.0.0.1', '--dir', p('pki')]);
  await cliOk(['issue', 'alice', '--client', '--dir', p('pki')]);
  const tls = { cert: p('pki', 'registry.test.crt'), key: p('pki', 'registry.test.key'), clientCa: p('pki', 'ca.crt') };
  byName = await startDistribution(p('reg6'), tls, '::1');
  loopback = await startDistribution(p('reg4'), tls, '127.0.0.1');

  mkdirSync(p('etc-docker'));
  writeFileSync(p('hosts'), '127.0.0.1 localhost\n::1 registry.test\n');
  for (const d of ['data', 'exec', 'docker-cli', 'img']) mkdirSync(p(d));
  const { cmd, args } = privateMounts(
    [{ target: '/etc/docker', source: p('etc-docker') }, { target: '/etc/hosts', source: p('hosts') }, { target: '/run' }],
    [
      `exec '${requireBinary('dockerd')}' --data-root '${p('data')}' --exec-root '${p('exec')}' --pidfile '${p('exec', 'docker.pid')}'`,
      `-H 'unix://${sock}' --storage-driver vfs --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none`,
    ].join(' '),
  );
  daemon = startDaemon(cmd, args);
  await waitFor('dockerd', async () => (await docker(['version'])).code === 0, 60_000);
  // A tiny image of our own: one file, imported from a tar (no network registry exists here).
  writeFileSync(p('img', 'hello.txt'), 'hello from regcert\n');
  await runOk('tar', ['-C', p('img'), '-cf', p('hello.tar'), 'hello.txt']);
  await runOk(requireBinary('docker'), ['-H', `unix://${sock}`, 'import', p('hello.tar'), 'regcert-test/hello:v1'], { env: { DOCKER_CONFIG: p('docker-cli') } });
}, 180_000);

afterAll(() => stopAndCheckClean(dir, before, [daemon, byName?.server, loopback?.server]), 60_000);

describe('dockerd with what install-host wrote at /etc/docker/certs.d', { timeout: 180_000 }, () => {
  it('pushes and pulls through a registry reached by name; doctor finds nothing wrong', async () => {
    const host = `registry.test:${byName.port}`;
    const inst = await regcert(['install-host', host, '--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key'), '--ca', p('pki', 'ca.crt')]);
    expect(inst.code, inst.stderr).toBe(0);
    expect(inst.stderr).not.toContain('127.0.0.0/8');
    expect(readdirSync(p('etc-docker', 'certs.d', host)).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);

    expect((await docker(['tag', 'regcert-test/hello:v1', `${host}/test/hello:v1`])).code).toBe(0);
    const push = await docker(['push', `${host}/test/hello:v1`]);
    expect(push.code, push.stderr).toBe(0);
    expect((await docker(['rmi', `${host}/test/hello:v1`])).code).toBe(0);
    const pull = await docker(['pull', `${host}/test/hello:v1`]);
    expect(pull.code, pull.stderr).toBe(0);

    const doc = await regcert(['doctor', host, '--runtime', 'docker']);
    expect(doc.code, doc.stdout + doc.stderr).toBe(0);
  });

  it('sends no client certificate to 127.0.0.1, and install-host and doctor say so', async () => {
    const host = `127.0.0.1:${loopback.port}`;
    const inst = await regcert(['install-host', host, '--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key'), '--ca', p('pki', 'ca.crt')]);
    expect(inst.code, inst.stderr).toBe(0);
    expect(inst.stderr).toMatch(/127\.0\.0\.1 is in 127\.0\.0\.0\/8, which Docker 20\.10[^ ]* always treats as an insecure registry.*sends no client certificate/);
    expect(inst.stderr).toMatch(/host name that does not resolve to 127\.0\.0\.0\/8/);

    expect((await docker(['tag', 'regcert-test/hello:v1', `${host}/test/hello:v1`])).code).toBe(0);
    const push = await docker(['push', `${host}/test/hello:v1`]);
    expect(push.code).not.toBe(0);
    expect(loopback.server.output()).toContain("client didn't provide a certificate");

    const doc = await regcert(['doctor', host, '--runtime', 'docker', '--json']);
    expect(doc.code).toBe(1);
    const j = JSON.parse(doc.stdout) as { hosts: Array<{ problems: Array<{ code: string; message: string }> }> };
    expect(j.hosts[0]!.problems.map((x) => x.code)).toEqual(['insecure-registry']);
    const human = await regcert(['doctor', host, '--runtime', 'docker']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('Docker (classic image store) reads no certs.d for');
    expect(human.stderr.trim().split('\n').pop()).toMatch(/^regcert: 1 problem\(s\) found by doctor/);
  });
});
