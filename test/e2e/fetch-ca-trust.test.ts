/**
 * Issue 9 (findings 1, 5 and 6): what fetch-ca and install-host --fetch-ca
 * trust, how much they read, and what reaches the terminal. Real servers:
 * nginx (a man in the middle with its own CA, honest registries) and a
 * hostile HTTPS process (test/helpers/hostile-https.mjs) for endless and
 * oversized bodies; certificates with control sequences in their names are
 * made with openssl, as an attacker would.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, run, runCli } from '../helpers/cli.js';
import { freePort, requireBinary, startServer, waitForPort, type Server } from '../helpers/proc.js';
import { startNginx } from '../helpers/nginx.js';
import { issue, makePki, type Pki } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';
import { Tty } from '../helpers/tty.js';

const T = tmpDir('regcert-trust-');
requireBinary('nginx');
const OPENSSL = requireBinary('openssl');
requireBinary('tmux');
// GNU time (Debian package "time") reports the child's peak RSS.
const GNU_TIME = '/usr/bin/time';
if (!existsSync(GNU_TIME)) throw new Error('/usr/bin/time is not installed: run "bash scripts/setup.sh" (Debian package "time")');

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

let real: Pki;
let attacker: Pki;
let alice: { crt: string; key: string };
const url: Record<string, string> = {};
const fp = (file: string) => execFileSync(OPENSSL, ['x509', '-in', file, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).split('=')[1]!.trim();
const pem = (file: string) => readFileSync(file, 'utf8');
const squash = (s: string) => s.replace(/\s+/g, '');

/** The hostile name: conceal, erase-line, CR, BEL and a C1 CSI, the tools of a faked prompt. */
const HOSTILE = 'Evil\x1b[8mHIDDEN\x1b[28m\x1b[2K\rCA\x07\u009b31m';

/** A CA whose subject carries HOSTILE, and a 127.0.0.1 server certificate it signed (openssl, not regcert: regcert refuses such names). */
function makeHostileCa(dir: string): { ca: string; crt: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const cnf = path.join(dir, 'ca.cnf');
  writeFileSync(
    cnf,
    `[req]\ndistinguished_name=dn\nprompt=no\nx509_extensions=v3\n[dn]\nCN=${HOSTILE}\n[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n`,
  );
  const ca = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  const key = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const crt = path.join(dir, 'server.crt');
  const ext = path.join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  execFileSync(OPENSSL, ['req', '-x509', '-new', ...ec, '-keyout', caKey, '-config', cnf, '-days', '30', '-out', ca], { stdio: 'pipe' });
  execFileSync(OPENSSL, ['req', '-new', ...ec, '-keyout', key, '-subj', `/CN=${HOSTILE}`, '-out', csr], { stdio: 'pipe' });
  writeFileSync(ext, 'basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  execFileSync(OPENSSL, ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '30', '-extfile', ext, '-out', crt], { stdio: 'pipe' });
  return { ca, crt, key };
}

let hostile: { ca: string; crt: string; key: string };

/**
 * A CA (openssl) and a 127.0.0.1 server certificate it signed that was
 * valid only in 2020 (`openssl ca`, the openssl 3.0 way to set past dates):
 * a chain Go refuses, whose CA fetch-ca must not write.
 */
function makeExpiredServer(dir: string): { ca: string; crt: string; key: string } {
  mkdirSync(path.join(dir, 'db'), { recursive: true });
  writeFileSync(path.join(dir, 'db', 'index.txt'), '');
  writeFileSync(path.join(dir, 'db', 'serial'), '1000\n');
  const f = (n: string) => path.join(dir, n);
  writeFileSync(
    f('ca.cnf'),
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${f('db/index.txt')}\nnew_certs_dir=${f('db')}\nserial=${f('db/serial')}\ndefault_md=sha256\npolicy=any\n[any]\ncommonName=supplied\n` +
      `[req]\ndistinguished_name=dn\nprompt=no\nx509_extensions=v3\n[dn]\nCN=Expired Server CA\n[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n` +
      `[server]\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`,
  );
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  execFileSync(OPENSSL, ['req', '-x509', '-new', ...ec, '-keyout', f('ca.key'), '-config', f('ca.cnf'), '-days', '30', '-out', f('ca.crt')], { stdio: 'pipe' });
  execFileSync(OPENSSL, ['req', '-new', ...ec, '-keyout', f('server.key'), '-subj', '/CN=expired.test', '-out', f('server.csr')], { stdio: 'pipe' });
  execFileSync(
    OPENSSL,
    ['ca', '-batch', '-config', f('ca.cnf'), '-cert', f('ca.crt'), '-keyfile', f('ca.key'), '-in', f('server.csr'), '-out', f('server.crt'), '-startdate', '20200101000000Z', '-enddate', '20210101000000Z', '-extensions', 'server', '-notext'],
    { stdio: 'pipe' },
  );
  return { ca: f('ca.crt'), crt: f('server.crt'), key: f('server.key') };
}

async function startHostile(name: string, routes: Record<string, unknown>, tls = { cert: path.join(real.dir, 'registry.crt'), key: path.join(real.dir, 'registry.key') }): Promise<void> {
  const port = await freePort();
  const { cert, key } = tls;
  servers.push(await startServer(process.execPath, [path.join(ROOT, 'test/helpers/hostile-https.mjs'), String(port), cert, key, JSON.stringify(routes)], port));
  url[name] = `https://127.0.0.1:${port}`;
}

beforeAll(async () => {
  real = await makePki(path.join(T, 'real'), 'Real Registry CA');
  attacker = await makePki(path.join(T, 'attacker'), 'Attacker CA');
  await issue(real, 'registry', ['--server', '--san', '127.0.0.1']);
  await issue(attacker, 'mitm', ['--server', '--san', '127.0.0.1']);
  alice = await issue(real, 'alice', ['--client']);
  hostile = makeHostileCa(path.join(T, 'hostile'));
  const expired = makeExpiredServer(path.join(T, 'expired'));
  const served = path.join(T, 'served');
  mkdirSync(served);
  writeFileSync(path.join(served, 'real-attacker.pem'), pem(real.ca) + pem(attacker.ca));
  writeFileSync(path.join(served, 'leaf.pem'), pem(path.join(real.dir, 'registry.crt')));
  writeFileSync(path.join(served, 'leaf-ca.pem'), pem(path.join(real.dir, 'registry.crt')) + pem(real.ca));

  const names = ['mitm', 'real', 'leaf', 'leafca', 'hostile', 'hostilebad', 'user', 'expired'];
  const ports = await Promise.all(names.map(() => freePort()));
  const p = Object.fromEntries(names.map((n, i) => [n, ports[i]!]));
  const tls = (dir: string, name: string) => `ssl_certificate ${path.join(dir, `${name}.crt`)}; ssl_certificate_key ${path.join(dir, `${name}.key`)};`;
  const ca = (file: string) => `location = /ca { default_type application/x-pem-file; alias ${file}; }`;
  // nginx turns \\ into \ inside quotes: the JSON carries \u001b, \r, \u0007 escapes, which JSON.parse decodes.
  const hostileUser = 'mallory\\\\u001b[8mHIDDEN\\\\u001b[28m\\\\r\\\\u001b[2Kalice\\\\u0007';
  const http = `
  server { listen 127.0.0.1:${p.mitm} ssl; ${tls(attacker.dir, 'mitm')} ${ca(path.join(served, 'real-attacker.pem'))} }
  server { listen 127.0.0.1:${p.real} ssl; ${tls(real.dir, 'registry')} ${ca(real.ca)} }
  server { listen 127.0.0.1:${p.leaf} ssl; ${tls(real.dir, 'registry')} ${ca(path.join(served, 'leaf.pem'))} }
  server { listen 127.0.0.1:${p.leafca} ssl; ${tls(real.dir, 'registry')} ${ca(path.join(served, 'leaf-ca.pem'))} }
  server { listen 127.0.0.1:${p.expired} ssl; ssl_certificate ${expired.crt}; ssl_certificate_key ${expired.key}; ${ca(expired.ca)} }
  server { listen 127.0.0.1:${p.hostile} ssl; ssl_certificate ${hostile.crt}; ssl_certificate_key ${hostile.key}; ${ca(hostile.ca)} }
  server { listen 127.0.0.1:${p.hostilebad} ssl; ssl_certificate ${hostile.crt}; ssl_certificate_key ${hostile.key}; ${ca(real.ca)} }
  server {
    listen 127.0.0.1:${p.user} ssl; ${tls(real.dir, 'registry')}
    ssl_client_certificate ${real.ca}; ssl_verify_client on;
    location = /basic_info { default_type application/json; return 200 '{"CurrentVersion":"2.7.0","User":{"name":"${hostileUser}","isAdmin":false},"IsAdmin":false,"AuthnMethod":"TLSClientCertificate"}'; }
  }
`;
  servers.push(await startNginx(path.join(T, 'nginx'), http, p.mitm!));
  for (const n of names) {
    await waitForPort(p[n]!);
    url[n] = `https://127.0.0.1:${p[n]}`;
  }

  // A server certificate OpenSSL serves but regcert's reader refuses: an iPAddress of 5 bytes (raw DER, as an attacker writes it).
  const odd = path.join(T, 'odd');
  mkdirSync(odd);
  execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(odd, 'k.pem'), '-out', path.join(odd, 'c.pem'), '-subj', '/CN=odd', '-days', '30', '-addext', 'subjectAltName=DER:300d8705010203040587047f000001'], { stdio: 'pipe' });
  await startHostile('oddpeer', { '/ca': { text: pem(real.ca), type: 'application/x-pem-file' } }, { cert: path.join(odd, 'c.pem'), key: path.join(odd, 'k.pem') });
  await startHostile('endless', { '/ca': { repeat: '-----BEGIN CERTIFICATE-----\nAAAA\n' } });
  await startHostile('begins', { '/ca': { repeat: '-----BEGIN CERTIFICATE-----\n', times: 40_000 } });
  await startHostile('many', { '/ca': { repeat: pem(real.ca), times: 1001 } });
  await startHostile('big', {
    '/basic_info': { repeat: '{"pad":"', bytes: 50 * 1024 * 1024, length: true, type: 'application/json' },
    '/v2/': { repeat: 'x', bytes: 50 * 1024 * 1024, type: 'application/json' },
  });
});

/** No raw ESC (0x1b), CR (0x0d), BEL (0x07) or C1 CSI (U+009B) in what a person would see. */
function expectNoControls(text: string): void {
  expect(text.includes('\x1b'), JSON.stringify(text)).toBe(false);
  expect(text.includes('\r'), JSON.stringify(text)).toBe(false);
  expect(text.includes('\x07'), JSON.stringify(text)).toBe(false);
  expect(text.includes('\u009b'), JSON.stringify(text)).toBe(false);
}

describe('the pin means the anchor', () => {
  it('fetch-ca: pin bypass with [real, attacker] /ca — exit 1, nothing written', async () => {
    const out = path.join(T, 'pin-bypass.crt');
    const r = await runCli(['fetch-ca', url.mitm!, '--out', out, '--fingerprint', fp(real.ca)]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/does not anchor the chain 127\.0\.0\.1:\d+ presented/);
    expect(existsSync(out)).toBe(false);
  });
  it('install-host --fetch-ca: pin bypass with [real, attacker] /ca — exit 1, nothing written', async () => {
    const root = path.join(T, 'pin-bypass-certs.d');
    const host = new URL(url.mitm!).host;
    const r = await runCli(['install-host', host, '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--fetch-ca', '--fingerprint', fp(real.ca)]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/does not anchor/);
    expect(existsSync(root)).toBe(false);
  });
  it('the real registry with /ca = [real]: fetch-ca and install-host --fetch-ca write exactly the real CA', async () => {
    const out = path.join(T, 'real.crt');
    const r = await runCli(['fetch-ca', url.real!, '--out', out, '--fingerprint', fp(real.ca)]);
    expect(r.code, r.stderr).toBe(0);
    expect(squash(pem(out))).toBe(squash(pem(real.ca)));
    const root = path.join(T, 'real-certs.d');
    const host = new URL(url.real!).host;
    const i = await runCli(['install-host', host, '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--fetch-ca', '--fingerprint', fp(real.ca)]);
    expect(i.code, i.stderr).toBe(0);
    expect(squash(pem(path.join(root, host, 'ca.crt')))).toBe(squash(pem(real.ca)));
  });
  it('fetch-ca --yes with [real, attacker] /ca: the unrelated CA is refused, nothing written', async () => {
    const out = path.join(T, 'yes-mitm.crt');
    const r = await runCli(['fetch-ca', url.mitm!, '--out', out, '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/Real Registry CA.*not on the chain the server presented/);
    expect(r.stderr).toMatch(/--allow-extra/);
    expect(existsSync(out)).toBe(false);
  });
  it('fetch-ca --yes: a /ca that is the server leaf (CA:FALSE) is never written', async () => {
    const out = path.join(T, 'leaf.crt');
    const r = await runCli(['fetch-ca', url.leaf!, '--out', out, '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(existsSync(out)).toBe(false);
    const extra = await runCli(['fetch-ca', url.leaf!, '--out', out, '--yes', '--allow-extra']);
    expect(extra.code, extra.stderr).toBe(1);
    expect(existsSync(out)).toBe(false);
    const pinned = await runCli(['fetch-ca', url.leaf!, '--out', out, '--fingerprint', fp(path.join(real.dir, 'registry.crt'))]);
    expect(pinned.code, pinned.stderr).toBe(1);
    expect(pinned.stderr).toMatch(/is not a CA certificate/);
    expect(existsSync(out)).toBe(false);
  });
  it('fetch-ca --yes with [leaf, CA] /ca: refused; with --allow-extra only the CA is written and the leaf is named as dropped', async () => {
    const out = path.join(T, 'leafca.crt');
    const r = await runCli(['fetch-ca', url.leafca!, '--out', out, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a CA certificate/);
    expect(existsSync(out)).toBe(false);
    const j = await runCli(['fetch-ca', url.leafca!, '--out', out, '--yes', '--allow-extra', '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(squash(pem(out))).toBe(squash(pem(real.ca)));
    const doc = JSON.parse(j.stdout);
    expect(doc.dropped).toEqual([expect.objectContaining({ sha256: fp(path.join(real.dir, 'registry.crt')), reason: expect.stringMatching(/CA:FALSE/) })]);
    expect(doc.certificates.map((c: { isCa: boolean }) => c.isCa)).toEqual([true]);
  });
  it('fetch-ca --yes: the CA of a server whose certificate expired is refused with the reason (the chain rules every command uses), nothing written', async () => {
    const out = path.join(T, 'expired.crt');
    const r = await runCli(['fetch-ca', url.expired!, '--out', out, '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/does not verify the TLS certificate the server presented .*"CN=expired\.test" expired on 2021-01-01/);
    expect(existsSync(out)).toBe(false);
  });
  it('fetch-ca: a server certificate regcert cannot read is refused as the server\'s (exit 1, BAD_PEER_CERT), nothing written', async () => {
    const out = path.join(T, 'oddpeer.crt');
    const r = await runCli(['fetch-ca', url.oddpeer!, '--out', out, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('BAD_PEER_CERT');
    expect(r.stderr).toMatch(/presented a TLS certificate regcert cannot parse/);
    expect(existsSync(out)).toBe(false);
  });
  it('fetch-ca: a /ca with 1,001 certificates is refused before parsing, nothing written', async () => {
    const out = path.join(T, 'many.crt');
    const r = await runCli(['fetch-ca', url.many!, '--out', out, '--yes']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/more than 16 PEM blocks/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('network bounds', () => {
  /** Runs the CLI under GNU time: exit code, wall time and the child's peak RSS in KB. */
  async function measured(args: string[]) {
    const report = path.join(T, `time-${Date.now()}.txt`);
    const started = Date.now();
    const r = await run(GNU_TIME, ['-f', '%M', '-o', report, process.execPath, BIN, ...args], { timeoutMs: 60_000 });
    return { ...r, ms: Date.now() - started, rssKb: Number(readFileSync(report, 'utf8').trim().split('\n').pop()) };
  }
  it('fetch-ca: an endless /ca body — exit 1 within --timeout + 1 s, under 200 MB peak RSS', async () => {
    const out = path.join(T, 'endless.crt');
    const r = await measured(['fetch-ca', url.endless!, '--out', out, '--yes', '--timeout', '3']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/answered with more than 1048576 bytes/);
    expect(r.ms).toBeLessThan(4000);
    expect(r.rssKb).toBeGreaterThan(0);
    expect(r.rssKb).toBeLessThan(200 * 1024);
    expect(existsSync(out)).toBe(false);
  });
  it('fetch-ca: a /ca of 40,000 BEGIN lines is refused inside --timeout', async () => {
    const out = path.join(T, 'begins.crt');
    const started = Date.now();
    const r = await runCli(['fetch-ca', url.begins!, '--out', out, '--yes', '--timeout', '5']);
    expect(r.code, r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(existsSync(out)).toBe(false);
  });
  it('verify: a 50 MB /basic_info is refused, and so is a 50 MB /v2/ probe', async () => {
    const r = await measured(['verify', url.big!, '--cert', alice.crt, '--key', alice.key, '--ca', real.ca, '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect(r.rssKb).toBeLessThan(200 * 1024);
    const v2 = await measured(['verify', url.big!, '--api', 'registry', '--cert', alice.crt, '--key', alice.key, '--ca', real.ca, '--json']);
    expect(v2.code, v2.stderr).toBe(1);
    expect(JSON.parse(v2.stdout).error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  });
});

describe('terminal safety', () => {
  it('fetch-ca: control sequences in a served CA subject never reach stdout/stderr raw; --json keeps them', async () => {
    const out = path.join(T, 'hostile.crt');
    const r = await runCli(['fetch-ca', url.hostile!, '--out', out, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expectNoControls(r.stdout + r.stderr);
    expect(r.stdout).toContain('Evil\\x1b[8mHIDDEN\\x1b[28m\\x1b[2K');
    // An error message that quotes the hostile server's names (its chain does not match /ca).
    const refused = await runCli(['fetch-ca', url.hostilebad!, '--out', path.join(T, 'hostile2.crt'), '--yes']);
    expect(refused.code).toBe(1);
    expectNoControls(refused.stdout + refused.stderr);
    expect(refused.stderr).toContain('\\x1b[8mHIDDEN');
    const j = await runCli(['fetch-ca', url.hostile!, '--out', path.join(T, 'hostile3.crt'), '--yes', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout).certificates[0].subject).toContain('\x1b[8mHIDDEN');
  });
  it('fetch-ca: the trust-on-first-use prompt shows a hostile subject escaped (real terminal)', async () => {
    const out = path.join(T, 'tofu.crt');
    const raw = path.join(T, 'tofu.bytes');
    writeFileSync(raw, '');
    const cmd = `sleep 1; env -u CI NO_COLOR=1 ${process.execPath} ${BIN} fetch-ca ${url.hostile} --out ${out}; echo EXITED $?; sleep 30`;
    const tty = new Tty(cmd, { cwd: T });
    try {
      execFileSync('tmux', ['-L', tty.socket, 'pipe-pane', '-t', 't', `cat >> ${raw}`]);
      await tty.waitFor(/Trust this CA/);
      tty.send('n');
      tty.send('Enter');
      await tty.waitFor(/EXITED 1/);
    } finally {
      tty.kill();
    }
    const bytes = readFileSync(raw, 'latin1');
    expect(bytes).toContain('Evil\\x1b[8mHIDDEN');
    // The prompt library draws with its own escapes; the attacker's must not get through.
    expect(bytes.includes('\x1b[8m')).toBe(false);
    expect(bytes.includes('\x1b[28m')).toBe(false);
    expect(bytes.includes('HIDDEN\x1b')).toBe(false);
    expect(bytes.includes('\x07')).toBe(false);
    expect(existsSync(out)).toBe(false);
  });
  it('verify: control sequences in the /basic_info user name never reach stdout/stderr raw', async () => {
    const r = await runCli(['verify', url.user!, '--cert', alice.crt, '--key', alice.key, '--ca', real.ca]);
    expect(r.code, r.stderr).toBe(0);
    expectNoControls(r.stdout + r.stderr);
    expect(r.stdout).toContain('as mallory\\x1b[8mHIDDEN\\x1b[28m\\x0d\\x1b[2Kalice\\x07');
    const j = await runCli(['verify', url.user!, '--cert', alice.crt, '--key', alice.key, '--ca', real.ca, '--json']);
    expect(JSON.parse(j.stdout).user).toBe('mallory\x1b[8mHIDDEN\x1b[28m\r\x1b[2Kalice\x07');
  });
  it('inspect: control sequences in a certificate CN never reach stdout/stderr raw', async () => {
    const r = await runCli(['inspect', hostile.ca, hostile.crt]);
    expect(r.code, r.stderr).toBe(0);
    expectNoControls(r.stdout + r.stderr);
    expect(r.stdout).toContain('Evil\\x1b[8mHIDDEN');
  });
});
