import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { issue, makePki, type Pki } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-install-');
let pki: Pki;
let alice: { crt: string; key: string };
let bob: { crt: string; key: string };
let server: { crt: string; key: string };

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

beforeAll(async () => {
  pki = await makePki(path.join(T, 'pki'), 'Install Test CA');
  alice = await issue(pki, 'alice', ['--client']);
  bob = await issue(pki, 'bob', ['--client']);
  server = await issue(pki, 'reg', ['--server', '--san', 'reg.example.com']);
});

describe('install-host docker layout', () => {
  it('writes client.cert, client.key (0600, unencrypted) and ca.crt, and is idempotent', async () => {
    const root = path.join(T, 'docker');
    const args = ['install-host', 'reg.example.com:5000', '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca];
    await cliOk(args);
    const dir = path.join(root, 'reg.example.com:5000');
    expect(readdirSync(dir).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
    expect(mode(path.join(dir, 'client.key'))).toBe('600');
    expect(mode(path.join(dir, 'client.cert'))).toBe('644');
    expect(readFileSync(path.join(dir, 'client.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(path.join(dir, 'ca.crt'), 'utf8')).toBe(readFileSync(pki.ca, 'utf8'));
    const before = readdirSync(dir).map((f) => statSync(path.join(dir, f)).mtimeMs);

    const again = await runCli([...args, '--json']);
    expect(again.code).toBe(0);
    const doc = JSON.parse(again.stdout);
    expect(doc.files.map((f: { status: string }) => f.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(readdirSync(dir).map((f) => statSync(path.join(dir, f)).mtimeMs)).toEqual(before);

    const other = await runCli(['install-host', 'reg.example.com:5000', '--certs-dir', root, '--cert', bob.crt, '--key', bob.key, '--ca', pki.ca]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/already exists/);
    expect(readFileSync(path.join(dir, 'client.cert'), 'utf8')).toBe(readFileSync(alice.crt, 'utf8'));
    expect(readdirSync(dir).map((f) => statSync(path.join(dir, f)).mtimeMs)).toEqual(before);

    await cliOk(['install-host', 'reg.example.com:5000', '--certs-dir', root, '--cert', bob.crt, '--key', bob.key, '--ca', pki.ca, '--force']);
    expect(readFileSync(path.join(dir, 'client.cert'), 'utf8')).toBe(readFileSync(bob.crt, 'utf8'));
  });

  it('decrypts an encrypted input key into a plain client.key', async () => {
    const pw = path.join(T, 'pw');
    (await import('node:fs')).writeFileSync(pw, 'sekrit\n');
    await cliOk(['issue', 'carol', '--client', '--dir', pki.dir, '--key-password-file', pw]);
    expect(readFileSync(path.join(pki.dir, 'carol.key'), 'utf8')).toMatch(/ENCRYPTED/);
    const root = path.join(T, 'enc');
    await cliOk(['install-host', 'reg.example.com', '--certs-dir', root, '--cert', path.join(pki.dir, 'carol.crt'), '--key', path.join(pki.dir, 'carol.key'), '--key-password-file', pw, '--ca', pki.ca]);
    const key = readFileSync(path.join(root, 'reg.example.com', 'client.key'), 'utf8');
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(key).not.toMatch(/ENCRYPTED/);
  });

  it('--dry-run writes nothing', async () => {
    const root = path.join(T, 'dry');
    const r = await runCli(['install-host', 'reg.example.com', '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files).toHaveLength(3);
    expect(existsSync(root)).toBe(false);
  });

  it('default roots per runtime (--dry-run, so nothing is written to /etc)', async () => {
    const r = await runCli(['install-host', 'dry.regcert.test:5000', '--runtime', 'docker', '--runtime', 'podman', '--runtime', 'containerd', '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const paths = JSON.parse(r.stdout).files.map((f: { path: string }) => f.path);
    expect(paths).toEqual([
      '/etc/docker/certs.d/dry.regcert.test:5000/client.cert',
      '/etc/docker/certs.d/dry.regcert.test:5000/client.key',
      '/etc/docker/certs.d/dry.regcert.test:5000/ca.crt',
      '/etc/containers/certs.d/dry.regcert.test:5000/client.cert',
      '/etc/containers/certs.d/dry.regcert.test:5000/client.key',
      '/etc/containers/certs.d/dry.regcert.test:5000/ca.crt',
      '/etc/containerd/certs.d/dry.regcert.test:5000/client.cert',
      '/etc/containerd/certs.d/dry.regcert.test:5000/client.key',
      '/etc/containerd/certs.d/dry.regcert.test:5000/ca.crt',
      '/etc/containerd/certs.d/dry.regcert.test:5000/hosts.toml',
    ]);
    for (const p of paths) expect(existsSync(p)).toBe(false);
  });

  it('--certs-dir with several runtimes is a usage error', async () => {
    const root = path.join(T, 'multi');
    const r = await runCli(['install-host', 'reg.example.com', '--runtime', 'docker', '--runtime', 'podman', '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/single --runtime/);
    expect(existsSync(root)).toBe(false);
  });

  it('warns about stray files that make Docker reject the folder', async () => {
    const root = path.join(T, 'stray');
    const dir = path.join(root, 'reg.example.com');
    (await import('node:fs')).mkdirSync(dir, { recursive: true });
    (await import('node:fs')).writeFileSync(path.join(dir, 'ca.key'), 'x');
    const r = await runCli(['install-host', 'reg.example.com', '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ca\.key has no matching \.cert/);
  });

  it('warns that host:443 is a different folder from host', async () => {
    const r = await runCli(['install-host', 'reg.example.com:443', '--certs-dir', path.join(T, 'p443'), '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/different certs\.d folders/);
    expect(existsSync(path.join(T, 'p443', 'reg.example.com:443', 'client.cert'))).toBe(true);
  });
});

describe('install-host refuses bad input with exit 2 and writes nothing', () => {
  for (const host of ['../../etc', 'a/b', '', 'host name', 'reg.example.com:0', 'reg.example.com:65536', '::1', 'a..b']) {
    it(`host ${JSON.stringify(host)}`, async () => {
      const root = path.join(T, `bad-${Buffer.from(host).toString('hex') || 'empty'}`);
      const r = await runCli(['install-host', host, '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^regcert: /);
      expect(existsSync(root)).toBe(false);
      expect(existsSync(path.join(T, 'etc'))).toBe(false);
    });
  }

  it('accepts IPv4 and bracketed IPv6 with ports', async () => {
    for (const host of ['10.0.0.5:5000', '[fd00::5]:5000', '[::1]']) {
      const root = path.join(T, 'ips');
      await cliOk(['install-host', host, '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca]);
      expect(existsSync(path.join(root, host, 'client.key'))).toBe(true);
    }
  });

  it('a key that does not match the certificate', async () => {
    const root = path.join(T, 'mismatch');
    const r = await runCli(['install-host', 'reg.example.com', '--certs-dir', root, '--cert', alice.crt, '--key', bob.key, '--ca', pki.ca]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not belong/);
    expect(existsSync(root)).toBe(false);
  });

  it('a certificate without clientAuth', async () => {
    const root = path.join(T, 'noclient');
    const r = await runCli(['install-host', 'reg.example.com', '--certs-dir', root, '--cert', server.crt, '--key', server.key, '--ca', pki.ca]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clientAuth/);
    expect(existsSync(root)).toBe(false);
  });

  it('--fetch-ca without --fingerprint or --yes and no TTY names the flags', async () => {
    const root = path.join(T, 'fetchnoyes');
    const r = await runCli(['install-host', '127.0.0.1:1', '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--fetch-ca']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fingerprint/);
    expect(r.stderr).toMatch(/--yes/);
    expect(existsSync(root)).toBe(false);
  });
});

describe('install-host containerd and buildkit', () => {
  it('containerd: hosts.toml parses as TOML and names files that exist with the right modes', async () => {
    const root = path.join(T, 'containerd');
    await cliOk(['install-host', 'reg.example.com:5000', '--runtime', 'containerd', '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca]);
    const dir = path.join(root, 'reg.example.com:5000');
    type Entry = { ca: string; client: string[][]; capabilities?: string[] };
    const toml = parseToml(readFileSync(path.join(dir, 'hosts.toml'), 'utf8')) as Entry & { server: string; host: Record<string, Entry> };
    expect(toml.server).toBe('https://reg.example.com:5000');
    const host = toml.host['https://reg.example.com:5000']!;
    expect(host.capabilities).toEqual(['pull', 'resolve', 'push']);
    for (const e of [toml, host]) {
      // containerd resolves relative paths against the host folder.
      const ca = path.resolve(dir, e.ca);
      const [cert, key] = e.client[0]!.map((p) => path.resolve(dir, p));
      expect(e.client).toHaveLength(1);
      expect(mode(ca)).toBe('644');
      expect(mode(cert!)).toBe('644');
      expect(mode(key!)).toBe('600');
      expect(readFileSync(cert!, 'utf8')).toBe(readFileSync(alice.crt, 'utf8'));
      expect(readFileSync(ca, 'utf8')).toBe(readFileSync(pki.ca, 'utf8'));
    }
  });

  it('buildkit: prints the buildkitd.toml entries, and writes them with --certs-dir', async () => {
    const printed = await cliOk(['install-host', 'reg.example.com', '--runtime', 'buildkit', '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca, '--json']);
    const doc = JSON.parse(printed.stdout);
    expect(doc.files).toEqual([]);
    const snippet = parseToml(doc.buildkitSnippet) as { registry: Record<string, { ca: string[]; keypair: { key: string; cert: string }[] }> };
    expect(snippet.registry['reg.example.com']!.ca).toEqual(['/etc/buildkit/certs.d/reg.example.com/ca.crt']);
    expect(snippet.registry['reg.example.com']!.keypair[0]!.cert).toBe('/etc/buildkit/certs.d/reg.example.com/client.cert');

    const root = path.join(T, 'buildkit');
    await cliOk(['install-host', 'reg.example.com', '--runtime', 'buildkit', '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca]);
    const written = parseToml(readFileSync(path.join(root, 'reg.example.com', 'buildkitd.toml'), 'utf8')) as typeof snippet;
    const kp = written.registry['reg.example.com']!.keypair[0]!;
    expect(mode(kp.key)).toBe('600');
    expect(existsSync(kp.cert)).toBe(true);
    expect(existsSync(written.registry['reg.example.com']!.ca[0]!)).toBe(true);
  });
});
