/**
 * Issue 22: `doctor --containerd-config FILE` always checks FILE (it was
 * ignored unless a root was named containerd=DIR), and a folder with a
 * problem never shows [ok] in its header (a problem not tied to a folder was
 * printed under the last folder's [ok] header).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

type Json = { hosts: Array<{ name: string; problems: Array<{ code: string }> }>; problems: Array<{ code: string; path: string }> };

describe('doctor --containerd-config', () => {
  const cwd = tmpDir();
  const noConfigPath = () => path.join(cwd, 'ct.toml');

  beforeAll(async () => {
    await cliOk(['init-ca', '--dir', 'pki'], { cwd });
    await cliOk(['issue', 'alice', '--client', '--dir', 'pki'], { cwd });
    for (const host of ['registry.test', 'mirror.test']) {
      await cliOk(['install-host', host, '--cert', 'pki/alice.crt', '--key', 'pki/alice.key', '--ca', 'pki/ca.crt', '--runtime', 'containerd', '--certs-dir', path.join(cwd, 'certs.d')], { cwd });
    }
    writeFileSync(noConfigPath(), 'version = 2\n');
  });

  it.each([
    ['a plain --certs-dir ROOT', ['--certs-dir', 'certs.d']],
    ['--certs-dir docker=ROOT', ['--certs-dir', 'docker=certs.d']],
    ['--certs-dir containerd=ROOT', ['--certs-dir', 'containerd=certs.d']],
  ])('FILE is checked with %s: a config.toml without config_path is a problem (exit 1)', async (_what, dirs) => {
    const r = await runCli(['doctor', ...dirs, '--containerd-config', noConfigPath(), '--json'], { cwd });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.problems.map((p) => [p.code, p.path])).toEqual([['containerd-config-path', noConfigPath()]]);
  });

  it('a config.toml with config_path passes; a missing FILE is exit 2', async () => {
    const good = path.join(cwd, 'good.toml');
    writeFileSync(good, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${path.join(cwd, 'certs.d')}"\n`);
    const ok = await runCli(['doctor', '--certs-dir', 'containerd=certs.d', '--containerd-config', good], { cwd });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const missing = await runCli(['doctor', '--certs-dir', 'certs.d', '--containerd-config', 'nope.toml'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/containerd config not found at nope\.toml/);
  });

  it('no folder header reads [ok] above a problem line: the config problem has a header of its own', async () => {
    const r = await runCli(['doctor', '--certs-dir', 'containerd=certs.d', '--containerd-config', noConfigPath()], { cwd });
    expect(r.code).toBe(1);
    let header = '';
    for (const line of r.stdout.split('\n')) {
      if (/^\S/.test(line)) header = line;
      else if (/^\s+\[x\]/.test(line)) expect(header, `"${line.trim()}" is printed under "${header}"`).not.toMatch(/^\[ok\]/);
    }
    expect(r.stdout).toMatch(/^\[x\] not tied to one folder\n\s+\[x\] .*ct\.toml/m);
  });
});
