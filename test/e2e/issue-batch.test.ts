/**
 * Issue 12 acceptance: `regcert issue --batch`, run through the built CLI and
 * checked by openssl (verify, pkcs12) and OpenSSL through node:crypto.
 */
import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('openssl');

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

/** Every NAME.crt/NAME.key in `out` for `names`: openssl verifies the certificates, each key matches, serials are distinct, nothing else is there. */
async function expectValidPairs(ca: string, out: string, names: string[]): Promise<X509Certificate[]> {
  const files = readdirSync(out).filter((f) => !f.startsWith('.'));
  expect(files.filter((f) => f.endsWith('.crt')).sort()).toEqual(names.map((n) => `${n}.crt`).sort());
  expect(files.filter((f) => f.endsWith('.key')).sort()).toEqual(names.map((n) => `${n}.key`).sort());
  const crts = names.map((n) => path.join(out, `${n}.crt`));
  // openssl verify takes many certificates at once: one line "FILE: OK" each.
  for (let i = 0; i < crts.length; i += 100) {
    const r = await runOk('openssl', ['verify', '-CAfile', ca, ...crts.slice(i, i + 100)]);
    expect(r.stdout.trim().split('\n').filter((l) => l.endsWith(': OK'))).toHaveLength(crts.slice(i, i + 100).length);
  }
  const certs = names.map((n) => {
    const cert = new X509Certificate(readFileSync(path.join(out, `${n}.crt`)));
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(path.join(out, `${n}.key`)))), n).toBe(true);
    expect(cert.subject).toContain(`CN=${n}`);
    expect(mode(path.join(out, `${n}.key`))).toBe('600');
    expect(mode(path.join(out, `${n}.crt`))).toBe('644');
    return cert;
  });
  expect(new Set(certs.map((c) => c.serialNumber)).size).toBe(names.length);
  return certs;
}

describe('issue --batch', () => {
  const cwd = tmpDir();
  const ca = path.join(cwd, 'pki', 'ca.crt');
  const names = Array.from({ length: 200 }, (_, i) => `user${i + 1}`);

  it('200 rows from CSV: 200 valid pairs with distinct serials, the profiles and SANs asked for', async () => {
    await cliOk(['init-ca', '--dir', 'pki'], { cwd });
    const rows = names.map((n, i) =>
      i % 50 === 0 ? `${n},"${n}.example.com,10.0.${i}.1",client+server,30` : `${n},${n}@example.com,client,`,
    );
    writeFileSync(path.join(cwd, 'users.csv'), `name,sans,profile,days\n${rows.join('\n')}\n`);
    const r = await cliOk(['issue', '--batch', 'users.csv', '--dir', 'pki', '--out-dir', 'csv', '--json'], { cwd, timeoutMs: 180_000 });
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ ok: true, command: 'issue', format: 'csv', rows: 200, issued: 200, skipped: 0, repaired: 0 });
    expect(summary.perSecond).toBeGreaterThan(0);
    const certs = await expectValidPairs(ca, path.join(cwd, 'csv'), names);
    const text = (await runOk('openssl', ['x509', '-in', path.join(cwd, 'csv', 'user1.crt'), '-noout', '-ext', 'subjectAltName,extendedKeyUsage'])).stdout;
    expect(text).toMatch(/DNS:user1\.example\.com, IP Address:10\.0\.0\.1/);
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(certs[1]!.subjectAltName).toBe('email:user2@example.com');
    expect(certs[1]!.keyUsage).toEqual([CLIENT_AUTH]);
    // days: 30 for the client+server rows, the 397-day default for the others.
    const days = (c: X509Certificate) => Math.round((Date.parse(c.validTo) - Date.parse(c.validFrom)) / 86_400_000);
    expect(days(certs[0]!)).toBe(30);
    expect(days(certs[1]!)).toBe(397);
    // Every entry is in the CA's inventory (the batch's appended records), with the serial of the file written.
    const listed = JSON.parse((await cliOk(['list', '--dir', 'pki', '--json'], { cwd })).stdout) as { certificates: Array<{ name: string; serial: string }> };
    const byName = new Map(listed.certificates.map((c) => [c.name, c.serial.toLowerCase().replace(/:/g, '')]));
    expect(names.filter((n) => byName.has(n))).toHaveLength(200);
    expect(byName.get('user2')).toBe(certs[1]!.serialNumber.toLowerCase());
  });

  it('200 rows from JSON lines: 200 valid pairs with distinct serials', async () => {
    const rows = names.map((n, i) =>
      JSON.stringify(i % 2 ? { name: n, sans: [`${n}@example.com`], profile: 'client', days: 90 } : { name: n, sans: `${n}.svc.example.com`, profile: 'server' }),
    );
    writeFileSync(path.join(cwd, 'users.jsonl'), `${rows.join('\n')}\n`);
    const r = await cliOk(['issue', '--batch', 'users.jsonl', '--dir', 'pki', '--out-dir', 'jsonl', '--json'], { cwd, timeoutMs: 180_000 });
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, format: 'jsonl', rows: 200, issued: 200 });
    const certs = await expectValidPairs(ca, path.join(cwd, 'jsonl'), names);
    expect(certs[0]!.keyUsage).toEqual([SERVER_AUTH]);
    expect(certs[0]!.subjectAltName).toBe('DNS:user1.svc.example.com');
    expect(certs[1]!.keyUsage).toEqual([CLIENT_AUTH]);
  });

  it('a CSV with a bad SAN on line 57 is refused naming line 57, and nothing is written', async () => {
    // Line 1 is the header, so line 57 is the 56th row.
    const rows = names.slice(0, 100).map((n, i) => (i === 55 ? `${n},bad_host!.example.com,client,` : `${n},${n}@example.com,client,`));
    writeFileSync(path.join(cwd, 'bad.csv'), `name,sans,profile,days\n${rows.join('\n')}\n`);
    const r = await runCli(['issue', '--batch', 'bad.csv', '--dir', 'pki', '--out-dir', 'bad'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: bad\.csv line 57: invalid --san "bad_host!\.example\.com"/m);
    expect(r.stdout).toBe('');
    expect(existsSync(path.join(cwd, 'bad'))).toBe(false);
    // The same with --json: one error document.
    const j = await runCli(['issue', '--batch', 'bad.csv', '--dir', 'pki', '--out-dir', 'bad', '--json'], { cwd });
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'BAD_SAN' } });
    expect(existsSync(path.join(cwd, 'bad'))).toBe(false);
  });

  it('bad rows of every kind name their line; a duplicate name too; nothing is written', async () => {
    const cases: Array<[string, RegExp]> = [
      ['name,sans,profile,days\nok1,,client,\n../x,,client,\n', /line 3: invalid certificate name/],
      ['name,sans,profile,days\nok1,,client,\nok2,,admin,\n', /line 3: invalid profile "admin"/],
      ['name,sans,profile,days\nok1,,client,0\n', /line 2: invalid days "0"/],
      ['name,sans,profile,days\nok1,,client,\nOK1,,client,\n', /line 3: the name "OK1" appears twice/],
      ['name,profile\nsrv_1,server\n', /line 2: a server certificate needs a DNS or IP SAN/],
      ['name,san,profile\n', /line 1: the CSV header must name the columns/],
      ['{"name":"a","profile":"client"}\n{"name":"b","profile":"client","extra":1}\n', /line 2: unknown field "extra"/],
      ['name,sans,profile,days\n', /has no rows/],
    ];
    for (const [i, [content, message]] of cases.entries()) {
      writeFileSync(path.join(cwd, `case${i}.csv`), content);
      const r = await runCli(['issue', '--batch', `case${i}.csv`, '--dir', 'pki', '--out-dir', `case${i}`], { cwd });
      expect(r.code, content).toBe(2);
      expect(r.stderr, content).toMatch(message);
      expect(existsSync(path.join(cwd, `case${i}`))).toBe(false);
    }
    const both = await runCli(['issue', 'alice', '--batch', 'users.csv', '--dir', 'pki'], { cwd });
    expect(both.code).toBe(2);
    const flag = await runCli(['issue', '--batch', 'users.csv', '--client', '--dir', 'pki'], { cwd });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--client cannot be combined with --batch/);
  });

  it('a batch killed (SIGKILL) part-way and rerun completes: every pair valid, none duplicated, complete entries skipped', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => `runner${i + 1}`);
    writeFileSync(path.join(cwd, 'runners.csv'), `name,sans,profile,days\n${many.map((n) => `${n},,client,`).join('\n')}\n`);
    const out = path.join(cwd, 'runners');
    const child = spawn(process.execPath, [BIN, 'issue', '--batch', 'runners.csv', '--dir', 'pki', '--out-dir', 'runners'], { cwd, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it once some entries are on disk and (bounded wait) well before it could finish.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(existsSync(out) && readdirSync(out).filter((f) => f.endsWith('.crt')).length >= 50)) {
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    const before = readdirSync(out).filter((f) => f.endsWith('.crt')).length;
    expect(before).toBeGreaterThanOrEqual(50);
    expect(before).toBeLessThan(many.length);
    // Right after the kill: every certificate has its matching key; a key alone only while a chunk's journal is pending.
    const onDisk = readdirSync(out);
    const journal = onDisk.some((f) => f.startsWith('.regcert-journal.'));
    for (const f of onDisk.filter((n) => n.endsWith('.key'))) {
      const crt = path.join(out, f.replace(/\.key$/, '.crt'));
      if (!existsSync(crt)) {
        expect(journal, `${f} without its certificate and no journal to complete it`).toBe(true);
        continue;
      }
      expect(new X509Certificate(readFileSync(crt)).checkPrivateKey(createPrivateKey(readFileSync(path.join(out, f)))), f).toBe(true);
    }
    for (const f of onDisk.filter((n) => n.endsWith('.crt'))) expect(onDisk, `${f} without its key`).toContain(f.replace(/\.crt$/, '.key'));

    const r = await cliOk(['issue', '--batch', 'runners.csv', '--dir', 'pki', '--out-dir', 'runners', '--json'], { cwd, timeoutMs: 300_000 });
    const summary = JSON.parse(r.stdout);
    expect(summary.rows).toBe(many.length);
    expect(summary.skipped).toBeGreaterThan(0);
    expect(summary.skipped + summary.issued).toBe(many.length);
    await expectValidPairs(ca, out, many);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A third run has nothing left to do.
    const again = JSON.parse((await cliOk(['issue', '--batch', 'runners.csv', '--dir', 'pki', '--out-dir', 'runners', '--json'], { cwd, timeoutMs: 120_000 })).stdout);
    expect(again).toMatchObject({ issued: 0, skipped: many.length });
  }, 600_000);

  it('the tsc build runs the same batch (its own worker file), with --workers 1', async () => {
    const rows = names.slice(0, 20).map((n) => `${n},,client,`);
    writeFileSync(path.join(cwd, 'twenty.csv'), `name,sans,profile,days\n${rows.join('\n')}\n`);
    const r = await cliOk(['issue', '--batch', 'twenty.csv', '--dir', 'pki', '--out-dir', 'tsc', '--workers', '1', '--json'], {
      cwd,
      env: { REGCERT_BUNDLE: '0', REGCERT_DEBUG_LOAD: '1' },
    });
    expect(r.stderr).toMatch(/load: tsc build/);
    expect(JSON.parse(r.stdout)).toMatchObject({ issued: 20, workers: 1 });
    await expectValidPairs(ca, path.join(cwd, 'tsc'), names.slice(0, 20));
    const bad = await runCli(['issue', '--batch', 'twenty.csv', '--dir', 'pki', '--out-dir', 'tsc0', '--workers', '0'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --workers "0"/);
  });

  it('a file in the way that this CA did not issue is refused before anything is made; --force replaces it', async () => {
    await cliOk(['init-ca', '--dir', 'other'], { cwd });
    await cliOk(['issue', 'user3', '--client', '--dir', 'other', '--out-dir', 'clash'], { cwd });
    const rows = names.slice(0, 5).map((n) => `${n},,client,`);
    writeFileSync(path.join(cwd, 'five.csv'), `name,sans,profile,days\n${rows.join('\n')}\n`);
    const r = await runCli(['issue', '--batch', 'five.csv', '--dir', 'pki', '--out-dir', 'clash'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/five\.csv line 4: clash\/user3\.crt already exists and was not issued by this CA/);
    expect(readdirSync(path.join(cwd, 'clash')).sort()).toEqual(['user3.crt', 'user3.key']);
    await cliOk(['issue', '--batch', 'five.csv', '--dir', 'pki', '--out-dir', 'clash', '--force'], { cwd });
    await expectValidPairs(ca, path.join(cwd, 'clash'), names.slice(0, 5));
  });

  it('--p12: every .p12 opens with the password its 0600 manifest line gives', async () => {
    const rows = names.slice(0, 6).map((n) => `${n},${n}@example.com,client,`);
    writeFileSync(path.join(cwd, 'p12.csv'), `name,sans,profile,days\n${rows.join('\n')}\n`);
    const r = await cliOk(['issue', '--batch', 'p12.csv', '--dir', 'pki', '--out-dir', 'p12', '--p12', '--json'], { cwd, timeoutMs: 120_000 });
    const summary = JSON.parse(r.stdout);
    expect(summary.manifest).toBe(path.join('p12', 'p12-passwords.tsv'));
    const manifest = path.join(cwd, 'p12', 'p12-passwords.tsv');
    expect(mode(manifest)).toBe('600');
    const lines = readFileSync(manifest, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toHaveLength(6);
    const passwords = new Set<string>();
    for (const line of lines) {
      const [name, password, file] = line.split('\t') as [string, string, string];
      passwords.add(password);
      const p12 = path.join(cwd, 'p12', file);
      expect(mode(p12)).toBe('600');
      const opened = await runOk('openssl', ['pkcs12', '-in', p12, '-passin', `pass:${password}`, '-nodes']);
      expect(opened.stdout).toContain('BEGIN PRIVATE KEY');
      expect(opened.stdout).toMatch(new RegExp(`subject=CN\\s?=\\s?${name}`));
      const wrong = await run('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:wrong', '-nodes']);
      expect(wrong.code).not.toBe(0);
    }
    expect(passwords.size).toBe(6);
    await expectValidPairs(ca, path.join(cwd, 'p12'), names.slice(0, 6));
    // A rerun skips them all (the manifest's SHA-256 matches each .p12).
    const again = JSON.parse((await cliOk(['issue', '--batch', 'p12.csv', '--dir', 'pki', '--out-dir', 'p12', '--p12', '--json'], { cwd })).stdout);
    expect(again).toMatchObject({ issued: 0, skipped: 6 });
  });
});
