/** Issue 5: every command's help ends with real examples; piped output carries no colour or spinner frames. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const COMMANDS = ['quickstart', 'init-ca', 'issue', 'list', 'renew', 'revoke', 'crl', 'to-p12', 'install-host', 'fetch-ca', 'verify', 'serve', 'inspect', 'doctor', 'config', 'export'];

describe('help', () => {
  it.each(COMMANDS)('regcert %s --help ends with two or more examples and the exit codes', async (cmd) => {
    const r = await cliOk([cmd, '--help']);
    const tail = r.stdout.slice(r.stdout.indexOf('Examples:'));
    expect(r.stdout).toContain('Examples:');
    expect((tail.match(/^\s+\$ (sudo )?regcert /gm) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(r.stdout).toMatch(/Exit codes:/);
  });
});

describe('piped output', () => {
  const cwd = tmpDir();
  it('a slow command (RSA-4096 CA) piped, with or without NO_COLOR, prints no escape codes or spinner frames', async () => {
    for (const env of [{ NO_COLOR: '1' }, { NO_COLOR: undefined }]) {
      const dir = path.join(cwd, env.NO_COLOR ? 'a' : 'b');
      const r = await cliOk(['init-ca', '--dir', dir, '--key-type', 'rsa-4096'], { env, timeoutMs: 120_000 });
      expect(r.stdout + r.stderr).not.toMatch(/\u001b|\r/);
      expect(r.stdout).toMatch(/^\[ok\] Root CA created/);
    }
  });

  it('FORCE_COLOR turns colour on even when piped (and NO_COLOR off again)', async () => {
    const on = await runCli(['inspect', path.join(cwd, 'a/ca.crt')], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(on.stdout).toMatch(/\u001b\[/);
    const off = await runCli(['inspect', path.join(cwd, 'a/ca.crt')], { env: { NO_COLOR: '1' } });
    expect(off.stdout).not.toMatch(/\u001b\[/);
  });
});
