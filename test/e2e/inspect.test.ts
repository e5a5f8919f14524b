import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateToPem, createLeaf, createRootCa } from '../../src/core/certificates.js';
import { generatePrivateKey, publicKeyDer } from '../../src/core/keys.js';
import { cliOk, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-inspect-');
const p = (...s: string[]) => path.join(dir, ...s);
const ESC = '\u001b[';

interface Json {
  ok: boolean;
  items: Array<Record<string, unknown> & { file: string; label: string; type: string }>;
  links: Array<{ certificate: string; subject: string; issuer: string; signedBy: string | null; selfSigned: boolean }>;
}

async function inspectJson(args: string[]): Promise<Json> {
  const r = await cliOk(['inspect', ...args, '--json'], { cwd: dir });
  return JSON.parse(r.stdout) as Json;
}

function fingerprint(file: string, alg: 'sha256' | 'sha1'): Promise<string> {
  return runOk('openssl', ['x509', '-in', file, '-noout', '-fingerprint', `-${alg}`]).then((r) => r.stdout.trim().split('=')[1]!);
}

beforeAll(async () => {
  requireBinary('openssl');
  await cliOk(['init-ca', '--dir', 'root', '--cn', 'Test Root'], { cwd: dir });
  await cliOk(['init-ca', '--intermediate', '--parent-dir', 'root', '--dir', 'int', '--cn', 'Test Int', '--path-len', '0'], { cwd: dir });
  await cliOk(['issue', 'alice', '--client', '--dir', 'int', '--san', 'alice@example.com'], { cwd: dir });
  writeFileSync(p('pw'), 'correct horse\n');
  await cliOk(['issue', 'reg.example.com', '--server', '--dir', 'int', '--key-type', 'rsa-2048', '--key-password-file', 'pw'], { cwd: dir });
  await cliOk(['issue', 'soon', '--client', '--dir', 'root', '--days', '10'], { cwd: dir });
  // An expired certificate: built with the core API and a clock two years back (real keys, real signature).
  const now = new Date(Date.now() - 2 * 365 * 86_400_000);
  const caKey = await generatePrivateKey('ecdsa-p256');
  const ca = await createRootCa({ subject: [{ CN: ['Old Root'] }], key: caKey, days: 30 }, { now });
  const leafKey = await generatePrivateKey('ecdsa-p256');
  const leaf = await createLeaf(
    { subject: [{ CN: ['old'] }], publicKey: publicKeyDer(leafKey), rsa: false, server: false, client: true, sans: [], days: 10 },
    { cert: ca, key: caKey },
    { now },
  );
  writeFileSync(p('old.crt'), certificateToPem(leaf));
}, 120_000);

describe('regcert inspect', () => {
  it('describes a chain, a leaf and its key, and tells which certificate signed which', async () => {
    const j = await inspectJson(['root/ca.crt', 'int/alice.crt', 'int/alice.key']);
    expect(j.ok).toBe(true);
    expect(j.items.map((i) => [i.label, i.type])).toEqual([
      ['root/ca.crt', 'certificate'],
      ['int/alice.crt#1', 'certificate'],
      ['int/alice.crt#2', 'certificate'],
      ['int/alice.key', 'private-key'],
    ]);
    const [root, alice, int, key] = j.items;
    expect(root).toMatchObject({ subject: 'CN=Test Root', isCa: true, pathLen: null, selfSigned: true, keyType: 'ecdsa-p256', keyBits: 256 });
    expect(root!.keyUsage).toEqual(['digitalSignature', 'keyCertSign', 'cRLSign']);
    expect(alice).toMatchObject({ subject: 'CN=alice', issuer: 'CN=Test Int', isCa: false, ekus: ['clientAuth'], sans: ['email:alice@example.com'] });
    expect(alice!.signedBy).toBe('int/alice.crt#2');
    expect(int).toMatchObject({ subject: 'CN=Test Int', isCa: true, pathLen: 0, signedBy: 'root/ca.crt' });
    expect(key).toMatchObject({ encrypted: false, decrypted: true, keyType: 'ecdsa-p256', matches: ['int/alice.crt#1'] });
    expect(alice!.sha256).toBe(await fingerprint(p('int/alice.crt'), 'sha256'));
    expect(alice!.sha1).toBe(await fingerprint(p('int/alice.crt'), 'sha1'));
    const serial = (await runOk('openssl', ['x509', '-in', p('int/alice.crt'), '-noout', '-serial'])).stdout.trim().split('=')[1]!;
    expect(String(alice!.serial).toUpperCase()).toBe(serial.toUpperCase());
    expect(alice!.daysLeft).toBeGreaterThanOrEqual(395);
    expect(j.links).toContainEqual({ certificate: 'int/alice.crt#1', subject: 'CN=alice', issuer: 'CN=Test Int', signedBy: 'int/alice.crt#2', selfSigned: false });
    expect(j.links).toContainEqual({ certificate: 'root/ca.crt', subject: 'CN=Test Root', issuer: 'CN=Test Root', signedBy: 'root/ca.crt', selfSigned: true });
  });

  it('does not link by name alone: a certificate from another CA with the same issuer name is not "signed by" it', async () => {
    await cliOk(['init-ca', '--dir', 'other', '--cn', 'Test Root'], { cwd: dir });
    const j = await inspectJson(['other/ca.crt', 'int/ca-chain.crt']);
    const intItem = j.items.find((i) => i.label === 'int/ca-chain.crt#1')!;
    expect(intItem.signedBy).toBe('int/ca-chain.crt#2');
    expect(j.links.find((l) => l.certificate === 'other/ca.crt')!.signedBy).toBe('other/ca.crt');
  });

  it('describes an encrypted key without its passphrase, and reads it with --key-password-file', async () => {
    const locked = await inspectJson(['int/reg.example.com.key']);
    expect(locked.items[0]).toMatchObject({ type: 'private-key', encrypted: true, decrypted: false, keyType: null });
    expect(locked.items[0]!.encryption).toBe('PBES2, PBKDF2-HMAC-SHA256, 2048 iterations, AES-256-CBC');
    const human = await cliOk(['inspect', 'int/reg.example.com.key'], { cwd: dir });
    expect(human.stdout).toContain('encrypted PKCS#8 (PBES2');
    const open = await inspectJson(['int/reg.example.com.key', 'int/reg.example.com.crt', '--key-password-file', 'pw']);
    expect(open.items[0]).toMatchObject({ decrypted: true, keyType: 'rsa-2048', keyBits: 2048, matches: ['int/reg.example.com.crt#1'] });
    expect(open.items[1]).toMatchObject({ keyUsage: ['digitalSignature', 'keyEncipherment'], ekus: ['serverAuth'], sans: ['DNS:reg.example.com'] });
    writeFileSync(p('bad-pw'), 'wrong\n');
    const wrong = await runCli(['inspect', 'int/reg.example.com.key', '--key-password-file', 'bad-pw'], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^regcert: could not decrypt .*wrong passphrase\nhint: /);
  });

  it('reads an OpenSSL CSR and a DER certificate', async () => {
    await runOk('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('req.key'), '-subj', '/CN=bot', '-addext', 'subjectAltName=DNS:bot.example.com', '-out', p('req.csr')]);
    await runOk('openssl', ['x509', '-in', p('int/alice.crt'), '-outform', 'der', '-out', p('alice.der')]);
    const j = await inspectJson(['req.csr', 'alice.der', 'req.key']);
    expect(j.items[0]).toMatchObject({ type: 'csr', subject: 'CN=bot', sans: ['DNS:bot.example.com'], keyType: 'rsa-2048', signatureValid: true });
    expect(j.items[1]).toMatchObject({ type: 'certificate', subject: 'CN=alice', signedBy: null });
    expect(j.items[2]).toMatchObject({ type: 'private-key', keyType: 'rsa-2048', matches: [] });
  });

  it('reads "openssl x509 -text" output with CRLF line endings, and refuses a damaged certificate block', async () => {
    const text = (await runOk('openssl', ['x509', '-in', p('root/ca.crt'), '-text'])).stdout;
    writeFileSync(p('ca-text.pem'), text.replace(/\n/g, '\r\n'));
    const j = await inspectJson(['ca-text.pem']);
    expect(j.items).toHaveLength(1);
    expect(j.items[0]).toMatchObject({ type: 'certificate', subject: 'CN=Test Root', selfSigned: true });
    const pem = readFileSync(p('root/ca.crt'), 'utf8');
    const lines = pem.split('\n');
    lines.splice(3, 2);
    writeFileSync(p('damaged.crt'), lines.join('\n'));
    const r = await runCli(['inspect', 'damaged.crt'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: (damaged\.crt holds a malformed "CERTIFICATE" block|malformed PEM block)/);
  });

  it("says why a certificate OpenSSL makes is refused (an iPAddress of 5 bytes): inspect's PEM path and a command that reads one certificate", async () => {
    await runOk('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('odd.key'), '-out', p('odd.crt'), '-subj', '/CN=odd', '-days', '30', '-addext', 'subjectAltName=DER:300d8705010203040587047f000001']);
    const r = await runCli(['inspect', 'odd.crt'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: odd\.crt holds a malformed "CERTIFICATE" block: an iPAddress SAN is neither 4 nor 16 bytes\nhint: /);
    const v = await runCli(['verify', 'https://127.0.0.1:1', '--cert', 'odd.crt', '--key', 'odd.key'], { cwd: dir });
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/odd\.crt holds a malformed certificate: an iPAddress SAN is neither 4 nor 16 bytes/);
  });

  it('rejects a file that is none of these with exit 2 and a clear message', async () => {
    writeFileSync(p('notes.txt'), 'just some text\n');
    const r = await runCli(['inspect', 'root/ca.crt', 'notes.txt'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^regcert: notes\.txt is not a certificate, CSR, private key or PKCS#12 file\nhint: /);
    const j = await runCli(['inspect', 'notes.txt', '--json'], { cwd: dir });
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED_FILE' } });
  });

  it('human output: no escape codes with NO_COLOR or when piped; yellow within 30 days, red once expired with FORCE_COLOR', async () => {
    const plain = await cliOk(['inspect', 'root/soon.crt', 'old.crt', 'int/ca-chain.crt'], { cwd: dir });
    expect(plain.stdout).not.toContain(ESC);
    expect(plain.stdout).toMatch(/root\/soon\.crt: X\.509 certificate \(leaf, clientAuth\)/);
    expect(plain.stdout).toMatch(/\((9|10) days left\)/);
    expect(plain.stdout).toMatch(/expired \d+ days ago/);
    expect(plain.stdout).toContain('int/ca-chain.crt#2 -> int/ca-chain.crt#1');
    const piped = await cliOk(['inspect', 'root/soon.crt'], { cwd: dir, env: { NO_COLOR: undefined } });
    expect(piped.stdout).not.toContain(ESC);
    const colour = await cliOk(['inspect', 'root/soon.crt', 'old.crt'], { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(colour.stdout).toMatch(/\u001b\[33m\((9|10) days left\)/);
    expect(colour.stdout).toMatch(/\u001b\[31m\(expired \d+ days ago\)/);
    const j = await inspectJson(['old.crt']);
    expect(j.items[0]).toMatchObject({ expired: true });
  });

  it('--help ends with examples', async () => {
    const r = await cliOk(['inspect', '--help']);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ regcert inspect /);
    expect(r.stdout).not.toContain(ESC);
  });
});
