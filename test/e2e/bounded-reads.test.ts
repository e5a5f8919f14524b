/**
 * Regression, issue 9 finding 5 (file half): "/dev/zero as --cert, --csr or
 * ca.crt grows to 17 GB; a FIFO hangs; a 100 MB PEM takes a minute and
 * 1.9 GB". Every input is now a bounded read of a regular file (src/io/read.ts):
 * each of these exits 2 at once, naming the file and, for size, the cap.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, openSync, closeSync, writeFileSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runCli, type CliResult } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('openssl');
requireBinary('mkfifo');

const cwd = tmpDir('regcert-bounded-');
const pki = path.join(cwd, 'pki');

/** Runs regcert and also measures it; a hang is killed at 15 s and fails the test. */
async function timed(args: string[], input?: string): Promise<CliResult & { ms: number }> {
  const t0 = Date.now();
  const r = await runCli(args, { cwd, timeoutMs: 15_000, ...(input === undefined ? {} : { input }) });
  return { ...r, ms: Date.now() - t0 };
}

/** "At once": the refusal itself is immediate; the bound leaves room for node's start on a loaded machine. */
const AT_ONCE_MS = 5_000;

function expectRefused(r: CliResult & { ms: number }, what: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(what);
  expect(r.ms).toBeLessThan(AT_ONCE_MS);
}

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki], { cwd });
  await cliOk(['issue', 'alice', '--dir', pki, '--client'], { cwd });
  execFileSync('mkfifo', [path.join(cwd, 'fifo')]);
  // A sparse 100 MB file: a "PEM" far over every cap, cheap to make.
  const fd = openSync(path.join(cwd, 'big.pem'), 'w');
  ftruncateSync(fd, 100 * 1024 * 1024);
  closeSync(fd);
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=bob', '-keyout', path.join(cwd, 'bob.key'), '-out', path.join(cwd, 'bob.csr')], { stdio: 'ignore' });
});

describe('regression (issue 9 finding 5): reads are bounded and of regular files only', () => {
  it('/dev/zero as --cert, --csr and ca.crt: exit 2 at once', async () => {
    expectRefused(await timed(['inspect', '/dev/zero']), /\/dev\/zero is a character device, not a regular file/);
    expectRefused(await timed(['verify', 'https://127.0.0.1:9', '--cert', '/dev/zero', '--key', path.join(pki, 'alice.key')]), /certificate at \/dev\/zero is a character device/);
    expectRefused(await timed(['issue', 'bob', '--dir', pki, '--client', '--csr', '/dev/zero']), /CSR at \/dev\/zero is a character device/);
    const caDir = path.join(cwd, 'zero-ca');
    mkdirSync(caDir);
    copyFileSync(path.join(pki, 'ca.key'), path.join(caDir, 'ca.key'));
    execFileSync('ln', ['-s', '/dev/zero', path.join(caDir, 'ca.crt')]);
    expectRefused(await timed(['issue', 'bob', '--dir', caDir, '--client']), /CA certificate at .*ca\.crt is a character device/);
  });

  it('a FIFO with no writer as --cert, --csr and ca.crt: exit 2 at once, no hang', async () => {
    const fifo = path.join(cwd, 'fifo');
    expectRefused(await timed(['verify', 'https://127.0.0.1:9', '--cert', fifo, '--key', path.join(pki, 'alice.key')]), /is a FIFO \(named pipe\), not a regular file/);
    expectRefused(await timed(['issue', 'bob', '--dir', pki, '--client', '--csr', fifo]), /CSR at .*fifo is a FIFO/);
    const caDir = path.join(cwd, 'fifo-ca');
    mkdirSync(caDir);
    copyFileSync(path.join(pki, 'ca.key'), path.join(caDir, 'ca.key'));
    execFileSync('mkfifo', [path.join(caDir, 'ca.crt')]);
    expectRefused(await timed(['issue', 'bob', '--dir', caDir, '--client']), /CA certificate at .*ca\.crt is a FIFO/);
    expectRefused(await timed(['inspect', '/proc/self/status']), /kernel pseudo-file/);
    // The --batch file is streamed (io/lines.ts), through the same checks.
    expectRefused(await timed(['issue', '--batch', fifo, '--dir', pki]), /file at .*fifo is a FIFO \(named pipe\), not a regular file/);
  });

  it('a 100 MB PEM is refused at once, naming the cap', async () => {
    const big = path.join(cwd, 'big.pem');
    expectRefused(await timed(['inspect', big]), /big\.pem is larger than 16 MiB, the most regcert reads for a bundle file/);
    expectRefused(await timed(['issue', 'bob', '--dir', pki, '--client', '--csr', big]), /CSR at .*big\.pem is larger than 4 MiB/);
    expectRefused(await timed(['verify', 'https://127.0.0.1:9', '--cert', big, '--key', path.join(pki, 'alice.key')]), /certificate at .*big\.pem is larger than 4 MiB/);
  });

  it('password files are bounded too; a pipe (/dev/stdin) still carries a secret', async () => {
    const longPw = path.join(cwd, 'long.pw');
    writeFileSync(longPw, 'x'.repeat(100 * 1024));
    expectRefused(
      await timed(['to-p12', '--cert', path.join(pki, 'alice.crt'), '--key', path.join(pki, 'alice.key'), '--password-file', longPw, '--out', path.join(cwd, 'a.p12')]),
      /long\.pw is larger than 64 KiB/,
    );
    expectRefused(
      await timed(['to-p12', '--cert', path.join(pki, 'alice.crt'), '--key', path.join(pki, 'alice.key'), '--password-file', '/dev/zero', '--out', path.join(cwd, 'a.p12')]),
      /\/dev\/zero is a character device/,
    );
    // A shell pipe, as a user types it (node's own child stdio would be a socket, which is refused).
    const ok = await run('sh', ['-c', 'printf "from-a-pipe\\n" | "$0" "$1" to-p12 --cert pki/alice.crt --key pki/alice.key --password-file /dev/stdin --out a.p12', process.execPath, BIN], { cwd, timeoutMs: 15_000 });
    expect(ok.code, ok.stderr).toBe(0);
    execFileSync('openssl', ['pkcs12', '-in', path.join(cwd, 'a.p12'), '-noout', '-passin', 'pass:from-a-pipe']);
  });

  it('ordinary inputs (a CSR made by openssl) still work', async () => {
    const r = await timed(['issue', 'bob', '--dir', pki, '--client', '--csr', path.join(cwd, 'bob.csr')]);
    expect(r.code, r.stderr).toBe(0);
  });
});
