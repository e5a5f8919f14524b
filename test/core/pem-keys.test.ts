import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { looksLikePem, parsePemBlocks, toPem } from '../../src/core/pem.js';
import {
  describeKey,
  exportPrivateKeyPem,
  generatePrivateKey,
  KEY_TYPES,
  parsePrivateKey,
  publicKeyDer,
} from '../../src/core/keys.js';
import { RegcertError } from '../../src/core/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'regcert-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PEM reading', () => {
  it('tolerates CRLF, surrounding text and several blocks', () => {
    const a = toPem('CERTIFICATE', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    const b = toPem('PRIVATE KEY', new Uint8Array([0x30, 0x00]));
    const text = `Certificate:\n    Data: ...\n${a}some text\r\n${b}`.replace(/\n/g, '\r\n');
    const blocks = parsePemBlocks(text);
    expect(blocks.map((x) => x.label)).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
    expect([...blocks[0]!.der]).toEqual([0x30, 0x03, 0x02, 0x01, 0x01]);
  });

  it('rejects a block with broken base64 as input error', () => {
    expect(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n')).toThrow(RegcertError);
  });
});

describe('keys', () => {
  it.each(KEY_TYPES.filter((t) => t !== 'rsa-4096' && t !== 'rsa-3072'))('generates %s and round-trips PKCS#8 PEM', async (type) => {
    const key = await generatePrivateKey(type);
    expect(describeKey(key)).toBe(type);
    const pem = exportPrivateKeyPem(key);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const back = await parsePrivateKey(Buffer.from(pem));
    expect(Buffer.from(publicKeyDer(back.key))).toEqual(Buffer.from(publicKeyDer(key)));
  });

  it('encrypts PKCS#8 with PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC that openssl opens', async () => {
    const key = await generatePrivateKey('ecdsa-p256');
    const pem = exportPrivateKeyPem(key, 'pässword');
    expect(pem).toMatch(/BEGIN ENCRYPTED PRIVATE KEY/);
    const file = path.join(dir, 'enc.key');
    writeFileSync(file, pem);
    writeFileSync(path.join(dir, 'pw'), 'pässword\n');
    const asn = execFileSync('openssl', ['asn1parse', '-in', file], { encoding: 'utf8' });
    expect(asn).toMatch(/PBES2/);
    expect(asn).toMatch(/PBKDF2/);
    expect(asn).toMatch(/hmacWithSHA256/);
    expect(asn).toMatch(/aes-256-cbc/);
    const out = execFileSync('openssl', ['pkey', '-in', file, '-passin', `file:${path.join(dir, 'pw')}`, '-pubout'], { encoding: 'utf8' });
    expect(out).toMatch(/BEGIN PUBLIC KEY/);
  });

  it('reads traditional and openssl-encrypted keys, and tells a wrong passphrase', async () => {
    const rsa = path.join(dir, 'rsa.pem');
    execFileSync('openssl', ['genrsa', '-traditional', '-out', rsa, '2048'], { stdio: 'ignore' });
    expect(readFileSync(rsa, 'utf8')).toMatch(/BEGIN RSA PRIVATE KEY/);
    expect(describeKey((await parsePrivateKey(readFileSync(rsa))).key)).toBe('rsa-2048');

    const ec = path.join(dir, 'ec.pem');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ec]);
    expect(readFileSync(ec, 'utf8')).toMatch(/BEGIN EC PRIVATE KEY/);
    expect(describeKey((await parsePrivateKey(readFileSync(ec))).key)).toBe('ecdsa-p256');

    const enc = path.join(dir, 'enc-openssl.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-aes-256-cbc', '-pass', 'pass:s3cret', '-out', enc]);
    await expect(parsePrivateKey(readFileSync(enc))).rejects.toThrow(/encrypted/);
    await expect(parsePrivateKey(readFileSync(enc), { passphrase: 'wrong' })).rejects.toThrow(/wrong passphrase/);
    expect(describeKey((await parsePrivateKey(readFileSync(enc), { passphrase: 's3cret' })).key)).toBe('ecdsa-p384');

    const der = path.join(dir, 'key.der');
    execFileSync('openssl', ['pkey', '-in', ec, '-outform', 'DER', '-out', der]);
    expect(describeKey((await parsePrivateKey(readFileSync(der))).key)).toBe('ecdsa-p256');
  });
});

describe('finding 5: PEM parsing is linear and bounded', () => {
  it('refuses a BEGIN line without its END line instead of skipping it', () => {
    expect(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\nQUFB\n')).toThrow(/no "END CERTIFICATE" line/);
  });
  it('refuses more than MAX_PEM_BLOCKS BEGIN markers, naming the cap, in well under a second', () => {
    const t = performance.now();
    expect(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\n'.repeat(40_000), 'big.pem')).toThrow(/big\.pem holds more than 5000 PEM blocks/);
    expect(performance.now() - t).toBeLessThan(1000);
  });
  it('finds a block after the first MiB', () => {
    const pem = toPem('CERTIFICATE', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    const data = new Uint8Array(Buffer.from('x'.repeat(2 << 20) + '\n' + pem));
    expect(looksLikePem(data)).toBe(true);
    expect(parsePemBlocks(Buffer.from(data).toString('utf8')).map((b) => b.label)).toEqual(['CERTIFICATE']);
  });
  it('scans 4,000 label-less BEGIN markers of text in linear time', () => {
    // "-----BEGIN " without a label line is text, not a block: skipped in one pass.
    const t = performance.now();
    expect(parsePemBlocks('-----BEGIN lower-case is not a label\n'.repeat(4000))).toEqual([]);
    expect(performance.now() - t).toBeLessThan(1000);
  });
});
