/**
 * Regression, issue 18 item 3: "The CRL breaks at about 1,300 revoked
 * certificates": regcert re-parsed its own CRL through pkijs and hit asn1js's
 * node cap ("Error during parsing of ASN.1 data … TBS Certificate Revocation
 * List"); from then on no CRL could be written and every revoke failed after
 * updating the inventory.
 *
 * Here a CA directory whose inventory holds 100,000 revoked certificates
 * (the fixture is written directly: entries cloned from a real one with
 * distinct serials, so the test takes seconds, not the minutes of issuing
 * 100,000): `crl` writes a CRL that `openssl crl -verify` accepts listing all
 * of them, nginx loads it with ssl_crl and still refuses a revoked client
 * and accepts a kept one, and `revoke` of one more works.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { startNginx } from '../helpers/nginx.js';
import { freePort, requireBinary, type Server } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const OPENSSL = requireBinary('openssl');
const CURL = requireBinary('curl');
const T = tmpDir('regcert-crl-scale-');
const pki = path.join(T, 'pki');
const COUNT = 100_000;
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** openssl's view of crl.pem: verified with the CA, its serials (lower-case hex). */
async function crlSerials(): Promise<Set<string>> {
  const r = await runOk(OPENSSL, ['crl', '-in', path.join(pki, 'crl.pem'), '-CAfile', path.join(pki, 'ca.crt'), '-verify', '-noout', '-text'], { timeoutMs: 120_000 });
  expect(r.stderr).toMatch(/verify OK/);
  return new Set([...r.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase().replace(/^0+(?=.)/, '')));
}

const serialOf = async (name: string) => (await runOk(OPENSSL, ['x509', '-in', path.join(pki, `${name}.crt`), '-noout', '-serial'])).stdout.trim().replace('serial=', '').toLowerCase().replace(/^0+(?=.)/, '');

let fixtureSerials: string[] = [];

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki, '--cn', 'Scale CA']);
  await cliOk(['issue', '127.0.0.1', '--server', '--dir', pki]);
  for (const who of ['alice', 'bob', 'carol']) await cliOk(['issue', who, '--client', '--dir', pki]);
  const inv = path.join(pki, 'inventory.jsonl');
  const lines = readFileSync(inv, 'utf8').split('\n').filter(Boolean);
  const alice = JSON.parse(lines.find((l) => l.includes('"name":"alice"'))!);
  const revokedAt = new Date(Date.now() - 3_600_000).toISOString();
  const reasons = ['unspecified', 'keyCompromise', 'affiliationChanged', 'cessationOfOperation'];
  const out: string[] = [];
  fixtureSerials = [];
  for (let i = 0; i < COUNT; i++) {
    const serial = randomBytes(16).toString('hex').replace(/^0+/, '').replace(/^[89a-f]/, '4');
    fixtureSerials.push(serial);
    out.push(JSON.stringify({ ...alice, serial, name: `leaver${i}`, files: [{ path: `gone/leaver${i}.crt`, kind: 'certificate' }], status: 'revoked', revokedAt, reason: reasons[i % reasons.length] }));
  }
  writeFileSync(inv, `${lines.join('\n')}\n${out.join('\n')}\n`);
}, 120_000);

describe(`a CRL of ${COUNT} revoked certificates (issue 18 item 3)`, () => {
  it('crl writes it; openssl crl -verify accepts it and lists every serial', async () => {
    const r = JSON.parse((await cliOk(['crl', '--dir', pki, '--json'], { timeoutMs: 120_000 })).stdout);
    expect(r.revoked).toHaveLength(COUNT);
    const listed = await crlSerials();
    expect(listed.size).toBe(COUNT);
    for (const s of fixtureSerials) if (!listed.has(s)) expect.fail(`serial ${s} missing from the CRL`);
  }, 180_000);

  it('revoke of one more works (the CRL it reads back for its number is the big one) and lists COUNT + 1', async () => {
    const before = Number.parseInt(readFileSync(path.join(pki, 'crlnumber'), 'utf8'), 16);
    await cliOk(['revoke', 'bob', '--dir', pki, '--reason', 'keyCompromise'], { timeoutMs: 120_000 });
    expect(Number.parseInt(readFileSync(path.join(pki, 'crlnumber'), 'utf8'), 16)).toBe(before + 1);
    const listed = await crlSerials();
    expect(listed.size).toBe(COUNT + 1);
    expect(listed.has(await serialOf('bob'))).toBe(true);
    expect(listed.has(await serialOf('alice'))).toBe(false);
  }, 180_000);

  it('nginx loads it with ssl_crl: bob (revoked) is refused, alice (kept) is let through', async () => {
    const { curl, prefix } = await nginxWithCrl(pki, 'nginx');
    const alice = await curl('alice');
    expect(alice.code, alice.stderr).toBe(0);
    expect(alice.stdout).toBe('upstream ok\n');
    const bob = await curl('bob');
    expect(bob.stdout).not.toContain('upstream ok');
    expect(bob.stdout).toMatch(/400 The SSL certificate error/);
    expect(readFileSync(path.join(prefix, 'logs', 'error.log'), 'utf8')).toMatch(/certificate revoked/);
  }, 60_000);
});

describe('the size where it broke (issue 18 item 3: about 1,300 entries)', () => {
  it('2,000 revoked entries: crl writes a CRL (pkijs stopped here with "Error during parsing of ASN.1 data")', async () => {
    const dir = path.join(T, 'two-thousand');
    await cliOk(['init-ca', '--dir', dir]);
    await cliOk(['issue', 'alice', '--client', '--dir', dir]);
    const inv = path.join(dir, 'inventory.jsonl');
    const line = readFileSync(inv, 'utf8').trim();
    const alice = JSON.parse(line);
    const revokedAt = new Date(Date.now() - 60_000).toISOString();
    const rows = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ ...alice, serial: `4${randomBytes(15).toString('hex')}`, name: `l${i}`, status: 'revoked', revokedAt, reason: 'keyCompromise' }));
    writeFileSync(inv, `${line}\n${rows.join('\n')}\n`);
    const r = await runCli(['crl', '--dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const v = await runOk(OPENSSL, ['crl', '-in', path.join(dir, 'crl.pem'), '-CAfile', path.join(dir, 'ca.crt'), '-verify', '-noout', '-text']);
    expect([...v.stdout.matchAll(/Serial Number:/g)]).toHaveLength(2000);
  }, 120_000);
});

describe('bulk revoke of 1,000 names in one run (issue 21 item 2)', () => {
  it('one CRL that openssl verifies listing all 1,000 serials; nginx ssl_crl refuses a revoked client and accepts the kept one', async () => {
    const dir = path.join(T, 'bulk');
    await cliOk(['init-ca', '--dir', dir, '--cn', 'Bulk CA']);
    await cliOk(['issue', '127.0.0.1', '--server', '--dir', dir]);
    const names = Array.from({ length: 1000 }, (_, i) => `leaver${i + 1}`);
    writeFileSync(path.join(T, 'bulk.csv'), `name,sans,profile,days\nkept,,client,\n${names.map((n) => `${n},,client,`).join('\n')}\n`);
    await cliOk(['issue', '--batch', path.join(T, 'bulk.csv'), '--dir', dir], { timeoutMs: 300_000 });
    writeFileSync(path.join(T, 'leavers.txt'), `${names.join('\n')}\n`);
    const r = JSON.parse((await cliOk(['revoke', '--batch', path.join(T, 'leavers.txt'), '--dir', dir, '--reason', 'affiliationChanged', '--json'], { timeoutMs: 300_000 })).stdout);
    expect(r.revoked).toHaveLength(1000);
    expect(r.crl.number).toBe('1'); // one CRL signed for the whole run
    const v = await runOk(OPENSSL, ['crl', '-in', path.join(dir, 'crl.pem'), '-CAfile', path.join(dir, 'ca.crt'), '-verify', '-noout', '-text']);
    expect(v.stderr).toMatch(/verify OK/);
    const listed = new Set([...v.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase().replace(/^0+(?=.)/, '')));
    expect(listed.size).toBe(1000);
    const serial = async (n: string) => (await runOk(OPENSSL, ['x509', '-in', path.join(dir, `${n}.crt`), '-noout', '-serial'])).stdout.trim().replace('serial=', '').toLowerCase().replace(/^0+(?=.)/, '');
    for (const n of [names[0]!, names[499]!, names[999]!]) expect(listed.has(await serial(n))).toBe(true);
    expect(listed.has(await serial('kept'))).toBe(false);

    const { curl } = await nginxWithCrl(dir, 'nginx-bulk');
    const kept = await curl('kept');
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toBe('upstream ok\n');
    const gone = await curl(names[499]!);
    expect(gone.stdout).not.toContain('upstream ok');
    expect(gone.stdout).toMatch(/400 The SSL certificate error/);
  }, 600_000);
});

/** nginx requiring a client certificate of DIR's CA and checking DIR/crl.pem, in front of an upstream that answers "upstream ok"; returns a curl presenting DIR/WHO.crt, and nginx's prefix (its logs). */
async function nginxWithCrl(dir: string, name: string): Promise<{ curl: (who: string) => ReturnType<typeof run>; prefix: string }> {
  const [port, upstream] = [await freePort(), await freePort()];
  const prefix = path.join(T, name);
  mkdirSync(prefix, { recursive: true });
  servers.push(
    await startNginx(
      prefix,
      `  server { listen 127.0.0.1:${upstream}; location / { return 200 "upstream ok\\n"; } }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/127.0.0.1.crt; ssl_certificate_key ${dir}/127.0.0.1.key;
    ssl_client_certificate ${dir}/ca.crt; ssl_verify_client on; ssl_crl ${dir}/crl.pem;
    location / { proxy_pass http://127.0.0.1:${upstream}; }
  }`,
      port,
    ),
  );
  const curl = (who: string) => run(CURL, ['-sS', '--max-time', '10', '--cacert', path.join(dir, 'ca.crt'), '--cert', path.join(dir, `${who}.crt`), '--key', path.join(dir, `${who}.key`), `https://127.0.0.1:${port}/v2/`]);
  return { curl, prefix };
}
