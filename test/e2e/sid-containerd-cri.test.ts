/**
 * containerd 2.1 (Debian sid) and its CRI, as Kubernetes uses it: the test
 * sends runtime.v1.ImageService/PullImage over containerd's socket, as
 * kubelet does (test/helpers/cri.ts), through what `regcert install-host
 * --runtime containerd --config` wrote (hosts.toml and config_path), for
 * config versions 3 and 2. The registry is sid's docker-registry with
 * `clientcas`, on a TEST-NET address of the private network namespace.
 *
 * Also the rules regcert had wrong (issue 19, fixes 1 and 2), on the real
 * daemon: containerd refuses `mirrors` beside config_path (the CRI image
 * service is then gone), so install-host refuses that merge or migrates the
 * mirrors with --migrate-mirrors; `configs.*.auth` beside config_path is
 * fine, and doctor says nothing about it.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { criImageService } from '../helpers/cri.js';
import { waitFor, type Daemon } from '../helpers/daemons.js';
import { SID_IMAGE, sidTestFile, type SidNamespace } from '../helpers/sid.js';

const sid = sidTestFile('regcert-sid-ctrd-', 'the containerd 2.1 CRI test');
const p = sid.p;
const HOST = 'registry.test:5000';
const BARE = 'bare.test:5000';
const IMAGE = SID_IMAGE;
let ns: SidNamespace;
let registry: Daemon;
let containerdVersion: string;
const configFile = p('etc-containerd', 'config.toml');

/** A containerd config of the given version with every path under /mnt/NAME, native snapshots. */
function containerdConfig(version: 2 | 3, name: string, registryTables = ''): string {
  const m = (s: string) => ns.mnt(name, s);
  // Native snapshots (no overlayfs on the temp dir); 2.1's transfer service unpacks with its own list; the CNI
  // config folder (which the CRI creates) in the temp dir, not in the sid root.
  const snap =
    version === 3
      ? `[plugins.'io.containerd.cri.v1.images']\n  snapshotter = "native"\n\n[[plugins.'io.containerd.transfer.v1.local'.unpack_config]]\n  platform = "linux/amd64"\n  snapshotter = "native"\n\n[plugins.'io.containerd.cri.v1.runtime'.cni]\n  conf_dir = "${m('cni')}"\n\n`
      : `[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "native"\n\n[plugins."io.containerd.grpc.v1.cri".cni]\n  conf_dir = "${m('cni')}"\n\n`;
  return `version = ${version}\nroot = "${m('root')}"\nstate = "${m('state')}"\n\n[grpc]\n  address = "${m('c.sock')}"\n\n[ttrpc]\n  address = "${m('c.sock.ttrpc')}"\n\n[debug]\n  address = "${m('debug.sock')}"\n\n${snap}${registryTables}`;
}

/** Starts sid's containerd on /etc/containerd/config.toml; resolves when its socket answers (the CRI may still be down). */
async function startContainerd(name: string): Promise<{ daemon: Daemon; cri: ReturnType<typeof criImageService> }> {
  mkdirSync(p(name), { recursive: true });
  const daemon = ns.spawn(['containerd', '--config', '/etc/containerd/config.toml']);
  const socket = p(name, 'c.sock');
  await waitFor('containerd 2.1', async () => {
    if (daemon.child.exitCode !== null) throw new Error(`containerd exited:\n${daemon.output()}`);
    return (await ns.sid(['ctr', '--address', ns.mnt(name, 'c.sock'), 'version'], { timeoutMs: 10_000 })).code === 0;
  }, 30_000);
  return { daemon, cri: criImageService(socket) };
}

/** Starts containerd, runs one CRI exchange, stops it. */
async function withContainerd<T>(name: string, f: (cri: ReturnType<typeof criImageService>) => Promise<T>): Promise<T> {
  const { daemon, cri } = await startContainerd(name);
  try {
    return await f(cri);
  } finally {
    cri.close();
    await daemon.stop();
  }
}

const install = (args: string[]) =>
  ns.regcert(['install-host', ...args, '--runtime', 'containerd', '--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key'), '--ca', p('pki', 'ca.crt'), '--runtime-version', `containerd=${containerdVersion}`]);

beforeAll(async () => {
  ({ ns, registry } = sid);
  containerdVersion = /\s(\d+\.\d+\.\d+)/.exec(await ns.version(['containerd', '--version']))![1]!;
  console.log(`containerd ${containerdVersion} (Debian sid); ${await ns.version(['docker-registry', '--version'])}`);
}, 60_000);

describe('containerd 2.1 CRI PullImage through regcert\'s hosts.toml', { timeout: 180_000 }, () => {
  it('config version 3 (with configs.auth beside config_path): pulls with the pair; refused without it; doctor is silent on configs.auth', async () => {
    const auth = `\n[plugins.'io.containerd.cri.v1.images'.registry.configs.'other.example.com'.auth]\n  username = "u"\n  password = "p"\n`;
    writeFileSync(configFile, containerdConfig(3, 'c3', auth));
    const inst = await install([HOST, '--config', '/etc/containerd/config.toml']);
    expect(inst.code, inst.stderr).toBe(0);
    expect(readFileSync(configFile, 'utf8')).toContain('[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d"');
    // A folder for another name of the same registry, with the CA only: what a pull without the pair looks like.
    mkdirSync(p('etc-containerd', 'certs.d', BARE), { recursive: true });
    copyFileSync(p('pki', 'ca.crt'), p('etc-containerd', 'certs.d', BARE, 'ca.crt'));
    writeFileSync(p('etc-containerd', 'certs.d', BARE, 'hosts.toml'), `server = "https://${BARE}"\n[host."https://${BARE}"]\n  ca = "ca.crt"\n`);

    const { daemon, cri } = await startContainerd('c3');
    try {
      const pulled = await cri.pullImage(IMAGE);
      expect(pulled.ok, `${pulled.code}: ${pulled.message}\n${daemon.output().slice(-2000)}`).toBe(true);
      expect(pulled.value!.image_ref).toMatch(/^sha256:[0-9a-f]{64}$/);
      const listed = await cri.listImages();
      expect(listed.value!.images.flatMap((i) => i.repo_tags)).toContain(IMAGE);

      const refused = await cri.pullImage(`${BARE}/test/hello:v1`);
      expect(refused.ok).toBe(false);
      expect(refused.message).toMatch(/certificate required|bad certificate/);
      // The registry logs the refusal from its own goroutine: wait (bounded) for the line to reach its output.
      await waitFor("the registry's refusal in its log", () => registry.output().includes("client didn't provide a certificate"), 10_000);
    } finally {
      cri.close();
      await daemon.stop();
    }
    const doc = await ns.regcert(['doctor', HOST, '--runtime', 'containerd', '--containerd-config', '/etc/containerd/config.toml', '--runtime-version', `containerd=${containerdVersion}`]);
    expect(doc.code, doc.stdout + doc.stderr).toBe(0);
    expect(doc.stdout).not.toMatch(/configs/);
  });

  it('config version 2: pulls with the pair', async () => {
    writeFileSync(configFile, containerdConfig(2, 'c2'));
    const inst = await install([HOST, '--config', '/etc/containerd/config.toml', '--force']);
    expect(inst.code, inst.stderr).toBe(0);
    expect(readFileSync(configFile, 'utf8')).toContain('[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"');
    const pulled = await withContainerd('c2', (cri) => cri.pullImage(IMAGE));
    expect(pulled.ok, `${pulled.code}: ${pulled.message}`).toBe(true);
  });
});

describe('containerd 2.1 refuses mirrors beside config_path: install-host never writes that', { timeout: 180_000 }, () => {
  const mirrors = `\n[plugins.'io.containerd.cri.v1.images'.registry.mirrors.'docker.io']\n  endpoint = ["https://mirror.example.com"]\n`;

  it('the rule, on the daemon: with both, the CRI image service is gone (UNIMPLEMENTED), and doctor names mirrors', async () => {
    writeFileSync(configFile, containerdConfig(3, 'cm', `${mirrors}\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = "/etc/containerd/certs.d"\n`));
    const listed = await withContainerd('cm', (cri) => cri.listImages());
    expect(listed.ok).toBe(false);
    expect(`${listed.code} ${listed.message}`).toMatch(/UNIMPLEMENTED.*runtime\.v1\.ImageService/);
    const doc = await ns.regcert(['doctor', '--runtime', 'containerd', '--containerd-config', '/etc/containerd/config.toml', '--runtime-version', `containerd=${containerdVersion}`]);
    expect(doc.code).toBe(1);
    expect(doc.stdout).toMatch(/mirrors\."docker\.io": containerd \(1\.x and 2\.x\) refuses `mirrors` beside config_path/);
  });

  it('install-host --config refuses (exit 2, file unchanged); --migrate-mirrors moves them into hosts.toml and the CRI loads and pulls', async () => {
    const text = containerdConfig(3, 'cg', mirrors);
    writeFileSync(configFile, text);
    const refused = await install([HOST, '--config', '/etc/containerd/config.toml', '--force']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refuses `mirrors` beside config_path/);
    expect(refused.stderr).toMatch(/hint: pass --migrate-mirrors/);
    expect(readFileSync(configFile, 'utf8')).toBe(text);

    const migrated = await install([HOST, '--config', '/etc/containerd/config.toml', '--force', '--migrate-mirrors']);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(readFileSync(configFile, 'utf8')).not.toContain('mirror.example.com');
    expect(readFileSync(p('etc-containerd', 'certs.d', 'docker.io', 'hosts.toml'), 'utf8')).toContain('[host."https://mirror.example.com"]');
    const pulled = await withContainerd('cg', (cri) => cri.pullImage(IMAGE));
    expect(pulled.ok, `${pulled.code}: ${pulled.message}`).toBe(true);
  });
});
