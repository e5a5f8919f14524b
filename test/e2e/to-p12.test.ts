/**
 * regcert to-p12 against the real importers: OpenSSL 3 (pkcs12 -info),
 * NSS (pk12util/certutil, what Firefox and Chromium on Linux use) and Java
 * 17's keytool.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-p12-');
const p = (...s: string[]) => path.join(dir, ...s);
const ASCII_PW = p('pw.txt');
const UNICODE_PW = p('pw-unicode.txt');
const EMPTY_PW = p('pw-empty.txt');
let dbCount = 0;

/** openssl pkcs12 -info -noout (no -legacy): the algorithm lines, or throws. */
async function opensslInfo(file: string, pwFile: string): Promise<string> {
  const r = await runOk('openssl', ['pkcs12', '-info', '-noout', '-in', file, '-passin', `file:${pwFile}`]);
  return r.stderr + r.stdout;
}

/** pk12util into a fresh NSS db; returns certutil -L and -K output. */
async function nssImport(file: string, pwFile: string): Promise<{ certs: string; keys: string }> {
  const db = p(`nssdb-${++dbCount}`);
  mkdirSync(db, { recursive: true });
  await runOk('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
  await runOk('pk12util', ['-i', file, '-d', `sql:${db}`, '-w', pwFile]);
  const certs = (await runOk('certutil', ['-L', '-d', `sql:${db}`])).stdout;
  const keys = (await runOk('certutil', ['-K', '-d', `sql:${db}`])).stdout;
  return { certs, keys };
}

async function keytoolList(file: string, pwFile: string): Promise<string> {
  return (await runOk('keytool', ['-list', '-v', '-storetype', 'PKCS12', '-keystore', file, '-storepass:file', pwFile])).stdout;
}

beforeAll(async () => {
  for (const b of ['openssl', 'pk12util', 'certutil', 'keytool']) requireBinary(b);
  writeFileSync(ASCII_PW, 'correct horse\n'); // trailing newline: only the first line is the password
  writeFileSync(UNICODE_PW, 'pässwörd✓\n');
  writeFileSync(EMPTY_PW, '\n'); // an empty first line: the empty password
  await cliOk(['init-ca', '--dir', p('root')]);
  await cliOk(['init-ca', '--intermediate', '--parent-dir', p('root'), '--dir', p('inter')]);
  // alice.crt holds the leaf and the intermediate.
  await cliOk(['issue', 'alice', '--client', '--dir', p('inter')]);
});

const cert = () => p('inter', 'alice.crt');
const key = () => p('inter', 'alice.key');

describe('to-p12 default (modern)', () => {
  it('writes cert.p12 (0600) that openssl, pk12util and keytool open, with the whole chain', async () => {
    const r = await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--ca', p('root', 'ca.crt'), '--password-file', ASCII_PW]);
    const out = p('inter', 'alice.p12');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(r.stdout).toContain('MAC: sha256, Iteration 2048');
    expect(r.stdout).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256');

    const info = await opensslInfo(out, ASCII_PW);
    expect(info).toContain('MAC: sha256, Iteration 2048');
    expect(info).toContain('PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256');
    expect(info).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256');
    expect(info.match(/Certificate bag/g)).toHaveLength(3);

    const nss = await nssImport(out, ASCII_PW);
    expect(nss.certs).toMatch(/^alice\s+u,u,u/m);
    expect(nss.keys).toMatch(/<\s*0>\s+ec\s+[0-9a-f]+\s+alice/);

    const kt = await keytoolList(out, ASCII_PW);
    expect(kt.match(/Entry type: PrivateKeyEntry/g)).toHaveLength(1);
    expect(kt).toContain('Alias name: alice');
    expect(kt).toContain('Certificate chain length: 3');
  });

  it('--iterations raises the count; below 2048 is exit 2', async () => {
    const out = p('iter.p12');
    await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--iterations', '10000', '--password-file', ASCII_PW]);
    expect(await opensslInfo(out, ASCII_PW)).toContain('PBES2, PBKDF2, AES-256-CBC, Iteration 10000');
    const bad = await runCli(['to-p12', '--cert', cert(), '--key', key(), '--out', p('iter2.p12'), '--iterations', '1000', '--password-file', ASCII_PW]);
    expect(bad.code).toBe(2);
    expect(existsSync(p('iter2.p12'))).toBe(false);
  });
});

describe('to-p12 --legacy', () => {
  it('3DES bags and a SHA-1 MAC that openssl (without -legacy), pk12util and keytool open', async () => {
    const out = p('legacy.p12');
    await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--legacy', '--name', 'Alice Legacy', '--password-file', ASCII_PW]);
    const info = await opensslInfo(out, ASCII_PW);
    expect(info).toContain('MAC: sha1, Iteration 2048');
    expect(info).toContain('PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
    expect(info).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048');
    const nss = await nssImport(out, ASCII_PW);
    expect(nss.certs).toMatch(/^Alice Legacy\s+u,u,u/m);
    expect(nss.keys).toContain('Alice Legacy');
    const kt = await keytoolList(out, ASCII_PW);
    expect(kt.match(/Entry type: PrivateKeyEntry/g)).toHaveLength(1);
    expect(kt).toContain('Alias name: alice legacy'); // Java lower-cases aliases
    expect(kt).toContain('Certificate chain length: 2');
  });
});

describe('to-p12 --for', () => {
  it.each([
    ['macos', 'legacy'],
    ['windows', 'legacy'],
    ['java', 'modern'],
    ['browser', 'modern'],
    ['curl', 'modern'],
  ])('--for %s writes %s and says so', async (target, mode) => {
    const out = p(`for-${target}.p12`);
    const human = await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--for', target, '--password-file', ASCII_PW]);
    expect(human.stdout).toContain(`Wrote PKCS#12 for ${target}: ${mode}`);
    const info = await opensslInfo(out, ASCII_PW);
    if (mode === 'legacy') {
      expect(human.stdout).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC');
      expect(info).toContain('MAC: sha1');
      expect(info).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC');
    } else {
      expect(human.stdout).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC');
      expect(info).toContain('MAC: sha256');
      expect(info).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC');
    }
    const json = await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', p(`for-${target}-json.p12`), '--for', target, '--password-file', ASCII_PW, '--json']);
    const doc = JSON.parse(json.stdout) as { ok: boolean; mode: string; target: string; encryption: string[]; files: { mode: string }[] };
    expect(doc).toMatchObject({ ok: true, mode, target });
    expect(doc.files[0]!.mode).toBe('0600');
    expect(doc.encryption[0]).toMatch(/^MAC: sha/);
  });

  it('--for macos with an empty password is exit 2 and writes nothing', async () => {
    const out = p('mac-empty.p12');
    const r = await runCli(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--for', 'macos', '--password-file', EMPTY_PW]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: .*empty password/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(existsSync(out)).toBe(false);
  });

  it('--legacy with --for java is a contradiction (exit 2)', async () => {
    const r = await runCli(['to-p12', '--cert', cert(), '--key', key(), '--out', p('contra.p12'), '--for', 'java', '--legacy', '--password-file', ASCII_PW]);
    expect(r.code).toBe(2);
    expect(existsSync(p('contra.p12'))).toBe(false);
  });
});

describe('passwords', () => {
  it.each([['modern'], ['legacy']])('a non-ASCII password (%s) opens in openssl and pk12util', async (mode) => {
    const out = p(`unicode-${mode}.p12`);
    await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--password-file', UNICODE_PW, ...(mode === 'legacy' ? ['--legacy'] : [])]);
    expect(await opensslInfo(out, UNICODE_PW)).toContain('Shrouded Keybag');
    const nss = await nssImport(out, UNICODE_PW);
    expect(nss.keys).toContain('alice');
    // …and the wrong password is refused by openssl: the password really is the Unicode one.
    const wrong = await run('openssl', ['pkcs12', '-info', '-noout', '-in', out, '-passin', `file:${ASCII_PW}`]);
    expect(wrong.code).not.toBe(0);
  });

  it('an empty password is allowed with a warning, and openssl opens the file with it', async () => {
    const out = p('empty.p12');
    const r = await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--password-file', EMPTY_PW]);
    expect(r.stderr).toMatch(/warning: .*empty password/);
    expect(await opensslInfo(out, EMPTY_PW)).toContain('Shrouded Keybag');
    const nss = await nssImport(out, EMPTY_PW);
    expect(nss.keys).toContain('alice');
  });

  it('--password-env works; no password and no TTY is exit 2 naming --password-file', async () => {
    const out = p('env.p12');
    await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--password-env', 'P12PW'], { env: { P12PW: 'from-env' } });
    writeFileSync(p('env-pw.txt'), 'from-env');
    expect(await opensslInfo(out, p('env-pw.txt'))).toContain('MAC: sha256');
    const r = await runCli(['to-p12', '--cert', cert(), '--key', key(), '--out', p('nopw.p12')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hint: .*--password-file/m);
    expect(existsSync(p('nopw.p12'))).toBe(false);
  });
});

describe('refusals', () => {
  it('a key that does not belong to the certificate: exit 2, one error line and a hint, nothing written', async () => {
    const out = p('mismatch.p12');
    const r = await runCli(['to-p12', '--cert', cert(), '--key', p('root', 'ca.key'), '--out', out, '--password-file', ASCII_PW]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^regcert: the key .* does not belong to the certificate/), expect.stringMatching(/^hint: /)]);
    expect(existsSync(out)).toBe(false);
  });

  it('an existing output needs --force', async () => {
    const out = p('exists.p12');
    await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--password-file', ASCII_PW]);
    const before = statSync(out).mtimeMs;
    const r = await runCli(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--password-file', ASCII_PW]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hint: .*--force/m);
    expect(statSync(out).mtimeMs).toBe(before);
    await cliOk(['to-p12', '--cert', cert(), '--key', key(), '--out', out, '--password-file', ASCII_PW, '--force']);
  });
});
