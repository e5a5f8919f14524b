/**
 * Regression, issue 9 finding 7: "Symlinked parent directories and a
 * symlinked --certs-dir root are followed; a world-writable target directory
 * gets no warning." Now every directory on the way of a write is checked
 * (src/io/safe-path.ts): a symbolic link (other than the OS's own, such as
 * /var/run) or a directory others can write without the sticky bit is refused
 * with exit 1 and nothing is written.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const cwd = tmpDir('regcert-paths-');
const pki = path.join(cwd, 'pki');
const real = path.join(cwd, 'real');
const link = path.join(cwd, 'link');

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki], { cwd });
  await cliOk(['issue', 'alice', '--dir', pki, '--client'], { cwd });
  mkdirSync(real);
  symlinkSync(real, link);
});

describe('regression (issue 9 finding 7): no writes through symlinked or others-writable directories', () => {
  it('a symlinked parent directory of --out-dir: exit 1, nothing written behind the link', async () => {
    const r = await runCli(['issue', 'bob', '--dir', pki, '--client', '--out-dir', path.join(link, 'out')], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${link} is a symbolic link (to ${real})`);
    expect(r.stderr).toMatch(/hint: pass the real directory/);
    expect(readdirSync(real)).toEqual([]);
  });

  it('a symlinked --certs-dir root (and --dry-run says so too): exit 1, nothing written', async () => {
    const args = ['install-host', 'registry.test', '--cert', path.join(pki, 'alice.crt'), '--key', path.join(pki, 'alice.key'), '--ca', path.join(pki, 'ca.crt'), '--certs-dir', link];
    for (const extra of [[], ['--dry-run']]) {
      const r = await runCli([...args, ...extra], { cwd });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/is a symbolic link/);
    }
    expect(readdirSync(real)).toEqual([]);
  });

  it('a symlinked --dir for init-ca: exit 1', async () => {
    const r = await runCli(['init-ca', '--dir', link], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(readdirSync(real)).toEqual([]);
  });

  it('a world- or group-writable target directory without the sticky bit is refused with the reason; with it, fine', async () => {
    for (const [name, mode, who] of [['ww', 0o777, 'world'], ['gw', 0o775, 'group']] as const) {
      const d = path.join(cwd, name);
      mkdirSync(d);
      chmodSync(d, mode);
      const r = await runCli(['init-ca', '--dir', d], { cwd });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${d} is ${who}-writable without the sticky bit`);
      expect(existsSync(path.join(d, 'ca.key'))).toBe(false);
    }
    const sticky = path.join(cwd, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    await cliOk(['init-ca', '--dir', path.join(sticky, 'pki')], { cwd });
  });
});
