/**
 * Issue 2 acceptance: init-ca and issue, run through the built CLI and
 * checked by the real verifiers (openssl, GnuTLS certtool).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('openssl');
requireBinary('certtool');

const text = async (file: string) => (await runOk('openssl', ['x509', '-in', file, '-noout', '-text'])).stdout;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** certtool verifies the chain in --infile (leaf first) against the CA, for the given purpose. */
const gnutlsVerify = async (ca: string, infile: string, purpose: string) =>
  (await run('certtool', ['--verify', '--verify-purpose', purpose, '--load-ca-certificate', ca, '--infile', infile])).stdout;
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('init-ca + issue (the README flow)', () => {
  const cwd = tmpDir();

  it('writes the CA, a server and a client certificate with the right modes', async () => {
    await cliOk(['init-ca', '--dir', 'pki'], { cwd });
    await cliOk(['issue', 'registry.example.com', '--dir', 'pki', '--server', '--san', '127.0.0.1'], { cwd });
    await cliOk(['issue', 'alice', '--dir', 'pki', '--client', '--san', 'alice@example.com'], { cwd });
    expect(readdirSync(path.join(cwd, 'pki')).sort()).toEqual(
      ['alice.crt', 'alice.key', 'ca.crt', 'ca.key', 'inventory.jsonl', 'registry.example.com.crt', 'registry.example.com.key'].sort(),
    );
    expect(mode(path.join(cwd, 'pki', 'inventory.jsonl'))).toBe('644');
    for (const k of ['ca.key', 'alice.key', 'registry.example.com.key']) expect(mode(path.join(cwd, 'pki', k))).toBe('600');
    for (const c of ['ca.crt', 'alice.crt', 'registry.example.com.crt']) expect(mode(path.join(cwd, 'pki', c))).toBe('644');
  });

  it('openssl shows what the contract requires on the CA and the leaves', async () => {
    const ca = await text(path.join(cwd, 'pki/ca.crt'));
    expect(ca).toMatch(/Version: 3/);
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(ca).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(ca).toMatch(/Subject Key Identifier/);
    expect(ca).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    const serial = /Serial Number:\s*\n?\s*([0-9a-f:]+)/i.exec(ca)![1]!.replace(/:/g, '');
    expect(serial.length).toBeGreaterThanOrEqual(16); // >= 64 bits

    const server = await text(path.join(cwd, 'pki/registry.example.com.crt'));
    expect(server).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(server).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(server).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication\n/);
    expect(server).toMatch(/IP Address:127.0.0.1/);
    expect(server).toMatch(/Subject Key Identifier/);
    expect(server).toMatch(/Authority Key Identifier/);

    const client = await text(path.join(cwd, 'pki/alice.crt'));
    expect(client).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
    expect(client).toMatch(/email:alice@example.com/);
    expect(client).toMatch(/Subject: CN ?= ?alice/);
  });

  it('openssl verify and certtool --verify-chain accept every leaf', async () => {
    const ca = path.join(cwd, 'pki/ca.crt');
    const r = await runOk('openssl', ['verify', '-CAfile', ca, path.join(cwd, 'pki/registry.example.com.crt'), path.join(cwd, 'pki/alice.crt')]);
    expect(r.stdout).toMatch(/registry.example.com.crt: OK/);
    expect(r.stdout).toMatch(/alice.crt: OK/);
    await runOk('openssl', ['verify', '-CAfile', ca, '-purpose', 'sslclient', path.join(cwd, 'pki/alice.crt')]);
    await runOk('openssl', ['verify', '-CAfile', ca, '-purpose', 'sslserver', path.join(cwd, 'pki/registry.example.com.crt')]);
    // GnuTLS checks the chain for the intended purpose (EKU) too.
    for (const [leaf, purpose] of [['alice.crt', CLIENT_AUTH], ['registry.example.com.crt', SERVER_AUTH]] as const) {
      expect(await gnutlsVerify(ca, path.join(cwd, 'pki', leaf), purpose)).toMatch(/Chain verification output: Verified/);
    }
    expect(await gnutlsVerify(ca, path.join(cwd, 'pki/alice.crt'), SERVER_AUTH)).toMatch(/does not match the intended purpose/);
  });

  it('init-ca again without --force fails and leaves ca.key byte-identical', async () => {
    const before = sha(path.join(cwd, 'pki/ca.key'));
    const r = await runCli(['init-ca', '--dir', 'pki'], { cwd });
    expect(r.code).toBe(1); // refused operation, the same code for every command (writeFiles)
    expect(r.stderr).toMatch(/^regcert: pki\/ca.crt already exists/m);
    expect(r.stderr).toMatch(/^hint: .*--force/m);
    expect(sha(path.join(cwd, 'pki/ca.key'))).toBe(before);
  });

  it('--json of both commands carries the contract fields', async () => {
    const a = JSON.parse((await cliOk(['init-ca', '--dir', 'pki2', '--json'], { cwd })).stdout);
    const b = JSON.parse((await cliOk(['issue', 'bob', '--dir', 'pki2', '--client', '--server', '--san', 'bob.example.com', '--json'], { cwd })).stdout);
    for (const doc of [a, b]) {
      expect(doc.ok).toBe(true);
      for (const f of doc.files) expect(Object.keys(f)).toEqual(expect.arrayContaining(['path', 'kind', 'mode']));
      expect(doc.certificate).toMatchObject({ subject: expect.any(String), sans: expect.any(Array), ekus: expect.any(Array), notAfter: expect.any(String), serial: expect.any(String) });
      expect(doc.certificate.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
    expect(b.files.map((f: { mode: string }) => f.mode)).toEqual(['0644', '0600']);
    expect(b.certificate.ekus).toEqual(['serverAuth', 'clientAuth']);
    expect(b.certificate.sans).toEqual(['DNS:bob.example.com']);
  });
});

describe('every key type, for CA and leaf', () => {
  const cwd = tmpDir();
  const types = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ed25519'];
  const sigs: Record<string, RegExp> = {
    'ecdsa-p256': /ecdsa-with-SHA256/,
    'ecdsa-p384': /ecdsa-with-SHA384/,
    'rsa-2048': /sha256WithRSAEncryption/,
    'rsa-3072': /sha256WithRSAEncryption/,
    'rsa-4096': /sha256WithRSAEncryption/,
    ed25519: /ED25519/i,
  };
  it.each(types)('%s', async (type) => {
    const dir = `pki-${type}`;
    await cliOk(['init-ca', '--dir', dir, '--key-type', type], { cwd, timeoutMs: 120_000 });
    await cliOk(['issue', 'leaf.example.com', '--dir', dir, '--server', '--client', '--key-type', type], { cwd, timeoutMs: 120_000 });
    const ca = await text(path.join(cwd, dir, 'ca.crt'));
    expect(ca).toMatch(sigs[type]!);
    const leaf = await text(path.join(cwd, dir, 'leaf.example.com.crt'));
    expect(leaf).toMatch(sigs[type]!);
    if (type.startsWith('rsa')) expect(leaf).toMatch(/Digital Signature, Key Encipherment/);
    else expect(leaf).not.toMatch(/Key Encipherment/);
    const v = await runOk('openssl', ['verify', '-CAfile', path.join(cwd, dir, 'ca.crt'), path.join(cwd, dir, 'leaf.example.com.crt')]);
    expect(v.stdout).toMatch(/: OK/);
    // openssl opens the key and it matches the certificate
    const pub1 = (await runOk('openssl', ['pkey', '-in', path.join(cwd, dir, 'leaf.example.com.key'), '-pubout'])).stdout;
    const pub2 = (await runOk('openssl', ['x509', '-in', path.join(cwd, dir, 'leaf.example.com.crt'), '-noout', '-pubkey'])).stdout;
    expect(pub1).toBe(pub2);
  });
});

describe('intermediate CA', () => {
  const cwd = tmpDir();
  it('leaf file holds leaf + intermediate (not the root) and openssl verifies it', async () => {
    await cliOk(['init-ca', '--dir', 'root'], { cwd });
    await cliOk(['init-ca', '--intermediate', '--parent-dir', 'root', '--dir', 'int', '--cn', 'Test Intermediate'], { cwd });
    await cliOk(['issue', 'alice', '--dir', 'int', '--client'], { cwd });
    const chain = readFileSync(path.join(cwd, 'int/ca-chain.crt'), 'utf8');
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const leafFile = readFileSync(path.join(cwd, 'int/alice.crt'), 'utf8');
    expect(leafFile.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const root = readFileSync(path.join(cwd, 'root/ca.crt'), 'utf8');
    expect(leafFile).not.toContain(root.trim());
    expect(leafFile).toContain(readFileSync(path.join(cwd, 'int/ca.crt'), 'utf8').trim());
    const v = await runOk('openssl', ['verify', '-CAfile', path.join(cwd, 'root/ca.crt'), '-untrusted', path.join(cwd, 'int/ca-chain.crt'), path.join(cwd, 'int/alice.crt')]);
    expect(v.stdout).toMatch(/alice.crt: OK/);
    expect(await gnutlsVerify(path.join(cwd, 'root/ca.crt'), path.join(cwd, 'int/alice.crt'), CLIENT_AUTH)).toMatch(/Chain verification output: Verified/);
    const it = await text(path.join(cwd, 'int/ca.crt'));
    expect(it).toMatch(/CA:TRUE/);
    expect(it).toMatch(/Issuer: CN ?= ?regcert Root CA/);
  });

  it('an intermediate asked to outlive its parent is cut at the parent\'s expiry, and says so (issue 9, finding 7)', async () => {
    await cliOk(['init-ca', '--dir', 'short-root', '--days', '100'], { cwd });
    const r = await cliOk(['init-ca', '--intermediate', '--parent-dir', 'short-root', '--dir', 'short-int', '--days', '1825', '--json'], { cwd });
    const doc = JSON.parse(r.stdout) as { warnings: string[]; certificate: { notAfter: string } };
    const rootEnd = (await runOk('openssl', ['x509', '-in', path.join(cwd, 'short-root/ca.crt'), '-noout', '-enddate'])).stdout;
    const intEnd = (await runOk('openssl', ['x509', '-in', path.join(cwd, 'short-int/ca.crt'), '-noout', '-enddate'])).stdout;
    expect(intEnd).toBe(rootEnd);
    expect(doc.warnings).toHaveLength(1);
    expect(doc.warnings[0]).toMatch(/^--days 1825 is capped at the parent CA's own expiry: the intermediate CA ends on \d{4}-\d\d-\d\d \((99|100) days\)$/);
    const human = await cliOk(['init-ca', '--intermediate', '--parent-dir', 'short-root', '--dir', 'short-int2', '--days', '1825'], { cwd });
    expect(human.stderr).toMatch(/warning: --days 1825 is capped at the parent CA's own expiry/);
    const fits = await cliOk(['init-ca', '--intermediate', '--parent-dir', 'short-root', '--dir', 'short-int3', '--days', '30', '--json'], { cwd });
    expect((JSON.parse(fits.stdout) as { warnings: string[] }).warnings).toEqual([]);
  });
});

describe('CSR signing', () => {
  const cwd = tmpDir();
  it('signs a CSR made by openssl req -new, keeping its subject and SANs', async () => {
    await cliOk(['init-ca', '--dir', 'pki'], { cwd });
    await runOk('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'bot.key', '-out', 'bot.csr', '-subj', '/O=ACME/CN=build-bot', '-addext', 'subjectAltName=DNS:bot.example.com'], { cwd });
    const r = await cliOk(['issue', 'build-bot', '--dir', 'pki', '--csr', 'bot.csr', '--client', '--json'], { cwd });
    const doc = JSON.parse(r.stdout);
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual(['pki/build-bot.crt']);
    expect(existsSync(path.join(cwd, 'pki/build-bot.key'))).toBe(false);
    const t = await text(path.join(cwd, 'pki/build-bot.crt'));
    expect(t).toMatch(/Subject: O ?= ?ACME, CN ?= ?build-bot/);
    expect(t).toMatch(/DNS:bot.example.com/);
    expect(t).toMatch(/TLS Web Client Authentication/);
    await runOk('openssl', ['verify', '-CAfile', 'pki/ca.crt', 'pki/build-bot.crt'], { cwd });
    const pub1 = (await runOk('openssl', ['pkey', '-in', 'bot.key', '-pubout'], { cwd })).stdout;
    const pub2 = (await runOk('openssl', ['x509', '-in', 'pki/build-bot.crt', '-noout', '-pubkey'], { cwd })).stdout;
    expect(pub1).toBe(pub2);
  });

  it('refuses a CSR whose signature is broken (exit 2, nothing written)', async () => {
    await runOk('openssl', ['req', '-in', 'bot.csr', '-outform', 'DER', '-out', 'bot.der'], { cwd });
    const buf = readFileSync(path.join(cwd, 'bot.der'));
    buf[buf.length - 5] = buf[buf.length - 5]! ^ 0xff; // flip bits inside the signature
    writeFileSync(path.join(cwd, 'broken.der'), buf);
    const r = await runCli(['issue', 'broken', '--dir', 'pki', '--csr', 'broken.der', '--client'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: the signature of broken.der does not verify$/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(existsSync(path.join(cwd, 'pki/broken.crt'))).toBe(false);
  });
});

describe('encrypted keys', () => {
  const cwd = tmpDir();
  it('a key encrypted by regcert opens with openssl pkey', async () => {
    writeFileSync(path.join(cwd, 'pw'), 'correct horse\n');
    await cliOk(['init-ca', '--dir', 'pki', '--key-password-file', 'pw'], { cwd });
    expect(readFileSync(path.join(cwd, 'pki/ca.key'), 'utf8')).toMatch(/BEGIN ENCRYPTED PRIVATE KEY/);
    await runOk('openssl', ['pkey', '-in', 'pki/ca.key', '-passin', 'file:pw', '-noout'], { cwd });
    // and issuing needs it: without a passphrase, exit 2 naming the flag
    const r = await runCli(['issue', 'alice', '--dir', 'pki', '--client'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--ca-password-file/);
    await cliOk(['issue', 'alice', '--dir', 'pki', '--client', '--ca-password-file', 'pw', '--key-password-env', 'LEAF_PW'], { cwd, env: { LEAF_PW: 'leafpw' } });
    await runOk('openssl', ['pkey', '-in', 'pki/alice.key', '-passin', 'pass:leafpw', '-noout'], { cwd });
  });

  it('a CA key encrypted by openssl genpkey -aes-256-cbc works with --ca-password-file', async () => {
    await runOk('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-aes-256-cbc', '-pass', 'pass:opensslpw', '-out', 'ext-ca.key'], { cwd });
    await runOk('openssl', ['req', '-x509', '-new', '-key', 'ext-ca.key', '-passin', 'pass:opensslpw', '-subj', '/C=US/O=Ext/CN=External Root', '-days', '30', '-out', 'ext-ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { cwd });
    await runOk('mkdir', ['-p', 'ext'], { cwd });
    await runOk('cp', ['ext-ca.key', 'ext/ca.key'], { cwd });
    await runOk('cp', ['ext-ca.crt', 'ext/ca.crt'], { cwd });
    writeFileSync(path.join(cwd, 'opw'), 'opensslpw\n');
    await cliOk(['issue', 'reg.example.com', '--dir', 'ext', '--server', '--ca-password-file', 'opw'], { cwd });
    const v = await runOk('openssl', ['verify', '-CAfile', 'ext/ca.crt', 'ext/reg.example.com.crt'], { cwd });
    expect(v.stdout).toMatch(/OK/);
    // validity never ends after the CA's own notAfter (30 days < 397)
    const end = (f: string) => Date.parse(/notAfter=(.*)/.exec(execFileSync('openssl', ['x509', '-in', f, '-noout', '-enddate'], { cwd, encoding: 'utf8' }))![1]!);
    expect(end('ext/reg.example.com.crt')).toBeLessThanOrEqual(end('ext/ca.crt'));
    // wrong CA passphrase: exit 2, nothing written
    writeFileSync(path.join(cwd, 'bad'), 'nope\n');
    const r = await runCli(['issue', 'other', '--dir', 'ext', '--client', '--ca-password-file', 'bad'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: could not decrypt ext\/ca.key: wrong passphrase$/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(existsSync(path.join(cwd, 'ext/other.crt'))).toBe(false);
    expect(existsSync(path.join(cwd, 'ext/other.key'))).toBe(false);
  });
});

describe('bad input: exit 2, one error line and a hint, no stack, nothing written', () => {
  const cwd = tmpDir();
  const cases: [string, string[], RegExp][] = [
    ['a SAN with a space', ['issue', 'x', '--dir', 'pki', '--server', '--san', 'bad host'], /invalid --san "bad host"/],
    ['neither --server nor --client', ['issue', 'x', '--dir', 'pki'], /neither --server nor --client/],
    ['a missing CA', ['issue', 'x', '--dir', 'nope', '--client'], /CA certificate not found at nope\/ca.crt/],
    ['a corrupt CA file', ['issue', 'x', '--dir', 'corrupt', '--client'], /no certificate found in corrupt\/ca.crt|malformed/],
    ['an unknown flag', ['issue', 'x', '--dir', 'pki', '--client', '--frobnicate'], /unknown option '--frobnicate'/],
    ['an unknown key type', ['init-ca', '--dir', 'pk3', '--key-type', 'dsa'], /unknown key type "dsa"/],
    ['a server NAME that is no host name and no SAN', ['issue', 'my_server', '--dir', 'pki', '--server'], /needs a DNS or IP SAN/],
    ['a path in NAME', ['issue', '../evil', '--dir', 'pki', '--client'], /invalid certificate name/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    if (!existsSync(path.join(cwd, 'pki/ca.crt'))) {
      await cliOk(['init-ca', '--dir', 'pki'], { cwd });
      await runOk('mkdir', ['-p', 'corrupt'], { cwd });
      writeFileSync(path.join(cwd, 'corrupt/ca.crt'), 'garbage\n');
      writeFileSync(path.join(cwd, 'corrupt/ca.key'), 'garbage\n');
    }
    const before = readdirSync(cwd, { recursive: true }).sort();
    const r = await runCli(args, { cwd });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^regcert: /);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^hint: /);
    expect(lines).toHaveLength(2);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(readdirSync(cwd, { recursive: true }).sort()).toEqual(before);
  });

  it('--json errors are one JSON document with ok:false', async () => {
    const r = await runCli(['issue', 'x', '--dir', 'pki', '--json'], { cwd });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'NO_PURPOSE', message: expect.any(String), hint: expect.any(String) } });
  });
});
