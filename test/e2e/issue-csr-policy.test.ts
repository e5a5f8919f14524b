/**
 * Issue 9 finding 3 (and the --cn half of finding 6, the --days half of
 * finding 7): a CSR's names and key pass the same policy as --san/--cn.
 * Every request is made with real `openssl req`; names openssl's config
 * syntax cannot hold (NUL, LF) are put in a raw DER subjectAltName.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const OPENSSL = requireBinary('openssl');
const T = tmpDir('regcert-csr-policy-');
const dir = path.join(T, 'pki');
const rsa2048 = path.join(T, 'rsa2048.key');
const rsa1024 = path.join(T, 'rsa1024.key');

/** GeneralNames DER: [tag, value] with tag 1 rfc822Name, 2 dNSName, 6 URI (short values only). */
function generalNames(names: [number, string][]): string {
  const items = Buffer.concat(
    names.map(([tag, v]) => {
      const b = Buffer.from(v, 'latin1');
      return Buffer.concat([Buffer.from([0x80 | tag, b.length]), b]);
    }),
  );
  return Buffer.concat([Buffer.from([0x30, items.length]), items]).toString('hex');
}

let n = 0;
/** A CSR made by openssl req with the given key, subject and extra options. */
function csr(opts: { key?: string; subj?: string; config?: string; args?: string[] }): string {
  const out = path.join(T, `req-${++n}.csr`);
  const args = ['req', '-new', '-key', opts.key ?? rsa2048, '-out', out, ...(opts.args ?? [])];
  if (opts.config) {
    const cnf = path.join(T, `req-${n}.cnf`);
    writeFileSync(cnf, opts.config);
    args.push('-config', cnf);
  } else args.push('-subj', opts.subj ?? '/CN=req');
  execFileSync(OPENSSL, args, { stdio: 'pipe' });
  return out;
}
const withSans = (names: [number, string][], more: string[] = []) => csr({ args: ['-addext', `subjectAltName=DER:${generalNames(names)}`, ...more] });

beforeAll(async () => {
  execFileSync(OPENSSL, ['genrsa', '-out', rsa2048, '2048'], { stdio: 'pipe' });
  execFileSync(OPENSSL, ['genrsa', '-out', rsa1024, '1024'], { stdio: 'pipe' });
  await cliOk(['init-ca', '--dir', dir, '--cn', 'Policy CA']);
});

async function expectRefused(name: string, args: string[], pattern: RegExp): Promise<void> {
  const r = await runCli(['issue', name, '--dir', dir, ...args]);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.includes('\x1b') || r.stderr.includes('\r')).toBe(false);
  expect(existsSync(path.join(dir, `${name}.crt`))).toBe(false);
  expect(existsSync(path.join(dir, `${name}.key`))).toBe(false);
}

describe('issue --csr: the names of a CSR pass the --san/--cn policy', () => {
  it.each<[string, [number, string][], RegExp]>([
    ['wildcard over a TLD: DNS:*.com', [[2, '*.com']], /invalid subject alternative name "\*\.com".*not a valid host name/],
    ['two wildcard labels: DNS:*.*.example.com', [[2, '*.*.example.com']], /"\*\.\*\.example\.com".*not a valid host name/],
    ['NUL inside a DNS name: good.example.com\\0.evil.com', [[2, 'good.example.com\0.evil.com']], /"good\.example\.com\\x00\.evil\.com".*control characters/],
    ['LF inside a DNS name: a\\nb.example.com', [[2, 'a\nb.example.com']], /"a\\x0ab\.example\.com".*control characters/],
    ['an e-mail SAN with \\nBcc:', [[1, 'alice@example.com\nBcc: all@example.com']], /alice@example\.com\\x0aBcc.*control characters/],
    ['URI:file:///etc/passwd', [[6, 'file:///etc/passwd']], /the URI scheme "file:" is not allowed/],
  ])('issue --csr: %s → exit 2, nothing written', async (_what, names, pattern) => {
    await expectRefused(`bad${++n}`, ['--server', '--csr', withSans(names)], pattern);
  });

  it('issue --csr: a wildcard name on a client certificate → exit 2; the same CSR for a server is fine', async () => {
    const req = withSans([[2, '*.example.com']]);
    await expectRefused('wild-client', ['--client', '--csr', req], /client certificate cannot carry the wildcard SAN "\*\.example\.com"/);
    await expectRefused('wild-both', ['--client', '--server', '--csr', req], /wildcard/);
    const ok = await runCli(['issue', 'wild-server', '--dir', dir, '--server', '--csr', req]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('DNS:*.example.com');
  });

  it('issue --client --san "*.example.com": the same rule for flags', async () => {
    await expectRefused('wild-flag', ['--client', '--san', '*.example.com'], /wildcard/);
  });

  it('issue --csr: control characters in the CSR subject → exit 2, shown escaped', async () => {
    const req = csr({ config: '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=ok\x1b[2K\rfake\n' });
    await expectRefused('esc-subject', ['--client', '--csr', req], /invalid CN in .* "ok\\x1b\[2K\\x0dfake": control characters/);
  });

  it.each([
    ['LF', 'a\nb'],
    ['CR', 'a\rb'],
    ['ESC', 'a\x1b[31mb'],
  ])('issue --cn with %s → exit 2', async (_what, cn) => {
    await expectRefused(`cn${++n}`, ['--client', '--cn', cn], /invalid --cn .*control characters/);
  });

  it('issue --csr with an RSA-1024 key → exit 2; with --allow-weak it is signed and warned about', async () => {
    const req = csr({ key: rsa1024, subj: '/CN=small' });
    await expectRefused('rsa1024', ['--client', '--csr', req], /RSA key has 1024 bits.*--allow-weak|1024 bits/);
    const r = await runCli(['issue', 'rsa1024', '--dir', dir, '--client', '--csr', req, '--allow-weak']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/its RSA key has 1024 bits .*--allow-weak/);
    expect(existsSync(path.join(dir, 'rsa1024.crt'))).toBe(true);
  });

  it('issue --csr signed with SHA-1 or MD5 → exit 2; --allow-weak signs it with a warning', async () => {
    for (const md of ['sha1', 'md5']) {
      const req = csr({ subj: `/CN=${md}`, args: [`-${md}`] });
      await expectRefused(md, ['--client', '--csr', req], new RegExp(`signed with ${md === 'sha1' ? 'SHA-1' : 'MD5'}`));
      const r = await runCli(['issue', md, '--dir', dir, '--client', '--csr', req, '--allow-weak', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).warnings.join(' ')).toMatch(/broken for signatures/);
    }
  });

  it('issue --csr: a good SHA-256 request with valid SANs is signed (host name lower-cased)', async () => {
    const req = withSans([
      [2, 'Registry.Example.com'],
      [1, 'ops@example.com'],
      [6, 'spiffe://example.com/registry'],
    ]);
    const r = await runCli(['issue', 'good', '--dir', dir, '--server', '--client', '--csr', req, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).certificate.sans).toEqual(['DNS:registry.example.com', 'email:ops@example.com', 'URI:spiffe://example.com/registry']);
  });
});

describe('issue: validity warnings', () => {
  it('--days past the CA expiry says it is capped; a server certificate over 397 days is warned about', async () => {
    const r = await runCli(['issue', 'long', '--dir', dir, '--server', '--days', '5000']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/--days 5000 is capped at the CA's own expiry/);
    expect(r.stderr).toMatch(/longer than 397 days/);
    const d = await runCli(['issue', 'default', '--dir', dir, '--server']);
    expect(d.code).toBe(0);
    expect(d.stderr).not.toMatch(/397|capped/);
  });
});
