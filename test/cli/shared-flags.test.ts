/**
 * Issue 20: shared flags are declared once (src/cli/runner.ts dirOption,
 * runtimeOption, renewInstallOptions): every command that takes --runtime
 * lists every runtime of src/runtimes in its help, and a bad value is exit 2
 * at the command that receives it, nothing written (regression: `config cron
 * --runtime bogus` exited 0 and wrote the value into the crontab line).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNTIME_NAMES } from '../../src/runtimes/types.js';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir();

/** The help text with commander's wrapping undone (a name may break across lines). */
async function help(args: string[]): Promise<string> {
  const r = await runCli([...args, '--help']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.replace(/\s+/g, ' ');
}

describe('--runtime: one declaration, the whole runtime list', () => {
  it.each([['renew'], ['doctor'], ['install-host'], ['export'], ['config']])('%s --help lists every runtime', async (cmd) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code, r.stderr).toBe(0);
    // The option's entry: its line and the deeper-indented lines that continue it.
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => /^ {2}--runtime <runtime> /.test(l));
    expect(at, r.stdout).toBeGreaterThan(0);
    const rest = lines.slice(at + 1);
    const end = rest.findIndex((l) => !/^ {6,}\S/.test(l));
    const line = [lines[at]!, ...rest.slice(0, end < 0 ? rest.length : end)].join(' ').replace(/\s+/g, ' ');
    for (const name of RUNTIME_NAMES) expect(line, `${cmd}: ${name}`).toMatch(new RegExp(`(^|[ ,(])${name}([ ,;:)]|$)`));
  });

  it.each([
    ['config cron', ['config', 'cron', '--install', 'reg.example:5000', '--runtime', 'bogus', '--out', 'cron.txt']],
    ['config systemd', ['config', 'systemd', '--install', 'reg.example:5000', '--runtime', 'bogus', '--out', 'units']],
    ['renew', ['renew', 'alice', '--install', 'reg.example:5000', '--runtime', 'bogus']],
    ['install-host', ['install-host', 'reg.example:5000', '--runtime', 'bogus', '--cert', 'a.crt', '--key', 'a.key', '--ca', 'ca.crt', '--certs-dir', 'certs.d']],
    ['doctor', ['doctor', '--runtime', 'bogus']],
    ['export', ['export', 'kubernetes', '--host', 'reg.example:5000', '--runtime', 'bogus']],
  ])('%s --runtime bogus: exit 2 naming the value, nothing written', async (_name, args) => {
    const cwd = path.join(T, args.slice(0, 2).join('-'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cwd, { recursive: true });
    const r = await runCli(args, { cwd });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown runtime "bogus"');
    for (const f of ['cron.txt', 'units', 'certs.d']) expect(existsSync(path.join(cwd, f))).toBe(false);
  });

  it('config cron with a known runtime still writes it into the renew line', async () => {
    const r = await runCli(['config', 'cron', '--install', 'reg.example:5000', '--runtime', 'k3s', '--dir', path.join(T, 'pki')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/renew --all .*--install reg\.example:5000 --runtime k3s/);
  });
});

describe('--dir: one declaration, each command its default', () => {
  it.each([
    ['issue', 'pki'],
    ['renew', 'pki'],
    ['list', 'pki'],
    ['quickstart', 'regcert-quickstart'],
  ])('%s --help shows --dir with its default', async (cmd, def) => {
    expect(await help([cmd])).toMatch(new RegExp(`--dir <dir> .*?\\(default: "${def}"\\)`));
  });
});
