/** Issue 5: quickstart, the README's main job — the whole flow, green, nothing left running. */
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('openssl');

describe('regcert quickstart', () => {
  const cwd = tmpDir();

  it('runs to a green checklist, writes the files with their modes, and leaves no process behind', async () => {
    const r = await cliOk(['quickstart', '--dir', 'qs', '--user', 'alice'], { cwd, timeoutMs: 60_000 });
    for (const step of ['CA', 'server certificate', 'client certificate', 'PKCS#12', 'mTLS endpoint', 'certs.d layout', 'verify']) {
      expect(r.stdout).toMatch(new RegExp(`\\[ok\\] ${step.replace(/[#.]/g, '\\$&')}`));
    }
    expect(r.stdout).not.toMatch(/\[x\]/);
    expect(r.stdout).toMatch(/logged in as "alice" with AuthnMethod TLSClientCertificate/);
    expect(r.stdout).not.toMatch(/\u001b\[/); // NO_COLOR and piped: no escape codes
    const dir = path.join(cwd, 'qs');
    const mode = (f: string) => (statSync(path.join(dir, f)).mode & 0o777).toString(8);
    expect(mode('ca.key')).toBe('600');
    expect(mode('alice.key')).toBe('600');
    expect(mode('alice.p12')).toBe('600');
    expect(mode('alice.p12.pass')).toBe('600');
    expect(mode('alice.crt')).toBe('644');
    // the .p12 opens with openssl using the generated password
    await runOk('openssl', ['pkcs12', '-in', path.join(dir, 'alice.p12'), '-passin', `file:${path.join(dir, 'alice.p12.pass')}`, '-noout']);
    // the certs.d layout it verified through
    const hostDirs = readdirSync(path.join(dir, 'certs.d'));
    expect(hostDirs).toHaveLength(1);
    expect(hostDirs[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(readdirSync(path.join(dir, 'certs.d', hostDirs[0]!)).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
    // the endpoint ran in the quickstart process, which has exited: nothing of ours still listens
    const port = hostDirs[0]!.split(':')[1]!;
    const ss = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
    expect(ss.trim()).toBe('');
  });

  it('a second run reuses the CA and certificates and verifies again', async () => {
    const before = readFileSync(path.join(cwd, 'qs/ca.key'));
    const r = JSON.parse((await cliOk(['quickstart', '--dir', 'qs', '--user', 'alice', '--json'], { cwd })).stdout);
    expect(r.ok).toBe(true);
    expect(r.steps.find((s: { step: string }) => s.step === 'CA').detail).toMatch(/^reused /);
    expect(r.steps.at(-1)).toMatchObject({ step: 'verify', ok: true });
    expect(readFileSync(path.join(cwd, 'qs/ca.key'))).toEqual(before);
  });

  it('regression (review finding): a failed run (port in use) exits 1 and leaves no file behind', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['quickstart', '--dir', 'failed', '--user', 'alice', '--port', String(port)], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^regcert: /m);
      expect(existsSync(path.join(cwd, 'failed'))).toBe(false);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('help piped into a reader that closes early does not crash (EPIPE)', async () => {
    const r = await run('sh', ['-c', `"${process.execPath}" "${BIN}" --help | head -1`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: regcert/);
    expect(r.stderr).toBe('');
  });
});
