/**
 * Issue 20: `issue --batch` refuses the flags it does not honour instead of
 * ignoring them (regression: --token-signing produced TLS certificates with
 * EKUs, --allow-weak was dropped silently). Exit 2 naming the flag, nothing
 * written, the CA directory untouched.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const cwd = tmpDir();

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', 'pki', '--cn', 'Batch Flags CA'], { cwd });
  writeFileSync(path.join(cwd, 'users.csv'), 'name,sans,profile,days\nalice,,client,\nbob,,client,\n');
});

describe('issue --batch with a flag it does not honour', () => {
  it.each([
    ['--token-signing', /--token-signing cannot be combined with --batch/, /regcert issue NAME --token-signing/],
    ['--allow-weak', /--allow-weak cannot be combined with --batch/, /--csr/],
  ])('%s: exit 2 naming it, nothing written', async (flag, message, hint) => {
    const before = readdirSync(path.join(cwd, 'pki')).sort();
    const out = `out${flag}`;
    const r = await runCli(['issue', '--batch', 'users.csv', flag, '--dir', 'pki', '--out-dir', out], { cwd });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(hint);
    expect(existsSync(path.join(cwd, out))).toBe(false);
    expect(readdirSync(path.join(cwd, 'pki')).sort()).toEqual(before);
  });

  it('without them the same batch runs (the refusal is about the flag)', async () => {
    await cliOk(['issue', '--batch', 'users.csv', '--dir', 'pki', '--out-dir', 'plain'], { cwd });
    expect(readdirSync(path.join(cwd, 'plain')).filter((f) => f.endsWith('.crt')).sort()).toEqual(['alice.crt', 'bob.crt']);
  });
});
