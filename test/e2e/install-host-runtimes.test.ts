/**
 * install-host for the runtimes that read a config file (k3s/RKE2
 * registries.yaml, buildkitd.toml) or a per-user folder (content trust),
 * and the insecure-registries rule shared with doctor.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BIN, cliOk, run, runCli } from '../helpers/cli.js';
import { privateMounts, requireRoot } from '../helpers/daemons.js';
import { issue, makePki, type Pki } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-rt-');
const p = (...s: string[]) => path.join(T, ...s);
let pki: Pki;
let alice: { crt: string; key: string };
const creds = () => ['--cert', alice.crt, '--key', alice.key, '--ca', pki.ca];

beforeAll(async () => {
  pki = await makePki(p('pki'), 'Runtimes Test CA');
  alice = await issue(pki, 'alice', ['--client']);
});

describe('k3s / RKE2 registries.yaml', () => {
  const existing = [
    '# Managed by the platform team: keep this comment',
    'mirrors:',
    '  docker.io:',
    '    endpoint:',
    '      - "https://mirror.example.com:5000"',
    'configs:',
    '  # the old registry',
    '  "old.example.com":',
    '    auth:',
    '      username: bob   # trailing comment',
    '      password: s3cret',
    '',
  ].join('\n');

  it.each(['k3s', 'rke2'])('%s: merges configs."HOST".tls into a file that holds another host, byte for byte elsewhere, idempotent', async (rt) => {
    const file = p(`${rt}-registries.yaml`);
    writeFileSync(file, existing, { mode: 0o600 }); // it holds a password: the merge must not widen it
    const root = p(`${rt}-certs.d`);
    const args = ['install-host', 'reg.example.com:5000', '--runtime', rt, '--certs-dir', root, '--config', file, ...creds()];
    const r = await cliOk([...args, '--json']);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(existing)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = parseYaml(text) as { mirrors: unknown; configs: Record<string, { tls?: Record<string, string>; auth?: Record<string, string> }> };
    const dir = path.join(root, 'reg.example.com:5000');
    expect(doc.configs['reg.example.com:5000']!.tls).toEqual({ cert_file: path.join(dir, 'client.cert'), key_file: path.join(dir, 'client.key'), ca_file: path.join(dir, 'ca.crt') });
    expect(doc.configs['old.example.com']!.auth).toEqual({ username: 'bob', password: 's3cret' });
    expect(readdirSync(dir).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
    expect(statSync(path.join(dir, 'client.key')).mode & 0o777).toBe(0o600);
    expect((JSON.parse(r.stdout) as { configs: Array<{ merged: boolean }> }).configs[0]!.merged).toBe(true);
    // Idempotent: a second run changes nothing.
    const again = JSON.parse((await cliOk([...args, '--json'])).stdout) as { files: Array<{ status: string }> };
    expect(again.files.map((f) => f.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('without --config the config file is not touched: the entry is printed and the output says so', async () => {
    const r = await cliOk(['install-host', 'reg.example.com:5000', '--runtime', 'k3s', '--certs-dir', p('k3s-print'), ...creds()]);
    expect(r.stdout).toMatch(/\/etc\/rancher\/k3s\/registries\.yaml \(not edited; merge by hand or pass --config/);
    expect(r.stdout).toContain('cert_file:');
    expect(existsSync('/etc/rancher/k3s/registries.yaml')).toBe(false);
  });

  it('refuses a registries.yaml that is not YAML, and writes nothing', async () => {
    writeFileSync(p('bad.yaml'), 'configs: [unclosed\n');
    const r = await runCli(['install-host', 'reg.example.com', '--runtime', 'k3s', '--certs-dir', p('bad-root'), '--config', p('bad.yaml'), ...creds()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: .*bad\.yaml is not valid YAML/);
    expect(existsSync(p('bad-root'))).toBe(false);
  });

  it('refuses a containerd config.toml whose version containerd does not know, by name (exit 2), and writes nothing', async () => {
    writeFileSync(p('v9.toml'), 'version = 9\n');
    const r = await runCli(['install-host', 'reg.example.com', '--runtime', 'containerd', '--certs-dir', p('v9-root'), '--config', p('v9.toml'), ...creds()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: .*v9\.toml has a "version" containerd does not know \(1, 2 or 3\)/);
    expect(r.stderr).not.toContain('internal error');
    expect(existsSync(p('v9-root'))).toBe(false);
  });
});

describe('buildkitd.toml', () => {
  const existing = '# buildkitd for CI\ndebug = true\n\n[worker.oci]\n  enabled = true\n  gc = true\n\n# the mirror\n[registry."docker.io"]\n  mirrors = ["mirror.example.com"]\n';
  it('merges [registry."HOST"] into a file that holds another registry, byte for byte elsewhere, idempotent', async () => {
    const file = p('buildkitd.toml');
    writeFileSync(file, existing);
    const args = ['install-host', 'reg.example.com:5000', '--runtime', 'buildkit', '--certs-dir', p('bk'), '--config', file, ...creds()];
    await cliOk(args);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(existing)).toBe(true);
    const doc = parseToml(text) as { debug: boolean; worker: unknown; registry: Record<string, { mirrors?: string[]; ca?: string[]; keypair?: Array<{ key: string; cert: string }> }> };
    const dir = p('bk', 'reg.example.com:5000');
    expect(doc.registry['docker.io']!.mirrors).toEqual(['mirror.example.com']);
    expect(doc.registry['reg.example.com:5000']).toEqual({ ca: [path.join(dir, 'ca.crt')], keypair: [{ key: path.join(dir, 'client.key'), cert: path.join(dir, 'client.cert') }] });
    await cliOk(args);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('content trust', () => {
  it('writes ~/.docker/tls/HOST/ client.cert, client.key (0600) and ca.crt', async () => {
    const home = p('home-ct');
    mkdirSync(home);
    const r = await runCli(['install-host', 'msr.example.com', '--runtime', 'content-trust', ...creds()], { env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(home, '.docker', 'tls', 'msr.example.com');
    expect(readdirSync(dir).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
    expect(statSync(path.join(dir, 'client.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'client.cert'), 'utf8')).toBe(readFileSync(alice.crt, 'utf8'));
    expect(r.stdout).toContain('DOCKER_CONTENT_TRUST=1');
  });

  it('docker-desktop writes ~/.docker/certs.d/HOST', async () => {
    const home = p('home-dd');
    mkdirSync(home);
    await cliOk(['install-host', 'reg.example.com:5000', '--runtime', 'docker-desktop', ...creds()], { env: { HOME: home } });
    expect(readdirSync(path.join(home, '.docker', 'certs.d', 'reg.example.com:5000')).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
  });

  it('--rootless docker writes $XDG_CONFIG_HOME/docker/certs.d', async () => {
    const xdg = p('xdg');
    await cliOk(['install-host', 'reg.example.com:5000', '--rootless', ...creds()], { env: { XDG_CONFIG_HOME: xdg } });
    expect(readdirSync(path.join(xdg, 'docker', 'certs.d', 'reg.example.com:5000')).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
  });
});

describe('regression: insecure-registries CIDRs (one rule for install-host and doctor)', () => {
  it('install-host 10.0.0.5:5000 --dry-run warns with ["10.0.0.0/8"] in /etc/docker/daemon.json, and doctor flags it', async () => {
    requireRoot('this test (a private /etc/docker in a mount namespace)');
    mkdirSync(p('etc-docker'));
    writeFileSync(p('etc-docker', 'daemon.json'), JSON.stringify({ 'insecure-registries': ['10.0.0.0/8'] }));
    const cli = (args: string[]) => [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const { cmd, args } = privateMounts(
      [{ target: '/etc/docker', source: p('etc-docker') }],
      [
        `${cli(['install-host', '10.0.0.5:5000', '--dry-run', ...creds()])} 2>&1`,
        'echo ---',
        `${cli(['install-host', '10.0.0.5:5000', ...creds()])} >/dev/null 2>&1`,
        `${cli(['doctor', '10.0.0.5:5000', '--runtime', 'docker', '--json'])} || echo "doctor exit $?"`,
      ].join('\n'),
    );
    const r = await run(cmd, args, { timeoutMs: 60_000 });
    const [dry, doctor] = r.stdout.split('---\n');
    expect(dry).toMatch(/10\.0\.0\.5 is in 10\.0\.0\.0\/8, listed under insecure-registries.*sends no client certificate/);
    expect(dry).toContain('Would install');
    const j = JSON.parse(doctor!.slice(0, doctor!.lastIndexOf('}') + 1)) as { hosts: Array<{ problems: Array<{ code: string }> }> };
    expect(j.hosts[0]!.problems.map((x) => x.code)).toEqual(['insecure-registry']);
    expect(doctor).toContain('doctor exit 1');
    expect(readdirSync(p('etc-docker', 'certs.d'))).toEqual(['10.0.0.5:5000']);
  });
});

describe('regression: doctor fails closed on a file it cannot read', () => {
  it('as an unprivileged user, a 0600 root-owned client.key is "cannot read", not missing', async () => {
    requireRoot('this test (a root-owned key read by another user)');
    const root = p('unpriv', 'certs.d');
    const d = path.join(root, 'reg.example.com');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'ca.crt'), readFileSync(pki.ca));
    writeFileSync(path.join(d, 'client.cert'), readFileSync(alice.crt));
    writeFileSync(path.join(d, 'client.key'), readFileSync(alice.key), { mode: 0o600 });
    for (let x = d; x.startsWith(T); x = path.dirname(x)) chmodSync(x, 0o755);
    chmodSync(path.join(d, 'client.cert'), 0o644);
    chmodSync(path.join(d, 'ca.crt'), 0o644);
    const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'doctor', '--certs-dir', `docker=${root}`, '--daemon-json', p('none.json')], {
      env: { HOME: '/nonexistent' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`cannot read ${path.join(d, 'client.key')} (permission denied)`);
    expect(r.stdout).not.toMatch(/has no client\.key|missing/);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^regcert: 1 problem\(s\) found by doctor/);
  });

  it('escapes what it prints from disk: a folder name with an escape sequence cannot reach the terminal', async () => {
    const root = p('evil', 'certs.d');
    mkdirSync(path.join(root, 'x\u001b[2Jy\nforged [ok] line'), { recursive: true });
    const r = await runCli(['doctor', '--certs-dir', `docker=${root}`, '--daemon-json', p('none.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('x\\x1b[2Jy\\x0aforged');
    expect(r.stdout.split('\n').some((l) => l.startsWith('forged'))).toBe(false);
  });
});
