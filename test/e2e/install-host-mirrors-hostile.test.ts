/**
 * `install-host --runtime containerd --config F [--migrate-mirrors]` against
 * configs containerd's CRI would refuse, bad options and files in the way:
 * every refusal is exit 2 with nothing written (the config byte for byte,
 * no host folder); the migration writes hosts.toml files and the config
 * together. (The daemon side — containerd 2.1 refusing mirrors beside
 * config_path, and loading the migrated config — is in
 * sid-containerd-cri.test.ts.)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { issue, makePki, type Pki } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-mirrors-hostile-');
let pki: Pki;
let alice: { crt: string; key: string };
const HOST = 'reg.example.com:5000';
const MIRRORS =
  '# keep this comment\nversion = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://mirror.example.com"]\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."quay.io"]\n  endpoint = ["https://q.example.com"]\n';

let n = 0;
function setup(config: string): { dir: string; root: string; cfg: string } {
  const dir = path.join(T, String(n++));
  mkdirSync(dir, { recursive: true });
  const cfg = path.join(dir, 'config.toml');
  writeFileSync(cfg, config);
  return { dir, root: path.join(dir, 'certs.d'), cfg };
}
const install = (root: string, cfg: string, extra: string[]) =>
  runCli(['install-host', HOST, '--runtime', 'containerd', '--certs-dir', root, '--config', cfg, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca, '--runtime-version', 'containerd=2.1.9', ...extra]);

beforeAll(async () => {
  pki = await makePki(path.join(T, 'pki'), 'Mirrors CA');
  alice = await issue(pki, 'alice', ['--client']);
}, 60_000);

describe('install-host --config on containerd configs the CRI would refuse', { timeout: 60_000 }, () => {
  it('mirrors without consent: exit 2, config unchanged, nothing written', async () => {
    const { root, cfg } = setup(MIRRORS);
    const r = await install(root, cfg, []);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mirrors\."docker\.io", .*mirrors\."quay\.io": containerd \(1\.x and 2\.x\) refuses `mirrors` beside config_path/);
    expect(readFileSync(cfg, 'utf8')).toBe(MIRRORS);
    expect(existsSync(root)).toBe(false);
  });

  it('configs.tls with containerd 1.6: exit 2, unchanged; with 2.1 it is merged', async () => {
    const tls = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.configs."r".tls]\n  ca_file = "/x.crt"\n';
    const a = setup(tls);
    const r = await runCli(['install-host', HOST, '--runtime', 'containerd', '--certs-dir', a.root, '--config', a.cfg, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca, '--runtime-version', 'containerd=1.6.20']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/containerd 1\.6\.20 refuses `configs\.tls` beside config_path/);
    expect(readFileSync(a.cfg, 'utf8')).toBe(tls);
    expect(existsSync(a.root)).toBe(false);
    const b = setup(tls);
    expect((await install(b.root, b.cfg, [])).code).toBe(0);
  });

  it.each([
    ['--migrate-mirrors without --config', ['install-host', HOST, '--runtime', 'containerd', '--migrate-mirrors']],
    ['--migrate-mirrors for docker', ['install-host', HOST, '--runtime', 'docker', '--config', '/nonexistent', '--migrate-mirrors']],
    ['a bad --runtime-version', ['install-host', HOST, '--runtime', 'containerd', '--runtime-version', 'containerd=latest']],
    ['an unknown runtime in --runtime-version', ['install-host', HOST, '--runtime-version', 'cri-o=1.30']],
  ])('%s: exit 2 before anything is read or written', async (_n, args) => {
    const r = await runCli([...args, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca, '--certs-dir', path.join(T, 'never')]);
    expect(r.code, r.stderr).toBe(2);
    expect(existsSync(path.join(T, 'never'))).toBe(false);
  });

  it('a mirror for the installed host itself: exit 2, nothing written', async () => {
    const own = `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."${HOST}"]\n  endpoint = ["https://elsewhere.example.com"]\n`;
    const { root, cfg } = setup(own);
    const r = await install(root, cfg, ['--migrate-mirrors']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has a registry mirrors entry for reg\.example\.com:5000 itself/);
    expect(readFileSync(cfg, 'utf8')).toBe(own);
    expect(existsSync(root)).toBe(false);
  });

  it('an existing hosts.toml where a mirror would go: refused without --force, config unchanged', async () => {
    const { root, cfg } = setup(MIRRORS);
    mkdirSync(path.join(root, 'docker.io'), { recursive: true });
    writeFileSync(path.join(root, 'docker.io', 'hosts.toml'), 'server = "https://registry-1.docker.io"\n');
    const r = await install(root, cfg, ['--migrate-mirrors']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/docker\.io\/hosts\.toml already exists/);
    expect(readFileSync(cfg, 'utf8')).toBe(MIRRORS);
    expect(readFileSync(path.join(root, 'docker.io', 'hosts.toml'), 'utf8')).toBe('server = "https://registry-1.docker.io"\n');
    expect(existsSync(path.join(root, HOST))).toBe(false);
  });

  it('with consent: hosts.toml per mirror, the config keeps everything else and gains config_path; a second run changes nothing', async () => {
    const { root, cfg } = setup(MIRRORS);
    const r = await install(root, cfg, ['--migrate-mirrors']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(cfg, 'utf8');
    expect(text).toContain('# keep this comment');
    const doc = parseToml(text) as { plugins: Record<string, { registry: Record<string, unknown> }> };
    expect(doc.plugins['io.containerd.grpc.v1.cri']!.registry).toEqual({ config_path: path.resolve(root) });
    expect(parseToml(readFileSync(path.join(root, 'quay.io', 'hosts.toml'), 'utf8'))).toEqual({ server: 'https://quay.io', host: { 'https://q.example.com': { capabilities: ['pull', 'resolve'] } } });
    expect(existsSync(path.join(root, HOST, 'hosts.toml'))).toBe(true);
    const again = await install(root, cfg, ['--force']);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(cfg, 'utf8')).toBe(text);
  });
});
