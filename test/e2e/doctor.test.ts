import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateToPem, createLeaf, createRootCa } from '../../src/core/certificates.js';
import { exportPrivateKeyPem, generatePrivateKey, publicKeyDer } from '../../src/core/keys.js';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-doctor-');
const p = (...s: string[]) => path.join(dir, ...s);
const ESC = '\u001b[';

/** Creates ROOT/NAME with files copied from the PKI (or written), each with its mode. */
function install(root: string, name: string, files: Record<string, { from?: string; text?: string; mode?: number }>): void {
  const d = p(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, spec] of Object.entries(files)) {
    const target = path.join(d, f);
    if (spec.from) copyFileSync(p(spec.from), target);
    else writeFileSync(target, spec.text ?? '');
    chmodSync(target, spec.mode ?? (f.endsWith('.key') ? 0o600 : 0o644));
  }
}

const healthy = { 'ca.crt': { from: 'pki/ca.crt' }, 'client.cert': { from: 'pki/alice.crt' }, 'client.key': { from: 'pki/alice.key' } };

/** Host folder → the one problem it must report (undefined: healthy). */
const EXPECTED: Record<string, string | undefined> = {
  'docker/good.example.com:5000': undefined,
  'containerd/good.example.com:5000': undefined,
  'docker/nokey.example.com': 'cert-without-key',
  'docker/nocert.example.com': 'key-without-cert',
  'docker/mismatch.example.com': 'key-mismatch',
  'docker/perms.example.com': 'key-permissions',
  'docker/server.example.com': 'no-client-auth',
  'docker/expiring.example.com': 'expiring',
  'docker/expired.example.com': 'expired',
  'docker/other-ca.example.com': 'untrusted-chain',
  'docker/bad..name': 'bad-host-name',
  'docker/insecure.example.com:5000': 'insecure-registry',
  'docker/strayca.example.com': 'stray-ca-key',
  'containerd/missing.example.com': 'hosts-toml-missing-file',
  'docker/shadow.example.com': undefined,
  'podman/shadow.example.com': 'shadowed',
};

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', 'pki'], { cwd: dir });
  await cliOk(['init-ca', '--dir', 'other', '--cn', 'Other CA'], { cwd: dir });
  for (const args of [
    ['alice', '--client'],
    ['bob', '--client'],
    ['web.example.com', '--server'],
    ['soon', '--client', '--days', '10'],
  ]) {
    await cliOk(['issue', ...args, '--dir', 'pki'], { cwd: dir });
  }
  await cliOk(['issue', 'carol', '--client', '--dir', 'other'], { cwd: dir });
  // An expired client certificate from a CA that is still valid: real keys, a clock two years back.
  const then = new Date(Date.now() - 2 * 365 * 86_400_000);
  const caKey = await generatePrivateKey('ecdsa-p256');
  const ca = await createRootCa({ subject: [{ CN: ['Long Root'] }], key: caKey, days: 3650 }, { now: then });
  const key = await generatePrivateKey('ecdsa-p256');
  const leaf = await createLeaf({ subject: [{ CN: ['old'] }], publicKey: publicKeyDer(key), rsa: false, server: false, client: true, sans: [], days: 30 }, { cert: ca, key: caKey }, { now: then });
  mkdirSync(p('old'));
  writeFileSync(p('old/ca.crt'), certificateToPem(ca));
  writeFileSync(p('old/old.crt'), certificateToPem(leaf));
  writeFileSync(p('old/old.key'), exportPrivateKeyPem(key));

  install('docker', 'good.example.com:5000', healthy);
  install('containerd', 'good.example.com:5000', {
    ...healthy,
    'hosts.toml': { text: 'server = "https://good.example.com:5000"\n\n[host."https://good.example.com:5000"]\n  ca = "ca.crt"\n  client = [["client.cert", "client.key"]]\n' },
  });
  install('docker', 'nokey.example.com', { 'ca.crt': healthy['ca.crt'], 'client.cert': healthy['client.cert'] });
  install('docker', 'nocert.example.com', { 'ca.crt': healthy['ca.crt'], 'client.key': healthy['client.key'] });
  install('docker', 'mismatch.example.com', { ...healthy, 'client.key': { from: 'pki/bob.key' } });
  install('docker', 'perms.example.com', { ...healthy, 'client.key': { from: 'pki/alice.key', mode: 0o644 } });
  install('docker', 'server.example.com', { ...healthy, 'client.cert': { from: 'pki/web.example.com.crt' }, 'client.key': { from: 'pki/web.example.com.key' } });
  install('docker', 'expiring.example.com', { ...healthy, 'client.cert': { from: 'pki/soon.crt' }, 'client.key': { from: 'pki/soon.key' } });
  install('docker', 'expired.example.com', { 'ca.crt': { from: 'old/ca.crt' }, 'client.cert': { from: 'old/old.crt' }, 'client.key': { from: 'old/old.key' } });
  install('docker', 'other-ca.example.com', { ...healthy, 'client.cert': { from: 'other/carol.crt' }, 'client.key': { from: 'other/carol.key' } });
  install('docker', 'bad..name', healthy);
  install('docker', 'insecure.example.com:5000', healthy);
  install('docker', 'strayca.example.com', { ...healthy, 'ca.key': { from: 'pki/ca.key' } });
  install('containerd', 'missing.example.com', {
    'client.cert': healthy['client.cert'],
    'client.key': healthy['client.key'],
    'hosts.toml': { text: '# no ca.crt here\nserver = "https://missing.example.com"\n[host."https://missing.example.com"]\n  ca = "ca.crt"\n  client = [\n    ["client.cert", "client.key"],\n  ]\n' },
  });
  install('docker', 'shadow.example.com', healthy);
  install('podman', 'shadow.example.com', { 'ca.crt': healthy['ca.crt'] });
  writeFileSync(p('daemon.json'), JSON.stringify({ 'insecure-registries': ['insecure.example.com:5000', '10.0.0.0/8'] }));
}, 120_000);

const roots = ['--certs-dir', 'docker=docker', '--certs-dir', 'podman=podman', '--certs-dir', 'containerd=containerd', '--daemon-json', 'daemon.json'];

interface Json {
  ok: boolean;
  problemCount: number;
  hosts: Array<{ kind: string; name: string; path: string; problems: Array<{ code: string; path: string; message: string; fix: string }> }>;
}

describe('regcert doctor', () => {
  it('reports each problem of a prepared tree exactly once, with its fix, and exits 1', async () => {
    const r = await runCli(['doctor', ...roots, '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.ok).toBe(false);
    const seen: Record<string, string[]> = {};
    for (const h of j.hosts) seen[`${h.path}`] = h.problems.map((x) => x.code);
    const wanted: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(EXPECTED)) wanted[k] = v ? [v] : [];
    expect(seen).toEqual(wanted);
    expect(j.problemCount).toBe(Object.values(EXPECTED).filter(Boolean).length);
    for (const h of j.hosts) for (const x of h.problems) expect(x.fix.length).toBeGreaterThan(10);
    const perms = j.hosts.find((h) => h.name === 'perms.example.com')!.problems[0]!;
    expect(perms.fix).toBe('chmod 600 docker/perms.example.com/client.key');
  });

  it('human output names each problem and its fix, without escape codes when piped', async () => {
    const r = await runCli(['doctor', ...roots], { cwd: dir, env: { NO_COLOR: undefined } });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).toMatch(/\[x\] docker\/nokey\.example\.com\/client\.cert has no client\.key next to it.*\n\s+fix: copy the matching key/);
    expect(r.stdout).toContain('insecure.example.com:5000 is also listed under insecure-registries in daemon.json');
    expect(r.stdout).toMatch(/\[ok\] good\.example\.com:5000/);
    expect(r.stdout).toMatch(/13 problem\(s\) in 13 of 16 folder\(s\)/);
  });

  it('the healthy host alone exits 0', async () => {
    const r = await runCli(['doctor', 'good.example.com:5000', ...roots, '--json'], { cwd: dir });
    const j = JSON.parse(r.stdout) as Json;
    expect(j.hosts.map((h) => h.path)).toEqual(['docker/good.example.com:5000', 'containerd/good.example.com:5000']);
    expect(j).toMatchObject({ ok: true, problemCount: 0 });
    expect(r.code).toBe(0);
    mkdirSync(p('only'));
    install('only', 'good.example.com:5000', healthy);
    const alone = await runCli(['doctor', '--certs-dir', 'only', '--daemon-json', 'daemon.json'], { cwd: dir });
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain('1 folder(s) checked, no problems');
  });

  it('a host that is not installed anywhere is a problem; a bad HOST argument is exit 2', async () => {
    const r = await runCli(['doctor', 'absent.example.com', ...roots, '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, problems: [{ code: 'not-installed' }] });
    const bad = await runCli(['doctor', 'a/b', ...roots], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^regcert: invalid HOST "a\/b"\nhint: /);
  });

  it('a host inside an insecure-registries CIDR is reported', async () => {
    mkdirSync(p('cidr'));
    install('cidr', '10.1.2.3:5000', healthy);
    const r = await runCli(['doctor', '--certs-dir', 'cidr', '--daemon-json', 'daemon.json', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as Json).hosts[0]!.problems.map((x) => x.code)).toEqual(['insecure-registry']);
    expect(readFileSync(p('daemon.json'), 'utf8')).toContain('10.0.0.0/8');
  });

  it('--help ends with examples', async () => {
    const r = await cliOk(['doctor', '--help']);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ sudo regcert doctor/);
  });
});
