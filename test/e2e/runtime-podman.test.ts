/**
 * podman 4.3 (Debian's package) as a real peer: it pulls through what
 * install-host wrote in the default /etc/containers/certs.d (inside a
 * private mount namespace, so the machine's /etc/containers is untouched)
 * and in $HOME/.config/containers/certs.d (--rootless). containers/image
 * uses only the first existing folder: a user folder hides /etc's, and
 * doctor reports it.
 */
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run } from '../helpers/cli.js';
import { privateMounts, requireRoot, stopAndCheckClean, systemFootprint } from '../helpers/daemons.js';
import { requireBinary, type Server } from '../helpers/proc.js';
import { makeOciLayout, startDistribution } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-podman-');
const p = (...s: string[]) => path.join(dir, ...s);
const before = systemFootprint();
let registry: { port: number; server: Server };
let host: string;

/** A shell script in a private mount namespace: the test's /etc/containers, a throw-away /var/lib, /run and /var/tmp. */
function inPrivateNs(script: string, home: string) {
  const { cmd, args } = privateMounts(
    [{ target: '/etc/containers', source: p('etc-containers') }, { target: '/var/lib', mkdir: ['/var/lib/containers'] }, { target: '/run' }, { target: '/var/tmp' }],
    script,
  );
  return run(cmd, args, { env: { HOME: home, XDG_CONFIG_HOME: undefined, XDG_RUNTIME_DIR: undefined }, timeoutMs: 120_000 });
}

const regcert = (args: string[]) => [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
const podmanPull = (tag: string) =>
  `'${requireBinary('podman')}' --root '${p(`proot-${tag}`)}' --runroot '${p(`prun-${tag}`)}' --tmpdir '${p('ptmp')}' --storage-driver vfs --events-backend none --cgroup-manager cgroupfs pull -q '${host}/test/hello:v1' && echo PULLED-${tag}`;

beforeAll(async () => {
  requireRoot('the podman test');
  requireBinary('podman');
  await cliOk(['init-ca', '--dir', p('pki'), '--cn', 'Podman Test CA']);
  await cliOk(['issue', 'registry', '--server', '--san', '127.0.0.1', '--dir', p('pki')]);
  await cliOk(['issue', 'alice', '--client', '--dir', p('pki')]);
  await cliOk(['init-ca', '--dir', p('other'), '--cn', 'Other CA']);
  await cliOk(['issue', 'mallory', '--client', '--dir', p('other')]);
  registry = await startDistribution(p('reg'), { cert: p('pki', 'registry.crt'), key: p('pki', 'registry.key'), clientCa: p('pki', 'ca.crt') });
  host = `127.0.0.1:${registry.port}`;
  // The machine's /etc/containers (policy.json, registries.conf), copied: the namespace binds the copy.
  cpSync('/etc/containers', p('etc-containers'), { recursive: true });
  for (const d of ['home-none', 'home', 'ptmp']) mkdirSync(p(d), { recursive: true });
  // Seed the registry (skopeo, same certs.d rules, with its own folder).
  await cliOk(['install-host', host, '--runtime', 'podman', '--certs-dir', p('seed.d'), '--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key'), '--ca', p('pki', 'ca.crt')]);
  makeOciLayout(p('oci'));
  const seed = await inPrivateNs(`exec '${requireBinary('skopeo')}' copy --command-timeout 60s --dest-cert-dir '${p('seed.d', host)}' 'oci:${p('oci')}:v1' 'docker://${host}/test/hello:v1'`, p('home-none'));
  expect(seed.code, seed.stderr).toBe(0);
}, 180_000);

afterAll(() => stopAndCheckClean(dir, before, [registry?.server]), 60_000);

describe('podman with what install-host wrote', { timeout: 180_000 }, () => {
  const creds = () => ['--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key'), '--ca', p('pki', 'ca.crt')];

  it('pulls with the default /etc/containers/certs.d', async () => {
    const r = await inPrivateNs(`${regcert(['install-host', host, '--runtime', 'podman', ...creds()])} >/dev/null\n${podmanPull('ETC')}`, p('home-none'));
    expect(r.stdout + r.stderr).toContain('PULLED-ETC');
    expect(r.code, r.stderr).toBe(0);
  });

  it('pulls with $HOME/.config/containers/certs.d (--rootless)', async () => {
    // A fresh /etc/containers copy without this host: only the user folder can serve.
    cpSync('/etc/containers', p('etc-containers-fresh'), { recursive: true });
    const { cmd, args } = privateMounts(
      [{ target: '/etc/containers', source: p('etc-containers-fresh') }, { target: '/var/lib', mkdir: ['/var/lib/containers'] }, { target: '/run' }, { target: '/var/tmp' }],
      `${regcert(['install-host', host, '--runtime', 'podman', '--rootless', ...creds()])} >/dev/null\nls /etc/containers/certs.d 2>/dev/null || true\n${podmanPull('HOME')}`,
    );
    const r = await run(cmd, args, { env: { HOME: p('home') }, timeoutMs: 120_000 });
    expect(r.stdout + r.stderr).toContain('PULLED-HOME');
    expect(r.stdout).not.toContain(host);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a different user folder hides /etc/containers/certs.d: podman fails, doctor reports the shadowing', async () => {
    // The user folder now holds a client from another CA; /etc/containers/certs.d still holds alice.
    await cliOk(['install-host', host, '--runtime', 'podman', '--rootless', '--force', '--cert', p('other', 'mallory.crt'), '--key', p('other', 'mallory.key'), '--ca', p('pki', 'ca.crt')], {
      env: { HOME: p('home') },
    });
    const r = await inPrivateNs(`${podmanPull('SHADOWED')} || echo PULL-FAILED\n${regcert(['doctor', host, '--runtime', 'podman', '--json'])} || true`, p('home'));
    expect(r.stdout).toContain('PULL-FAILED');
    const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { ok: boolean; hosts: Array<{ path: string; problems: Array<{ code: string; message: string }> }> };
    expect(json.ok).toBe(false);
    const user = json.hosts.find((x) => x.path === p('home', '.config', 'containers', 'certs.d', host))!;
    expect(user.problems.map((x) => x.code)).toContain('shadowed');
    expect(user.problems.find((x) => x.code === 'shadowed')!.message).toContain(`/etc/containers/certs.d/${host}`);
    // And install-host warns about it when it writes the /etc folder that the user folder hides.
    const warn = await inPrivateNs(`${regcert(['install-host', host, '--runtime', 'podman', '--dry-run', '--force', ...creds()])}`, p('home'));
    expect(warn.stderr).toMatch(/hides .*\/etc\/containers\/certs\.d/);
  });
});
