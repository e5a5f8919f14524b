/**
 * `regcert revoke` and `regcert crl` against real verifiers: openssl crl
 * -verify, openssl verify -crl_check, and nginx with ssl_verify_client on and
 * the ssl_crl line from `config nginx --crl` (curl, real handshakes). A CRL
 * past its nextUpdate makes doctor and list warn.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrl, crlToPem } from '../../src/core/crl.js';
import { parseCertificates } from '../../src/core/certificates.js';
import { parsePrivateKey } from '../../src/core/keys.js';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { startNginx } from '../helpers/nginx.js';
import { freePort, requireBinary, waitForPort, type Server } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-crl-');
const OPENSSL = requireBinary('openssl');
const dir = path.join(T, 'pki');
const ca = path.join(dir, 'ca.crt');
const crlPem = path.join(dir, 'crl.pem');
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

let aliceSerial = '';

/** A CA in T/NAME (init-ca) with a client certificate for each of `clients`. */
async function caWithClients(name: string, ...clients: string[]): Promise<string> {
  const d = path.join(T, name);
  await cliOk(['init-ca', '--dir', d]);
  for (const c of clients) await cliOk(['issue', c, '--client', '--dir', d]);
  return d;
}

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', dir, '--cn', 'CRL Test CA']);
  await cliOk(['issue', '127.0.0.1', '--server', '--dir', dir]);
  await cliOk(['issue', 'alice', '--client', '--dir', dir]);
  await cliOk(['issue', 'bob', '--client', '--dir', dir]);
  aliceSerial = (await runOk(OPENSSL, ['x509', '-in', path.join(dir, 'alice.crt'), '-noout', '-serial'])).stdout.trim().replace('serial=', '');
}, 120_000);

describe('revoke + crl', () => {
  it('revoke alice --reason keyCompromise, then crl: openssl crl -verify accepts crl.pem and lists the serial with its reason', async () => {
    const r = await cliOk(['revoke', 'alice', '--reason', 'keyCompromise', '--dir', dir]);
    expect(r.stdout).toMatch(/Revoked alice \(serial [0-9a-f]+, keyCompromise\)/);
    // revoke tells the truth about who enforces the CRL.
    expect(r.stderr).toMatch(/checks\s+nginx/);
    expect(r.stderr).toMatch(/IGNORES IT CNCF distribution 2\.x/);
    expect(r.stderr).toMatch(/IGNORES IT Mirantis MKE \/ MSR/);
    expect(r.stderr).toMatch(/IGNORES IT Harbor/);

    const c = await cliOk(['crl', '--dir', dir, '--json']);
    const doc = JSON.parse(c.stdout);
    expect(doc).toMatchObject({ ok: true, command: 'crl', number: '2', revoked: [{ name: 'alice', reason: 'keyCompromise' }] });
    expect(statSync(crlPem).mode & 0o777).toBe(0o644);

    const v = await runOk(OPENSSL, ['crl', '-in', crlPem, '-CAfile', ca, '-verify', '-noout', '-text']);
    expect(v.stderr + v.stdout).toMatch(/verify OK/);
    expect(v.stdout).toMatch(/Version 2 \(0x1\)/);
    expect(v.stdout).toContain(`Serial Number: ${aliceSerial}`);
    expect(v.stdout).toMatch(/X509v3 CRL Reason Code: \n\s+Key Compromise/);
    expect(v.stdout).toMatch(/X509v3 CRL Number: \n\s+2\b/);
    expect(v.stdout).toMatch(/X509v3 Authority Key Identifier/);
    expect(v.stdout).toMatch(/Next Update: /);
    // The AKI is the CA's SKI.
    const ski = (await runOk(OPENSSL, ['x509', '-in', ca, '-noout', '-ext', 'subjectKeyIdentifier'])).stdout.trim().split('\n').pop()!.trim();
    expect(v.stdout).toContain(ski);
  }, 60_000);

  it('openssl verify -crl_check refuses alice and accepts bob', async () => {
    const alice = await run(OPENSSL, ['verify', '-crl_check', '-CRLfile', crlPem, '-CAfile', ca, path.join(dir, 'alice.crt')]);
    expect(alice.code).not.toBe(0);
    expect(alice.stdout + alice.stderr).toMatch(/certificate revoked/);
    const bob = await runOk(OPENSSL, ['verify', '-crl_check', '-CRLfile', crlPem, '-CAfile', ca, path.join(dir, 'bob.crt')]);
    expect(bob.stdout).toContain(': OK');
  });

  it('revoking twice is a clear no-op: exit 0, says so, CRL untouched', async () => {
    const before = readFileSync(crlPem, 'utf8');
    const r = await cliOk(['revoke', 'alice', '--reason', 'keyCompromise', '--dir', dir, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.revoked).toEqual([]);
    expect(doc.alreadyRevoked).toHaveLength(1);
    expect(doc.crl).toBeNull();
    expect(readFileSync(crlPem, 'utf8')).toBe(before);
    const human = await cliOk(['revoke', aliceSerial, '--dir', dir]);
    expect(human.stdout).toMatch(/was already revoked on .* \(keyCompromise\): nothing changed/);
    const bad = await runCli(['revoke', 'bob', '--reason', 'lostIt', '--dir', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown --reason "lostIt"\nhint: use one of: unspecified, keyCompromise/);
    const list = JSON.parse((await cliOk(['list', '--dir', dir, '--revoked', '--json'])).stdout);
    expect(list.certificates.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([['alice', 'revoked']]);
  }, 60_000);

  it('nginx with ssl_verify_client on and the ssl_crl line of "config nginx --crl" refuses alice and accepts bob', async () => {
    const { block, curl, prefix } = await nginxFromConfig('nginx');
    expect(block).toMatch(new RegExp(`\\n\\s*ssl_crl\\s+"${crlPem.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}";`));
    expect(block).toMatch(/ssl_verify_client\s+on;/);
    const bob = await curl('bob');
    expect(bob.code, bob.stderr).toBe(0);
    expect(bob.stdout).toBe('upstream ok\n');
    const alice = await curl('alice');
    // nginx completes the handshake and answers 400 for a revoked certificate; the error log names the reason.
    expect(alice.stdout).not.toContain('upstream ok');
    expect(alice.stdout).toMatch(/400 The SSL certificate error/);
    expect(readFileSync(path.join(prefix, 'logs', 'error.log'), 'utf8')).toMatch(/certificate revoked/);
  }, 120_000);
});

describe('nginx with a CRL past its nextUpdate', () => {
  it('refuses a client certificate that was never revoked (the outage list and doctor warn about)', async () => {
    const caCert = parseCertificates(new Uint8Array(readFileSync(ca)))[0]!;
    const { key } = await parsePrivateKey(new Uint8Array(readFileSync(path.join(dir, 'ca.key'))));
    const stalePem = path.join(T, 'stale-crl.pem');
    writeFileSync(stalePem, crlToPem(buildCrl({ issuer: { cert: caCert, key }, revoked: [], number: 500n, thisUpdate: new Date(Date.now() - 10 * 86_400_000), days: 7 })));
    const { curl, prefix } = await nginxFromConfig('nginx-stale', stalePem);
    const bob = await curl('bob');
    expect(bob.stdout).not.toContain('upstream ok');
    expect(bob.stdout).toMatch(/400 The SSL certificate error/);
    expect(readFileSync(path.join(prefix, 'logs', 'error.log'), 'utf8')).toMatch(/CRL has expired/);
  }, 120_000);
});

/**
 * nginx with the server block of `regcert config nginx --crl` for the CA in
 * dir (kept on 127.0.0.1; with `crlFile` in place of its crl.pem) in front
 * of an upstream that answers "upstream ok": the block, a curl presenting
 * dir/WHO.crt, and nginx's prefix (its logs).
 */
async function nginxFromConfig(name: string, crlFile?: string): Promise<{ block: string; curl: (who: string) => ReturnType<typeof run>; prefix: string }> {
  const CURL = requireBinary('curl');
  const [port, upstream] = [await freePort(), await freePort()];
  const block = (await cliOk(['config', 'nginx', '--dir', dir, '--host', '127.0.0.1', '--port', String(port), '--upstream', `http://127.0.0.1:${upstream}`, '--crl'])).stdout;
  const prefix = path.join(T, name);
  mkdirSync(prefix, { recursive: true });
  // The generated block listens on all addresses: keep the test on 127.0.0.1.
  const local = block.replace(`listen ${port} ssl;`, `listen 127.0.0.1:${port} ssl;`);
  writeFileSync(path.join(prefix, 'server.conf'), crlFile === undefined ? local : local.replace(`"${crlPem}"`, `"${crlFile}"`));
  servers.push(
    await startNginx(
      prefix,
      `  server { listen 127.0.0.1:${upstream}; location / { return 200 "upstream ok\\n"; } }
  include ${prefix}/server.conf;`,
      port,
    ),
  );
  await waitForPort(upstream);
  const curl = (who: string) =>
    run(CURL, ['-sS', '--max-time', '10', '--cacert', ca, '--cert', path.join(dir, `${who}.crt`), '--key', path.join(dir, `${who}.key`), `https://127.0.0.1:${port}/v2/`]);
  return { block, curl, prefix };
}

describe('revoke by NAME after a renewal', () => {
  it('revokes the renewed certificate and the superseded one that shares its key; by SERIAL only that one', async () => {
    const d = await caWithClients('renewed', 'gina');
    const oldPem = readFileSync(path.join(d, 'gina.crt'), 'utf8');
    writeFileSync(path.join(T, 'gina-old.crt'), oldPem);
    await cliOk(['renew', 'gina', '--dir', d]);
    await cliOk(['issue', 'hank', '--client', '--dir', d]);
    const r = JSON.parse((await cliOk(['revoke', 'gina', '--dir', d, '--reason', 'affiliationChanged', '--json'])).stdout);
    expect(r.revoked).toHaveLength(2);
    expect(r.crl.revoked.map((x: { name: string }) => x.name)).toEqual(['gina', 'gina']);
    // The superseded certificate (same key, still within its validity) is refused too.
    for (const f of [path.join(T, 'gina-old.crt'), path.join(d, 'gina.crt')]) {
      const v = await run(OPENSSL, ['verify', '-crl_check', '-CRLfile', path.join(d, 'crl.pem'), '-CAfile', path.join(d, 'ca.crt'), f]);
      expect(v.code, f).not.toBe(0);
      expect(v.stdout + v.stderr).toMatch(/certificate revoked/);
    }
    const hankSerial = JSON.parse((await cliOk(['list', '--dir', d, '--json'])).stdout).certificates.find((c: { name: string }) => c.name === 'hank').serial;
    const one = JSON.parse((await cliOk(['revoke', hankSerial, '--dir', d, '--json'])).stdout);
    expect(one.revoked.map((x: { serial: string; reason: string }) => [x.serial, x.reason])).toEqual([[hankSerial, 'unspecified']]);
    const unknown = await runCli(['revoke', 'nobody', '--dir', d]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no certificate named or numbered "nobody"/);
  }, 120_000);
});

describe('a CRL past its nextUpdate', () => {
  it('makes list and doctor warn (doctor: a problem, exit 1); a fresh one does not', async () => {
    const d = await caWithClients('stale', 'carol');
    await cliOk(['revoke', 'carol', '--dir', d]);
    const fresh = await cliOk(['list', '--dir', d]);
    expect(fresh.stderr).not.toMatch(/crl\.pem/);
    const freshDoctor = await runCli(['doctor', '--certs-dir', `docker=${path.join(T, 'no-certs.d')}`, '--crl', path.join(d, 'crl.pem')]);
    expect(freshDoctor.code, freshDoctor.stderr).toBe(0);

    // A CRL made with a clock 10 days back and 7 days of validity: nextUpdate 3 days ago.
    const caCert = parseCertificates(new Uint8Array(readFileSync(path.join(d, 'ca.crt'))))[0]!;
    const { key } = await parsePrivateKey(new Uint8Array(readFileSync(path.join(d, 'ca.key'))));
    const stale = buildCrl({ issuer: { cert: caCert, key }, revoked: [], number: 99n, thisUpdate: new Date(Date.now() - 10 * 86_400_000), days: 7 });
    writeFileSync(path.join(d, 'crl.pem'), crlToPem(stale));

    const list = await cliOk(['list', '--dir', d]);
    expect(list.stderr).toMatch(/crl\.pem is stale: its nextUpdate .* has passed, so nginx \(ssl_crl\), HAProxy and Envoy refuse every client certificate/);
    expect(list.stderr).toMatch(/does not list carol/);
    const json = JSON.parse((await cliOk(['list', '--dir', d, '--json'])).stdout);
    expect(json.crl).toMatchObject({ level: 'expired' });

    const doctor = await runCli(['doctor', '--certs-dir', `docker=${path.join(T, 'no-certs.d')}`, '--crl', path.join(d, 'crl.pem'), '--json']);
    expect(doctor.code).toBe(1);
    expect(JSON.parse(doctor.stdout).problems).toMatchObject([{ code: 'crl-stale' }]);

    // Within 2 days of nextUpdate: a warning (exit 0) naming the fix.
    const soon = buildCrl({ issuer: { cert: caCert, key }, revoked: [], number: 100n, thisUpdate: new Date(Date.now() - 6 * 86_400_000), days: 7 });
    writeFileSync(path.join(d, 'crl.pem'), crlToPem(soon));
    const warned = await runCli(['doctor', '--certs-dir', `docker=${path.join(T, 'no-certs.d')}`, '--crl', path.join(d, 'crl.pem')]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/expires soon: nextUpdate .*regcert crl --dir/);

    // `crl` refreshes it, with a CRL number above the one found in the file.
    const refreshed = JSON.parse((await cliOk(['crl', '--dir', d, '--json'])).stdout);
    expect(refreshed.number).toBe('101');
    const after = await cliOk(['list', '--dir', d]);
    expect(after.stderr).not.toMatch(/stale|does not list/);
  }, 120_000);
});
