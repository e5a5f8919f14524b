/**
 * Unattended renewal: `config systemd` units pass `systemd-analyze verify`
 * (package systemd) with ExecStart pointing at the real regcert, and the
 * `config cron` line names absolute paths and runs as it is written.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runCli } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-schedule-');
const dir = path.join(T, 'pki');

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', dir]);
  await cliOk(['issue', 'alice', '--client', '--dir', dir, '--days', '10']);
}, 60_000);

describe('config systemd', () => {
  it('writes a service + timer that systemd-analyze verify accepts, running regcert renew --all --if-expiring 30d', async () => {
    const ANALYZE = requireBinary('systemd-analyze');
    const units = path.join(T, 'units');
    mkdirSync(units);
    const r = await cliOk(['config', 'systemd', '--dir', dir, '--crl', '--exec', 'echo reload 100% of $HOME', '--out', units, '--json']);
    expect(JSON.parse(r.stdout).files.map((f: { path: string }) => path.basename(f.path))).toEqual(['regcert-renew.service', 'regcert-renew.timer']);
    const service = readFileSync(path.join(units, 'regcert-renew.service'), 'utf8');
    const timer = readFileSync(path.join(units, 'regcert-renew.timer'), 'utf8');
    expect(service).toContain(`ExecStart=${process.execPath} ${BIN} renew --all --if-expiring 30d --dir ${dir} --exec "echo reload 100%% of $$HOME"`);
    expect(service).toContain(`ExecStart=${process.execPath} ${BIN} crl --dir ${dir}`);
    expect(service).toMatch(/Type=oneshot/);
    expect(timer).toMatch(/OnCalendar=daily/);
    expect(timer).toMatch(/Persistent=true/);
    const v = await run(ANALYZE, ['verify', path.join(units, 'regcert-renew.service'), path.join(units, 'regcert-renew.timer')], { timeoutMs: 60_000 });
    expect(v.code, v.stderr).toBe(0);
    // systemd-analyze only warns (exit 0) about some mistakes: nothing may be reported for these units.
    expect(v.stderr.split('\n').filter((l) => l.includes('regcert-renew'))).toEqual([]);

    // Without --out: both units on stdout, nothing else.
    const printed = await cliOk(['config', 'systemd', '--dir', dir, '--install', '127.0.0.1:5000', '--runtime', 'podman']);
    expect(printed.stdout).toContain('# --- regcert-renew.service ---');
    expect(printed.stdout).toContain(' --install 127.0.0.1:5000 --runtime podman');
  }, 120_000);

  it('a unit whose ExecStart binary does not exist fails systemd-analyze verify (the check is real)', async () => {
    const ANALYZE = requireBinary('systemd-analyze');
    const units = path.join(T, 'units-missing');
    mkdirSync(units);
    await cliOk(['config', 'systemd', '--dir', dir, '--regcert', path.join(T, 'no-such-regcert'), '--out', units]);
    const v = await run(ANALYZE, ['verify', path.join(units, 'regcert-renew.service')], { timeoutMs: 60_000 });
    expect(v.code).not.toBe(0);
    expect(v.stderr).toMatch(/is not executable|No such file/);
  }, 60_000);
});

describe('config cron', () => {
  it('prints a crontab line with absolute paths, and the command in it runs as written', async () => {
    const r = await cliOk(['config', 'cron', '--dir', path.relative(process.cwd(), dir), '--if-expiring', '30d']);
    const line = r.stdout.split('\n').find((l) => !l.startsWith('#') && l.trim() !== '')!;
    const m = /^(\d+) (\d+) \* \* \* (.*)$/.exec(line);
    expect(m, line).not.toBeNull();
    const command = m![3]!;
    expect(command).toBe(`${process.execPath} ${BIN} renew --all --if-expiring 30d --dir ${dir}`);
    for (const w of command.split(' ').filter((w) => w.startsWith('/'))) expect(path.isAbsolute(w)).toBe(true);
    // Run it through sh as cron would: alice (10 days) is due and gets renewed.
    const before = readFileSync(path.join(dir, 'alice.crt'), 'utf8');
    const ran = await run('/bin/sh', ['-c', command], { timeoutMs: 60_000 });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/Renewed alice/);
    expect(readFileSync(path.join(dir, 'alice.crt'), 'utf8')).not.toBe(before);

    // "%" is a line break in crontab unless escaped; other shell specials are single-quoted.
    const special = await cliOk(['config', 'cron', '--dir', dir, '--exec', "date +%s; echo 'x'"]);
    expect(special.stdout).toContain(`--exec 'date +\\%s; echo '\\''x'\\'''`);
    const rel = await runCli(['config', 'cron', '--dir', dir, '--regcert', 'bin/regcert']);
    expect(rel.code).toBe(2);
    expect(rel.stderr).toMatch(/is not an absolute path/);
  }, 120_000);
});
