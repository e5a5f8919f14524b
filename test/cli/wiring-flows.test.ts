/** argv → options for trust-ca, config token-auth and the --bundle flag (commander wiring only). */
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';

const seen: Record<string, unknown> = {};
const fakeCert = { subject: 'CN=x', issuer: 'CN=x', serial: '01', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', sans: [], ekus: [], isCa: true, keyType: 'ecdsa-p256', sha256: 'AA' };
vi.mock('../../src/commands/trust-ca.js', () => ({
  trustCa: async (o: unknown) => {
    seen.trustCa = o;
    return { command: 'trust-ca', action: 'install', dryRun: false, ca: fakeCert, anchorName: 'regcert-0', changes: [], next: [] };
  },
}));
vi.mock('../../src/commands/install-host.js', () => ({
  installHost: async (o: unknown) => {
    seen.installHost = o;
    return { command: 'install-host', host: 'h', runtimes: ['docker'], dryRun: false, files: [], certificate: fakeCert, chainLength: 1, caFrom: 'x', configs: [], warnings: [], next: [] };
  },
}));
vi.mock('../../src/commands/config.js', () => ({
  config: async (o: unknown) => {
    seen.config = o;
    return { command: 'config', target: 'token-auth', host: 's', content: '', files: [], warnings: [], next: [] };
  },
}));

const { main } = await import('../../src/cli/main.js');

async function call(argv: string[]) {
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await main(argv, { stdout: sink(() => {}), stderr: sink((s) => (err += s)), stdinIsTTY: false, env: { NO_COLOR: '1' } });
  return { code, stderr: err };
}

describe('argv → options (flows)', () => {
  it.each<[string[], string, Record<string, unknown>]>([
    [['trust-ca', 'ca.crt'], 'trustCa', { caFile: 'ca.crt', store: 'system' }],
    [['trust-ca', 'ca.crt', '--store', 'nss', '--nss-db', 'a', '--nss-db', 'b', '--uninstall', '--dry-run'], 'trustCa', { store: 'nss', nssDb: ['a', 'b'], uninstall: true, dryRun: true }],
    [['trust-ca', 'ca.crt', '--store', 'java', '--java-cacerts', 'k', '--java-password-env', 'PW'], 'trustCa', { javaCacerts: 'k', javaPasswordEnv: 'PW' }],
    [['install-host', 'h.example', '--bundle', 'b.zip'], 'installHost', { host: 'h.example', bundle: 'b.zip' }],
    [
      ['config', 'token-auth', '--realm', 'https://a/auth', '--service', 's', '--issuer', 'i', '--cert', 'signer', '--expiration', '600'],
      'config',
      { target: 'token-auth', realm: 'https://a/auth', service: 's', issuer: 'i', cert: 'signer', expiration: 600 },
    ],
  ])('%j', async (argv, fn, expected) => {
    const r = await call(argv);
    expect(r.code, r.stderr).toBe(0);
    expect(seen[fn]).toMatchObject(expected);
  });

  it('trust-ca without CA_FILE is a usage error (exit 2)', async () => {
    const r = await call(['trust-ca']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });
});
