/**
 * renew reads every due certificate and kept key by direct system calls
 * (io/read.ts readInputFileSync: --all reads thousands). The same bounds as
 * every input: a key that is a FIFO, a certificate file that links to
 * /dev/zero, or a key past the 4 MiB cap is refused at once (exit 2, naming
 * the file), never read or waited on, and nothing is written.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('mkfifo');

const T = tmpDir('regcert-renew-reads-');

async function pool(name: string): Promise<{ dir: string; inventory: () => string }> {
  const dir = path.join(T, name);
  await cliOk(['init-ca', '--dir', dir]);
  for (const n of ['alice', 'bob']) await cliOk(['issue', n, '--client', '--dir', dir]);
  return { dir, inventory: () => readFileSync(path.join(dir, 'inventory.jsonl'), 'utf8') };
}

/** renew --all of both: refused at once (a hang is killed at 15 s), exit 2, naming `file`, the inventory unchanged. */
async function refused(dir: string, inventory: () => string, file: string, what: RegExp): Promise<void> {
  const before = inventory();
  const t0 = Date.now();
  const r = await runCli(['renew', '--all', '--dir', dir, '--if-expiring', '1000d'], { timeoutMs: 15_000 });
  expect(Date.now() - t0).toBeLessThan(10_000);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain(file);
  expect(r.stderr).toMatch(what);
  expect(inventory()).toBe(before);
}

describe('renew --all: the certificates and keys it reads are bounded', () => {
  it('a kept key that is a FIFO is refused at once, not waited on', async () => {
    const { dir, inventory } = await pool('fifo');
    const key = path.join(dir, 'bob.key');
    rmSync(key);
    execFileSync('mkfifo', [key]);
    await refused(dir, inventory, key, /FIFO/);
  }, 60_000);

  it('a certificate file replaced by a link to /dev/zero is refused, not read', async () => {
    const { dir, inventory } = await pool('devzero');
    const crt = path.join(dir, 'alice.crt');
    renameSync(crt, `${crt}.was`);
    symlinkSync('/dev/zero', crt);
    await refused(dir, inventory, crt, /character device/);
  }, 60_000);

  it('a kept key past the 4 MiB cap is refused naming the cap', async () => {
    const { dir, inventory } = await pool('big');
    const key = path.join(dir, 'alice.key');
    const fd = openSync(key, 'r+');
    ftruncateSync(fd, 5 * 1024 * 1024);
    closeSync(fd);
    await refused(dir, inventory, key, /larger than 4 MiB/);
  }, 60_000);
});
