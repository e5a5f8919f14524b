/**
 * Reading PKCS#12: readCredentials({ p12 }) on files written by regcert
 * (every key type, both modes), `openssl pkcs12 -export` (default and
 * -legacy, whose certificate bag is RC2-40) and keytool; the refusals as the
 * CLI reports them (to-p12 --p12). Also what each importer does per key type.
 */
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificates } from '../../src/core/certificates.js';
import { isRegcertError, type RegcertError } from '../../src/core/errors.js';
import { buildPkcs12, parsePkcs12 } from '../../src/core/pkcs12.js';
import { readCredentials } from '../../src/io/credentials.js';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-p12read-');
const p = (...s: string[]) => path.join(dir, ...s);
const PW = p('pw.txt');
const UPW = p('upw.txt');
const ctx = { interactive: false };
const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'ed25519'] as const;
const pkcs8 = (k: { export: (o: { type: 'pkcs8'; format: 'der' }) => Buffer }) => k.export({ type: 'pkcs8', format: 'der' }).toString('hex');
const certsHex = (file: string) => parseCertificates(readFileSync(file), file).map((c) => Buffer.from(c.rawData).toString('hex'));

async function expectRejects(promise: Promise<unknown>, code: string): Promise<RegcertError> {
  try {
    await promise;
  } catch (e) {
    expect(isRegcertError(e)).toBe(true);
    expect((e as RegcertError).code).toBe(code);
    expect((e as RegcertError).exitCode).toBe(2);
    expect((e as RegcertError).hint).toBeTruthy();
    return e as RegcertError;
  }
  throw new Error(`expected ${code}`);
}

beforeAll(async () => {
  for (const b of ['openssl', 'pk12util', 'certutil', 'keytool']) requireBinary(b);
  writeFileSync(PW, 'secret\n');
  writeFileSync(UPW, 'pässwörd✓\n');
  await cliOk(['init-ca', '--dir', p('pki')]);
  await cliOk(['issue', 'alice', '--client', '--dir', p('pki')]);
});

describe('round trip for every key type (regcert to-p12 → readCredentials)', () => {
  it.each(KEY_TYPES)('%s: key and certificate read back equal the inputs, in both modes; what each importer does', async (kt) => {
    const d = p(kt);
    await cliOk(['init-ca', '--dir', d, '--key-type', kt]);
    await cliOk(['issue', 'u', '--client', '--dir', d, '--key-type', kt]);
    const key = createPrivateKey(readFileSync(path.join(d, 'u.key')));
    for (const mode of ['modern', 'legacy']) {
      const out = path.join(d, `u-${mode}.p12`);
      await cliOk(['to-p12', '--cert', path.join(d, 'u.crt'), '--key', path.join(d, 'u.key'), '--ca', path.join(d, 'ca.crt'), '--out', out, '--password-file', PW, ...(mode === 'legacy' ? ['--legacy'] : [])]);
      const creds = await readCredentials({ p12: out, passwordFile: PW }, ctx);
      expect(pkcs8(creds.key)).toBe(pkcs8(key));
      expect(creds.chain.map((c) => Buffer.from(c.rawData).toString('hex'))).toEqual([...certsHex(path.join(d, 'u.crt')), ...certsHex(path.join(d, 'ca.crt'))]);

      // OpenSSL 3 opens every key type.
      await runOk('openssl', ['pkcs12', '-info', '-noout', '-in', out, '-passin', `file:${PW}`]);
      // Java 17 keytool lists every key type, Ed25519 included, as one PrivateKeyEntry with the chain.
      const ktOut = (await runOk('keytool', ['-list', '-v', '-storetype', 'PKCS12', '-keystore', out, '-storepass:file', PW])).stdout;
      expect(ktOut.match(/Entry type: PrivateKeyEntry/g)).toHaveLength(1);
      expect(ktOut).toContain('Certificate chain length: 2');
      // NSS 3.87 (pk12util) imports ECDSA and RSA keys but refuses Ed25519 keys (observed, not assumed).
      const db = path.join(d, `nss-${mode}`);
      mkdirSync(db);
      await runOk('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
      const nss = await run('pk12util', ['-i', out, '-d', `sql:${db}`, '-w', PW]);
      if (kt === 'ed25519') {
        expect(nss.code).not.toBe(0);
        expect(nss.stdout + nss.stderr).toContain('SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY');
      } else {
        expect(nss.code).toBe(0);
        expect((await runOk('certutil', ['-K', '-d', `sql:${db}`])).stdout).toContain('u');
      }
    }
  });
});

describe('reading what other tools write', () => {
  it('openssl pkcs12 -export (default: AES) and -export -legacy (RC2-40 certificate bag)', async () => {
    const key = createPrivateKey(readFileSync(p('pki', 'alice.key')));
    for (const legacy of [false, true]) {
      const out = p(`ossl-${legacy ? 'legacy' : 'default'}.p12`);
      await runOk('openssl', ['pkcs12', '-export', ...(legacy ? ['-legacy'] : []), '-in', p('pki', 'alice.crt'), '-inkey', p('pki', 'alice.key'), '-certfile', p('pki', 'ca.crt'), '-name', 'alice', '-out', out, '-passout', `file:${UPW}`]);
      const contents = parsePkcs12(readFileSync(out), 'pässwörd✓');
      if (legacy) {
        expect(contents.encryption.find((e) => e.what === 'certificates')?.algorithm).toBe('pbeWithSHA1And40BitRC2-CBC');
        expect(contents.encryption.find((e) => e.what === 'key')?.algorithm).toBe('pbeWithSHA1And3-KeyTripleDES-CBC');
        expect(contents.mac?.algorithm).toBe('sha1');
      } else {
        expect(contents.encryption.map((e) => e.algorithm)).toEqual(['PBES2, PBKDF2, AES-256-CBC', 'PBES2, PBKDF2, AES-256-CBC']);
        expect(contents.mac?.algorithm).toBe('sha256');
      }
      const creds = await readCredentials({ p12: out, passwordFile: UPW }, ctx);
      expect(pkcs8(creds.key)).toBe(pkcs8(key));
      expect(creds.chain).toHaveLength(2);
      expect(creds.leaf.subject).toBe('CN=alice');
    }
  });

  it('keytool -genkeypair -storetype PKCS12 (EC and RSA)', async () => {
    for (const [alg, extra] of [['EC', ['-groupname', 'secp256r1']], ['RSA', ['-keysize', '2048']]] as const) {
      const out = p(`keytool-${alg}.p12`);
      await runOk('keytool', ['-genkeypair', '-storetype', 'PKCS12', '-keystore', out, '-storepass', 'secret', '-keypass', 'secret', '-alias', 'bob', '-keyalg', alg, ...extra, '-dname', 'CN=bob', '-validity', '10']);
      const creds = await readCredentials({ p12: out, passwordFile: PW }, ctx);
      expect(creds.leaf.subject).toBe('CN=bob');
      expect(creds.key.asymmetricKeyType).toBe(alg === 'EC' ? 'ec' : 'rsa');
    }
  });

  it('re-encrypts an RC2 file from openssl -legacy as modern (to-p12 --p12)', async () => {
    const out = p('reencrypted.p12');
    await cliOk(['to-p12', '--p12', p('ossl-legacy.p12'), '--in-password-file', UPW, '--out', out, '--password-file', PW]);
    const info = await runOk('openssl', ['pkcs12', '-info', '-noout', '-in', out, '-passin', `file:${PW}`]);
    expect(info.stderr + info.stdout).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC');
  });
});

describe('refusals: exit 2, one regcert: line and a hint, nothing written', () => {
  let good: Buffer;
  beforeAll(async () => {
    await cliOk(['to-p12', '--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key'), '--out', p('good.p12'), '--password-file', PW]);
    good = readFileSync(p('good.p12'));
    writeFileSync(p('truncated.p12'), good.subarray(0, good.length - 40));
    const tampered = Buffer.from(good);
    tampered[Math.floor(good.length / 2)]! ^= 0x20;
    writeFileSync(p('tampered.p12'), tampered);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const cert = parseCertificates(readFileSync(p('pki', 'alice.crt')))[0]!;
    writeFileSync(p('mismatch.p12'), buildPkcs12({ key: other, certificates: [new Uint8Array(cert.rawData)], password: 'secret', mode: 'modern', iterations: 2048 }));
  });

  it.each([
    ['wrong password', 'good.p12', UPW, /wrong password/, 'P12_BAD_PASSWORD'],
    ['truncated file', 'truncated.p12', PW, /not a readable PKCS#12 file/, 'P12_MALFORMED'],
    ['MAC failure', 'tampered.p12', PW, /MAC does not verify/, 'P12_BAD_PASSWORD'],
    ['key not matching', 'mismatch.p12', PW, /does not belong/, 'KEY_MISMATCH'],
  ])('%s', async (_what, file, pw, message, code) => {
    const out = p(`out-${file}`);
    const r = await runCli(['to-p12', '--p12', p(file), '--in-password-file', pw, '--out', out, '--password-file', PW]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^regcert: /);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^hint: /);
    expect(existsSync(out)).toBe(false);
    await expectRejects(readCredentials({ p12: p(file), passwordFile: pw }, ctx), code);
  });

  it('no password for --p12 and no TTY names the flag', async () => {
    const e = await expectRejects(readCredentials({ p12: p('good.p12') }, ctx), 'SECRET_MISSING');
    expect(e.hint).toContain('--password-file');
  });
});
