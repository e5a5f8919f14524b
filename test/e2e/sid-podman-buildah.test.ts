/**
 * Rootful podman 5.8 and `buildah bud` (Debian sid) as real peers, in the
 * private namespaces of test/helpers/sid.ts: /etc/containers is the test's
 * own, so what `regcert install-host --runtime podman` writes at
 * /etc/containers/certs.d is what containers/image reads. Each pulls
 * through regcert's folder and is refused without the pair.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SID_IMAGE, sidTestFile, type SidNamespace } from '../helpers/sid.js';

const sid = sidTestFile('regcert-sid-podman-', 'the podman 5.8 test');
const p = sid.p;
const HOST = 'registry.test:5000';
const BARE = 'bare.test:5000';
let ns: SidNamespace;
let podmanVersion: string;

/** Storage flags: everything under /mnt/store, vfs (no overlay on the temp dir), no systemd. */
const storage = () => ['--root', ns.mnt('store', 'root'), '--runroot', ns.mnt('store', 'run'), '--storage-driver', 'vfs'];
const podman = (args: string[]) => ns.sid(['podman', ...storage(), '--tmpdir', ns.mnt('store', 'tmp'), '--events-backend', 'none', '--cgroup-manager', 'cgroupfs', ...args]);
const buildah = (args: string[]) => ns.sid(['buildah', ...storage(), ...args]);

beforeAll(async () => {
  ns = sid.ns;
  for (const d of ['root', 'run', 'tmp']) mkdirSync(p('store', d), { recursive: true });
  podmanVersion = /(\d+\.\d+\.\d+)/.exec(await ns.version(['podman', '--version']))![1]!;
  console.log(`podman ${podmanVersion}, ${await ns.version(['buildah', '--version'])} (Debian sid)`);
  // Another name of the same registry with the CA only: a pull without the pair.
  mkdirSync(p('etc-containers', 'certs.d', BARE), { recursive: true });
  copyFileSync(p('pki', 'ca.crt'), p('etc-containers', 'certs.d', BARE, 'ca.crt'));
}, 60_000);

describe('podman 5.8 rootful and buildah with what install-host wrote at /etc/containers/certs.d', { timeout: 180_000 }, () => {
  it('install-host --runtime podman writes the folder; doctor ok for this release', async () => {
    const inst = await ns.regcert(['install-host', HOST, '--runtime', 'podman', '--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key'), '--ca', p('pki', 'ca.crt'), '--runtime-version', `podman=${podmanVersion}`]);
    expect(inst.code, inst.stderr).toBe(0);
    expect(readdirSync(p('etc-containers', 'certs.d', HOST)).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
    const doc = await ns.regcert(['doctor', HOST, '--runtime', 'podman', '--runtime-version', `podman=${podmanVersion}`]);
    expect(doc.code, doc.stdout + doc.stderr).toBe(0);
  });

  it('podman pull through the folder; refused without the pair', async () => {
    const pull = await podman(['pull', SID_IMAGE]);
    expect(pull.code, pull.stderr).toBe(0);
    const bare = await podman(['pull', `${BARE}/test/hello:v1`]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/certificate required|bad certificate/);
  });

  it('buildah bud FROM the registry through the folder; refused without the pair', async () => {
    mkdirSync(p('ctx'));
    writeFileSync(p('ctx', 'Containerfile'), `FROM ${SID_IMAGE}\nLABEL built.by=regcert-test\n`);
    writeFileSync(p('ctx', 'Containerfile.bare'), `FROM ${BARE}/test/hello:v1\n`);
    const built = await buildah(['bud', '--pull-always', '-f', ns.mnt('ctx', 'Containerfile'), '-t', 'localhost/regcert-built:v1', ns.mnt('ctx')]);
    expect(built.code, built.stderr).toBe(0);
    const bare = await buildah(['bud', '--pull-always', '-f', ns.mnt('ctx', 'Containerfile.bare'), '-t', 'localhost/regcert-bare:v1', ns.mnt('ctx')]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/certificate required|bad certificate/);
  });
});
