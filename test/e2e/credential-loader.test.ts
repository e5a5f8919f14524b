/**
 * Regressions of the one credential loader (src/io/credentials.ts with
 * core/keys.ts isEncryptedPrivateKey): an encrypted DER CA key gets its
 * passphrase (io/pki.ts dropped it), and `serve --server-cert` with an
 * encrypted key has the --key-password-file its hint names.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-loader-');
const p = (...s: string[]) => path.join(T, ...s);

beforeAll(() => {
  writeFileSync(p('pw'), 'correct horse\n');
  writeFileSync(p('pw-out'), 'correct horse\n'); // openssl reads -passin and -passout from separate files
});

describe('regression: encrypted DER CA key', () => {
  it('issue and init-ca --intermediate decrypt a DER (PKCS#8) CA key with --ca-password-file', async () => {
    await cliOk(['init-ca', '--dir', p('der'), '--key-password-file', p('pw')]);
    // The same key, encrypted PKCS#8 in DER (OpenSSL writes it).
    await runOk(requireBinary('openssl'), ['pkcs8', '-topk8', '-in', p('der', 'ca.key'), '-passin', `file:${p('pw')}`, '-outform', 'DER', '-v2', 'aes-256-cbc', '-passout', `file:${p('pw-out')}`, '-out', p('ca.der')]);
    writeFileSync(p('der', 'ca.key'), readFileSync(p('ca.der')));
    const r = await runCli(['issue', 'alice', '--client', '--dir', p('der'), '--ca-password-file', p('pw')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const i = await runCli(['init-ca', '--intermediate', '--parent-dir', p('der'), '--dir', p('der-inter'), '--ca-password-file', p('pw')]);
    expect(i.code, i.stderr).toBe(0);
    const none = await runCli(['issue', 'bob', '--client', '--dir', p('der')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/hint: pass --ca-password-file FILE or --ca-password-env VAR/);
  });
});

describe('regression: serve --server-cert with an encrypted key', () => {
  it('names a flag serve has, and starts with it', async () => {
    await cliOk(['init-ca', '--dir', p('srv')]);
    await cliOk(['issue', 'localhost', '--server', '--san', '127.0.0.1', '--dir', p('srv'), '--key-password-file', p('pw')]);
    const without = await runCli(['serve', '--dir', p('srv'), '--server-cert', 'localhost', '--port', '0']);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/hint: pass --key-password-file FILE or --key-password-env VAR/);
    expect((await cliOk(['serve', '--help'])).stdout).toContain('--key-password-file <file>');

    const child = spawn(process.execPath, [BIN, 'serve', '--dir', p('srv'), '--server-cert', 'localhost', '--port', '0', '--key-password-file', p('pw')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 30_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (\S+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
        child.stderr.on('data', (d) => (out += d));
        child.once('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
      });
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
