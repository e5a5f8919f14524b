/**
 * `issue NAME` checks the inventory before the first write (review of issue
 * 21's append path): a full inventory, or one that is not a regular file, is
 * refused with nothing written; and the entry is recorded after its files,
 * so the next load does not read the certificate again.
 *
 * The limit is 250,000 entries: this file runs `issue` in-process with the
 * limit lowered to 3 (core/inventory.ts INVENTORY_MAX_ENTRIES, the one
 * constant io/inventory.ts checks); the CA is made by the built CLI.
 */
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

vi.mock('../../src/core/inventory.js', async (original) => ({ ...(await original<typeof import('../../src/core/inventory.js')>()), INVENTORY_MAX_ENTRIES: 3 }));
const { issue } = await import('../../src/commands/issue.js');

const root = tmpDir('regcert-issue-limits-');
const ctx = { interactive: false };
const inv = (dir: string) => path.join(dir, 'inventory.jsonl');

describe('issue NAME and a full inventory (limit lowered to 3)', () => {
  const dir = path.join(root, 'full');
  beforeAll(async () => {
    await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519']);
  }, 60_000);

  it('fills up to the limit, then refuses a new name (exit 2) before writing its files', async () => {
    for (const name of ['ann', 'ben', 'cid']) await issue({ name, client: true, dir }, ctx);
    const before = readFileSync(inv(dir));
    await expect(issue({ name: 'dan', client: true, dir }, ctx)).rejects.toMatchObject({ code: 'INVENTORY_TOO_LARGE', exitCode: 2 });
    expect(existsSync(path.join(dir, 'dan.crt'))).toBe(false);
    expect(existsSync(path.join(dir, 'dan.key'))).toBe(false);
    expect(readFileSync(inv(dir)).equals(before)).toBe(true);
  });

  it('refuses --force over a current name at the limit (the old entry stays, as superseded) before replacing its files', async () => {
    const crt = readFileSync(path.join(dir, 'cid.crt'));
    const before = readFileSync(inv(dir));
    await expect(issue({ name: 'cid', client: true, dir, force: true }, ctx)).rejects.toMatchObject({ code: 'INVENTORY_TOO_LARGE' });
    expect(readFileSync(path.join(dir, 'cid.crt')).equals(crt)).toBe(true);
    expect(readFileSync(inv(dir)).equals(before)).toBe(true);
  });
});

describe('issue NAME and an inventory that is not a regular file', () => {
  it.each([
    ['a directory', (file: string) => mkdirSync(file)],
    ['a symlink', (file: string) => (writeFileSync(`${file}.real`, ''), symlinkSync(`${file}.real`, file))],
  ])('%s: refused (exit 1) before the certificate and key are written', async (what, make) => {
    const dir = path.join(root, what.replace(/\W/g, ''));
    await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519']);
    make(inv(dir));
    const r = await runCli(['issue', 'bob', '--client', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inventory\.jsonl is not a regular file/);
    expect(existsSync(path.join(dir, 'bob.crt'))).toBe(false);
    expect(existsSync(path.join(dir, 'bob.key'))).toBe(false);
  }, 60_000);
});

describe('issue NAME records its entry after its files', () => {
  it('recordedAt is not before the certificate file was written (a load reads again only files changed since)', async () => {
    const dir = path.join(root, 'recorded');
    await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519']);
    await cliOk(['issue', 'bob', '--client', '--dir', dir]);
    await cliOk(['issue', 'bob', '--client', '--dir', dir, '--force']);
    const current = readFileSync(inv(dir), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { name: string; status: string; recordedAt: string })
      .find((e) => e.name === 'bob' && e.status === 'valid')!;
    const st = statSync(path.join(dir, 'bob.crt'));
    expect(Date.parse(current.recordedAt)).toBeGreaterThanOrEqual(Math.floor(Math.max(st.mtimeMs, st.ctimeMs)));
  }, 60_000);
});
