/**
 * Issue 22: a server certificate keeps its name, in every command that
 * issues one (issue, issue --batch, quickstart through issue, renew), as
 * OpenSSL's host-name check sees it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOk, run, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const sans = async (file: string) => (await run('openssl', ['x509', '-in', file, '-noout', '-ext', 'subjectAltName'])).stdout.split('\n')[1]?.trim() ?? '';
/** openssl's host-name (or IP) check, as a TLS client does it. */
const matches = async (file: string, name: string) => {
  const ipLike = /^[0-9.]+$/.test(name);
  const r = await run('openssl', ['x509', '-in', file, '-noout', ipLike ? '-checkip' : '-checkhost', name]);
  return / does match /.test(r.stdout) && !/NOT match/.test(r.stdout);
};

describe('a server certificate keeps its name', () => {
  const cwd = tmpDir();

  it('issue registry.example.com --server --san 10.0.0.5 carries both names; --no-name-san the IP only', async () => {
    await cliOk(['init-ca', '--dir', 'pki'], { cwd });
    await cliOk(['issue', 'registry.example.com', '--dir', 'pki', '--server', '--san', '10.0.0.5'], { cwd });
    const crt = path.join(cwd, 'pki/registry.example.com.crt');
    expect(await sans(crt)).toBe('DNS:registry.example.com, IP Address:10.0.0.5');
    expect(await matches(crt, 'registry.example.com')).toBe(true);
    expect(await matches(crt, '10.0.0.5')).toBe(true);

    await cliOk(['issue', 'registry.example.com', '--dir', 'pki', '--out-dir', 'ip-only', '--server', '--san', '10.0.0.5', '--no-name-san'], { cwd });
    const ipOnly = path.join(cwd, 'ip-only/registry.example.com.crt');
    expect(await sans(ipOnly)).toBe('IP Address:10.0.0.5');
    // (not matches(..., 'registry.example.com') === false: OpenSSL falls back to the CN when a certificate has no DNS SAN; Go never does)
  });

  it('never twice, and a single-label NAME keeps the old rule', async () => {
    await cliOk(['issue', 'mirror.example.com', '--dir', 'pki', '--server', '--san', 'MIRROR.example.com,10.0.0.6'], { cwd });
    expect(await sans(path.join(cwd, 'pki/mirror.example.com.crt'))).toBe('DNS:mirror.example.com, IP Address:10.0.0.6');
    await cliOk(['issue', 'registry', '--dir', 'pki', '--server', '--san', '10.0.0.7'], { cwd });
    expect(await sans(path.join(cwd, 'pki/registry.crt'))).toBe('IP Address:10.0.0.7');
  });

  it('--no-name-san is refused where it means nothing or leaves no name (exit 2, nothing written)', async () => {
    const a = await runCli(['issue', 'alice', '--dir', 'pki', '--client', '--no-name-san'], { cwd });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--no-name-san only applies to a server certificate/);
    const b = await runCli(['issue', 'bare.example.com', '--dir', 'pki', '--server', '--no-name-san'], { cwd });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/needs a DNS or IP SAN/);
    expect(() => readFileSync(path.join(cwd, 'pki/bare.example.com.crt'))).toThrow();
  });

  it('issue --batch rows keep their name; --no-name-san reaches every row', async () => {
    writeFileSync(path.join(cwd, 'servers.csv'), 'name,sans,profile,days\nnode1.example.com,10.0.0.21,server,\n');
    await cliOk(['issue', '--batch', 'servers.csv', '--dir', 'pki', '--out-dir', 'batch'], { cwd });
    expect(await sans(path.join(cwd, 'batch/node1.example.com.crt'))).toBe('DNS:node1.example.com, IP Address:10.0.0.21');
    await cliOk(['issue', '--batch', 'servers.csv', '--dir', 'pki', '--out-dir', 'batch-ip', '--no-name-san'], { cwd });
    expect(await sans(path.join(cwd, 'batch-ip/node1.example.com.crt'))).toBe('IP Address:10.0.0.21');
  });

  it('renew keeps the SANs the certificate had, and a server certificate gains its name unless --no-name-san', async () => {
    // ip-only/registry.example.com was issued without its name: renewing it (in its own CA dir) adds it, and says so.
    await cliOk(['init-ca', '--dir', 'pki2'], { cwd });
    await cliOk(['issue', 'registry.example.com', '--dir', 'pki2', '--server', '--san', '10.0.0.5,ops@example.com', '--no-name-san'], { cwd });
    const crt = path.join(cwd, 'pki2/registry.example.com.crt');
    const kept = await cliOk(['renew', 'registry.example.com', '--dir', 'pki2', '--no-name-san'], { cwd });
    expect(kept.stderr).not.toMatch(/added DNS/);
    expect(await sans(crt)).toBe('IP Address:10.0.0.5, email:ops@example.com');
    const r = await cliOk(['renew', 'registry.example.com', '--dir', 'pki2'], { cwd });
    expect(r.stderr + r.stdout).toMatch(/added DNS:registry\.example\.com/);
    expect(await sans(crt)).toBe('DNS:registry.example.com, IP Address:10.0.0.5, email:ops@example.com');
    expect(await matches(crt, 'registry.example.com')).toBe(true);
    // Renewing again changes no name.
    await cliOk(['renew', 'registry.example.com', '--dir', 'pki2'], { cwd });
    expect(await sans(crt)).toBe('DNS:registry.example.com, IP Address:10.0.0.5, email:ops@example.com');
  });

  it('quickstart\'s "Next:" command now makes a certificate that matches its name', async () => {
    const r = await cliOk(['quickstart', '--dir', 'qs'], { cwd, timeoutMs: 120_000 });
    const line = (r.stdout + r.stderr).split('\n').find((l) => l.includes('regcert issue registry.example.com'));
    expect(line).toBeDefined();
    const args = line!.replace(/#.*$/, '').trim().split(/\s+/).slice(1);
    await cliOk(args, { cwd });
    expect(await sans(path.join(cwd, 'qs/registry.example.com.crt'))).toBe('DNS:registry.example.com, IP Address:10.0.0.5');
  });
});
