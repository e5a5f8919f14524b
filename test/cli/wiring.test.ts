/** argv → the options object each command receives (commander wiring). */
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';

const seen: Record<string, unknown> = {};
vi.mock('../../src/commands/init-ca.js', () => ({
  initCa: async (o: unknown) => {
    seen.initCa = o;
    return { command: 'init-ca', dir: 'x', intermediate: false, files: [], certificate: fakeCert, keyEncrypted: false, warnings: [], next: [] };
  },
}));
vi.mock('../../src/commands/issue.js', () => ({
  issue: async (o: unknown) => {
    seen.issue = o;
    return { command: 'issue', name: 'x', files: [], certificate: fakeCert, chainLength: 1, fromCsr: false, keyEncrypted: false, warnings: [], next: [] };
  },
}));
vi.mock('../../src/commands/renew.js', () => ({
  renew: async (o: unknown) => {
    seen.renew = o;
    return { command: 'renew', ok: true, dir: 'pki', windowDays: null, renewed: [], notDue: [], installed: null, exec: null, notes: [], next: [] };
  },
}));
vi.mock('../../src/commands/revoke.js', () => ({
  revoke: async (o: unknown) => {
    seen.revoke = o;
    return { command: 'revoke', dir: 'pki', revoked: [], alreadyRevoked: [], skippedExpired: [], crl: null, enforcement: [], notes: [], next: [] };
  },
}));
vi.mock('../../src/commands/list.js', () => ({
  list: async (o: unknown) => {
    seen.list = o;
    return { command: 'list', ok: true, dir: 'pki', expiringWithinDays: null, certificates: [], expiring: [], crl: null, rebuilt: false, warnings: [], notes: [] };
  },
}));
vi.mock('../../src/commands/export.js', () => ({
  exportFleet: async (o: unknown) => {
    seen.exportFleet = o;
    return { command: 'export', target: 'k3s', host: 'r', runtimes: ['k3s'], files: [], documents: [], holdsKey: false, certificate: fakeCert, warnings: [], notes: [], next: [], content: 'configs: {}\n' };
  },
}));
vi.mock('../../src/commands/config.js', () => ({
  config: async (o: unknown) => {
    seen.config = o;
    return { command: 'config', target: 'client', host: 'r', content: '# recipe\n', files: [], warnings: [], next: [] };
  },
}));
const fakeCert = { subject: 'CN=x', issuer: 'CN=x', serial: '01', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', sans: [], ekus: [], isCa: false, keyType: 'ecdsa-p256', sha256: 'AA' };

const { main } = await import('../../src/cli/main.js');

function sink() {
  let data = '';
  const w = new Writable({ write: (c, _e, cb) => ((data += c), cb()) });
  return { w, get: () => data };
}
async function call(argv: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(argv, { stdout: out.w, stderr: err.w, stdinIsTTY: false, env: { NO_COLOR: '1' } });
  return { code, stdout: out.get(), stderr: err.get() };
}

describe('argv → options', () => {
  it.each<[string[], string, Record<string, unknown>]>([
    [['init-ca'], 'initCa', { dir: 'pki', keyType: 'ecdsa-p256' }],
    [['init-ca', '--dir', 'd', '--days', '30', '--path-len', '0', '--key-type', 'rsa-2048', '--force'], 'initCa', { dir: 'd', days: 30, pathLen: 0, keyType: 'rsa-2048', force: true }],
    [['init-ca', '--intermediate', '--parent-dir', 'root', '--ca-password-env', 'P'], 'initCa', { intermediate: true, parentDir: 'root', caPasswordEnv: 'P' }],
    [['issue', 'alice', '--client', '--san', 'a@b.c', '--san', 'x.example,1.2.3.4'], 'issue', { name: 'alice', client: true, san: ['a@b.c', 'x.example,1.2.3.4'], dir: 'pki' }],
    [['issue', 'reg', '--server', '--csr', 'r.csr', '--out-dir', 'o', '--ca-password-file', 'pw'], 'issue', { name: 'reg', server: true, csr: 'r.csr', outDir: 'o', caPasswordFile: 'pw' }],
    [['renew', 'alice', '--if-expiring', '30d', '--install', 'reg:5000', '--runtime', 'docker', '--runtime', 'podman', '--exec', 'x y'], 'renew', { targets: ['alice'], ifExpiring: '30d', install: 'reg:5000', runtime: ['docker', 'podman'], exec: 'x y', dir: 'pki' }],
    [['renew', '--all', '--rekey', '--dir', 'd', '--ca-password-file', 'pw'], 'renew', { targets: [], all: true, rekey: true, dir: 'd', caPasswordFile: 'pw' }],
    [['renew', 'alice', 'bob', '--workers', '3', '--no-name-san'], 'renew', { targets: ['alice', 'bob'], workers: 3, nameSan: false, dir: 'pki' }],
    [['revoke', '4a:0b', '--reason', 'keyCompromise', '--crl-days', '3'], 'revoke', { targets: ['4a:0b'], reason: 'keyCompromise', crlDays: 3, dir: 'pki' }],
    [['revoke', 'alice', 'bob', '--batch', 'leavers.txt'], 'revoke', { targets: ['alice', 'bob'], batch: 'leavers.txt', dir: 'pki' }],
    [['list', '--expiring', '30d', '--client', '--revoked', '--all'], 'list', { expiring: '30d', client: true, revoked: true, all: true, dir: 'pki' }],
    [['export', 'kubernetes', '--host', 'r:5000', '--p12', 'n.p12', '--password-env', 'P', '--ca', 'ca.crt', '--runtime', 'containerd', '--runtime', 'docker', '--containerd-config-path', '--namespace', 'ns', '--image', 'img:1'], 'exportFleet', { target: 'kubernetes', host: 'r:5000', p12: 'n.p12', passwordEnv: 'P', ca: 'ca.crt', runtime: ['containerd', 'docker'], containerdConfigPath: true, namespace: 'ns', image: 'img:1' }],
    [['export', 'cert-manager', '--host', 'r', '--ca-dir', 'pki-c', '--ca-password-file', 'pw', '--pool', 'a', '--pool', 'b', '--pool-label', 'k', '--days', '30', '--cn', 'nodes', '--out', 'o'], 'exportFleet', { target: 'cert-manager', caDir: 'pki-c', caPasswordFile: 'pw', pool: ['a', 'b'], poolLabel: 'k', days: 30, cn: 'nodes', out: 'o' }],
    [['config', 'client', '--tool', 'oras', '--host', 'r:5000', '--client', 'alice', '--dir', 'd', '--certs-dir', 'c.d'], 'config', { target: 'client', tool: 'oras', host: 'r:5000', client: 'alice', dir: 'd', certsDir: 'c.d' }],
    [['config', 'client', '--tool', 'cosign', '--host', 'r', '--cert', 'a.crt', '--key', 'a.key', '--key-password-env', 'K', '--ca', 'ca.crt'], 'config', { target: 'client', tool: 'cosign', cert: 'a.crt', key: 'a.key', keyPasswordEnv: 'K', ca: 'ca.crt' }],
    [['config', 'client', '--tool', 'skopeo', '--host', 'r', '--p12', 'a.p12', '--password-file', 'pw'], 'config', { p12: 'a.p12', passwordFile: 'pw' }],
    [['config', 'client', '--tool', 'helm', '--host', 'r', '--bundle', 'b.zip'], 'config', { bundle: 'b.zip' }],
    [['config', 'zot', '--host', 'z', '--identity', 'uri', '--uri-pattern', '^spiffe://x/(.+)$', '--client', 'w'], 'config', { target: 'zot', identity: 'uri', uriPattern: '^spiffe://x/(.+)$', client: 'w', dir: 'pki' }],
  ])('%j', async (argv, fn, expected) => {
    const r = await call(argv);
    expect(r.code, r.stderr).toBe(0);
    expect(seen[fn]).toMatchObject(expected);
  });

  it.each([
    [['issue'], /missing required argument 'name'/],
    [['init-ca', '--days', 'ten'], /--days <n>' argument 'ten' is invalid/],
    [['init-ca', '--bogus'], /unknown option '--bogus'/],
    [['nope'], /unknown command 'nope'/],
  ])('%j is a usage error (exit 2)', async (argv, msg) => {
    const r = await call(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).toMatch(/^regcert: /);
    expect(r.stderr).toMatch(/^hint: /m);
  });

  it('--version and --help exit 0 with output on stdout', async () => {
    expect((await call(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
    const h = await call(['issue', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Examples:/);
    expect(h.stdout).toMatch(/Exit codes:/);
  });
});
