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
import { cliOk, run, runOk } from '../helpers/cli.js';
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
    const [port, upstream] = [await freePort(), await freePort()];
    const prefix = path.join(T, 'nginx');
    mkdirSync(prefix, { recursive: true });
    servers.push(
      await startNginx(
        prefix,
        `  server { listen 127.0.0.1:${upstream}; location / { return 200 "upstream ok\\n"; } }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${pki}/127.0.0.1.crt; ssl_certificate_key ${pki}/127.0.0.1.key;
    ssl_client_certificate ${pki}/ca.crt; ssl_verify_client on; ssl_crl ${pki}/crl.pem;
    location / { proxy_pass http://127.0.0.1:${upstream}; }
  }`,
        port,
      ),
    );
    const curl = (who: string) => run(CURL, ['-sS', '--max-time', '10', '--cacert', path.join(pki, 'ca.crt'), '--cert', path.join(pki, `${who}.crt`), '--key', path.join(pki, `${who}.key`), `https://127.0.0.1:${port}/v2/`]);
    const alice = await curl('alice');
    expect(alice.code, alice.stderr).toBe(0);
    expect(alice.stdout).toBe('upstream ok\n');
    const bob = await curl('bob');
    expect(bob.stdout).not.toContain('upstream ok');
    expect(bob.stdout).toMatch(/400 The SSL certificate error/);
    expect(readFileSync(path.join(prefix, 'logs', 'error.log'), 'utf8')).toMatch(/certificate revoked/);
  }, 60_000);
});
