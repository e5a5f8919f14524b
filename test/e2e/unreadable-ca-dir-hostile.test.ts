/**
 * Issue 20: "read if it exists" fails closed. A CA directory (0700, root's)
 * that the user running regcert cannot enter holds ca.crt: every command
 * that reads the CA must say it cannot be read (exit 1 or 2), never that it
 * is not there, and never crash with an internal error (regression: list and
 * renew died with "internal error: EACCES", and pathExists took EACCES for
 * "absent"). We run as root, so the commands run as nobody (setpriv).
 */
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('setpriv');
const T = tmpDir();
const PKI = path.join(T, 'pki');
const asNobody = (args: string[]) => run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], { cwd: T, env: { HOME: T } });

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (it makes a directory another user cannot enter)');
  await cliOk(['init-ca', '--dir', PKI, '--cn', 'Unreadable CA']);
  await cliOk(['issue', 'alice', '--client', '--dir', PKI]);
  await cliOk(['issue', 'reg.example', '--server', '--dir', PKI]);
  chmodSync(T, 0o755); // the parent is open: only pki itself is closed
  mkdirSync(path.join(T, 'open'), { mode: 0o777 });
  chmodSync(path.join(T, 'open'), 0o777);
  chmodSync(PKI, 0o700);
}, 60_000);

describe('a 0700 CA directory the user cannot enter', () => {
  it.each([
    ['issue', ['issue', 'bob', '--client', '--dir', PKI, '--out-dir', 'open']],
    ['issue --batch', ['issue', '--batch', '/dev/null', '--dir', PKI, '--out-dir', 'open/batch']],
    ['renew', ['renew', '--all', '--dir', PKI]],
    ['revoke', ['revoke', 'alice', '--dir', PKI]],
    ['crl', ['crl', '--dir', PKI]],
    ['list', ['list', '--dir', PKI]],
    ['serve', ['serve', '--dir', PKI, '--port', '0']],
    ['init-ca --intermediate', ['init-ca', '--intermediate', '--parent-dir', PKI, '--dir', 'open/int']],
    ['config nginx', ['config', 'nginx', '--host', 'reg.example', '--dir', PKI]],
    ['quickstart', ['quickstart', '--dir', PKI]],
    ['export --client', ['export', 'kubernetes', '--host', 'reg.example', '--client', 'alice', '--dir', PKI]],
  ])('%s says it cannot read it, not that it is missing', async (_name, args) => {
    const before = readdirSync(PKI).sort();
    const r = await asNobody(args as string[]);
    expect([1, 2], r.stdout + r.stderr).toContain(r.code);
    expect(r.stderr).toMatch(/is not readable|cannot be read/);
    expect(r.stderr).not.toMatch(/not found|does not exist|internal error|no such file/i);
    expect(readdirSync(PKI).sort()).toEqual(before);
    expect(statSync(PKI).mode & 0o777).toBe(0o700);
  }, 60_000);
});
