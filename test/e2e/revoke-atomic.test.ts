/**
 * Regression, issue 18 item 2: "revoke half-writes." `revoke dave
 * --crl-days 3650` (longer than the CA) or `--crl-days 0` was exit 2 after
 * the inventory already said revoked, with no crl.pem written; the next
 * `revoke dave` said "already revoked … nothing changed", and still no CRL.
 *
 * Now every argument is checked before the first write (exit 2, inventory
 * and crl.pem byte-identical), and the inventory and the CRL are one set
 * (io/inventory.ts updateInventoryWith → io/files.ts journal): SIGKILL on
 * entering each rename(2) and unlink(2) of a revoke (strace fault injection,
 * as test/e2e/atomic-sets.test.ts) leaves crl.pem in place at every instant,
 * and after the next reader (the recovery step) the inventory's revoked set
 * and crl.pem's serials are the same, verified by openssl.
 *
 * Also issue 21 item 2 (bulk revoke): several NAMEs and --batch FILE are one
 * inventory write and one signed CRL.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const OPENSSL = requireBinary('openssl');
const STRACE = requireBinary('strace');
const cwd = tmpDir('regcert-revoke-atomic-');
const pki = path.join(cwd, 'pki');
const users = Array.from({ length: 40 }, (_, i) => `u${i + 1}`);

const sha = (f: string) => (existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : 'absent');
const stateOf = (dir: string) => Object.fromEntries(['inventory.jsonl', 'crl.pem', 'crlnumber'].map((f) => [f, sha(path.join(dir, f))]));

/** The serials the inventory marks revoked (as written on disk, no reconciliation). */
function inventoryRevoked(dir: string): string[] {
  return readFileSync(path.join(dir, 'inventory.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { serial: string; status: string })
    .filter((e) => e.status === 'revoked')
    .map((e) => e.serial)
    .sort();
}

/** The serials crl.pem lists, as openssl reads them, after openssl verified its signature with the CA. */
async function crlSerials(dir: string): Promise<string[]> {
  const r = await runOk(OPENSSL, ['crl', '-in', path.join(dir, 'crl.pem'), '-CAfile', path.join(dir, 'ca.crt'), '-verify', '-noout', '-text']);
  expect(r.stderr).toMatch(/verify OK/);
  return [...r.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!.toLowerCase().replace(/^0+(?=.)/, '')).sort();
}

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', 'pki', '--days', '365'], { cwd });
  writeFileSync(path.join(cwd, 'users.csv'), `name,sans,profile,days\n${users.map((u) => `${u},,client,30`).join('\n')}\n`);
  await cliOk(['issue', '--batch', 'users.csv', '--dir', 'pki'], { cwd });
  await cliOk(['revoke', 'u1', '--dir', 'pki'], { cwd });
}, 60_000);

describe('revoke checks every argument before writing (issue 18 item 2)', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['--crl-days longer than the CA', ['u2', '--crl-days', '3650'], /--crl-days 3650: a CRL valid for 3650 days would outlive the CA/],
    ['--crl-days 0', ['u2', '--crl-days', '0'], /invalid --crl-days "0"/],
    ['--crl-days 99999', ['u2', '--crl-days', '99999'], /invalid --crl-days "99999"/],
    ['an unknown --reason', ['u2', '--reason', 'lostIt'], /unknown --reason "lostIt"/],
    ['one unknown name among known ones', ['u2', 'u3', 'nobody'], /no certificate named or numbered "nobody" in .*pki: nothing was revoked/],
    ['a target that is neither NAME nor SERIAL', ['u2', '../ca'], /is neither a certificate NAME nor a SERIAL/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2 naming it, inventory.jsonl, crl.pem and crlnumber byte-identical`, async () => {
      const before = stateOf(pki);
      const r = await runCli(['revoke', ...args, '--dir', 'pki'], { cwd });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(stateOf(pki)).toEqual(before);
    });
  }

  it('a directory half-written by the old revoke (inventory says revoked, no crl.pem): revoke again writes the CRL', async () => {
    const dir = path.join(cwd, 'half');
    await cliOk(['init-ca', '--dir', dir], { cwd });
    await cliOk(['issue', 'dave', '--client', '--dir', dir], { cwd });
    await cliOk(['revoke', 'dave', '--dir', dir], { cwd });
    const { rmSync } = await import('node:fs');
    rmSync(path.join(dir, 'crl.pem'));
    const r = await cliOk(['revoke', 'dave', '--dir', dir], { cwd });
    expect(r.stdout).toMatch(/was already revoked/);
    expect(r.stderr).toMatch(/crl\.pem did not list every revoked certificate/);
    expect(await crlSerials(dir)).toEqual(inventoryRevoked(dir));
  });
});

describe('revoke is one set: SIGKILL at each rename and unlink', () => {
  it('crl.pem is always there; after the recovery step the inventory and crl.pem agree (openssl)', async () => {
    let next = 2;
    const seen = { pending: 0, agreeing: 0, finished: 0 };
    for (const syscall of ['rename', 'unlink']) {
      for (let n = 1; ; n++) {
        const who = users[next++]!;
        const r = await run(STRACE, ['-f', '-qq', '-o', '/dev/null', '-e', `trace=${syscall}`, '-e', `inject=${syscall}:signal=SIGKILL:when=${n}`, process.execPath, BIN, 'revoke', who, '--dir', pki], {
          cwd,
          env: { UV_THREADPOOL_SIZE: '1' },
          timeoutMs: 30_000,
        });
        // The CRL a server reads is never withdrawn: there is one at every instant, and it verifies.
        expect(existsSync(path.join(pki, 'crl.pem')), `crl.pem missing after a kill at ${syscall} ${n}`).toBe(true);
        const listed = await crlSerials(pki);
        if (r.code === 0) {
          seen.finished++;
          expect(readdirSync(pki).filter((f) => f.startsWith('.regcert') || f.endsWith('.tmp'))).toEqual([]);
          expect(listed).toEqual(inventoryRevoked(pki));
          break;
        }
        expect([-1, 128 + 9], r.stderr).toContain(r.code);
        const journal = readdirSync(pki).some((f) => f.startsWith('.regcert-journal.'));
        if (existsSync(path.join(pki, 'inventory.jsonl')) && JSON.stringify(listed) === JSON.stringify(inventoryRevoked(pki))) seen.agreeing++;
        else {
          // Disagreeing only while the set's journal is pending.
          expect(journal, `inventory and crl.pem disagree after a kill at ${syscall} ${n}, and no journal completes them`).toBe(true);
          seen.pending++;
        }
        // The recovery step: any reader of the directory rolls the set forward first.
        await cliOk(['list', '--dir', pki, '--json'], { cwd });
        // No journal left (temporaries of a set killed before its commit are the old set's leftovers: the next writer removes them).
        expect(readdirSync(pki).filter((f) => /^\.regcert-journal\.[0-9a-f]{12}$/.test(f))).toEqual([]);
        expect(await crlSerials(pki)).toEqual(inventoryRevoked(pki));
        expect(n, 'the loop ends').toBeLessThan(20);
      }
    }
    // The kills really fell between the renames of the set, and before/after it.
    expect(seen.pending).toBeGreaterThan(0);
    expect(seen.agreeing).toBeGreaterThan(0);
    expect(seen.finished).toBe(2);
  }, 300_000);
});

describe('bulk revoke (issue 21 item 2)', () => {
  it('several NAMEs and --batch FILE: one inventory rename, one CRL rename, one CRL number more', async () => {
    const before = Number.parseInt(readFileSync(path.join(pki, 'crlnumber'), 'utf8'), 16);
    const open = users.slice(30, 36);
    writeFileSync(path.join(cwd, 'leavers.txt'), `# leavers\n${open.slice(2).join('\n')}\n\n`);
    const trace = path.join(cwd, 'bulk.trace');
    await runOk(STRACE, ['-f', '-qq', '-o', trace, '-e', 'trace=rename', process.execPath, BIN, 'revoke', open[0]!, open[1]!, '--batch', 'leavers.txt', '--dir', pki, '--reason', 'affiliationChanged'], { cwd, timeoutMs: 60_000 });
    const renames = readFileSync(trace, 'utf8').split('\n');
    expect(renames.filter((l) => /rename\(.*", ".*\/inventory\.jsonl"\)/.test(l))).toHaveLength(1);
    expect(renames.filter((l) => /rename\(.*", ".*\/crl\.pem"\)/.test(l))).toHaveLength(1);
    expect(Number.parseInt(readFileSync(path.join(pki, 'crlnumber'), 'utf8'), 16)).toBe(before + 1);
    const serials = await crlSerials(pki);
    expect(serials).toEqual(inventoryRevoked(pki));
    const inv = readFileSync(path.join(pki, 'inventory.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; status: string; reason?: string });
    for (const u of open) expect(inv.find((e) => e.name === u)).toMatchObject({ status: 'revoked', reason: 'affiliationChanged' });
  });
});

describe('revoke with nothing new over an out-of-date crl.pem (issue 21)', () => {
  it('writes the CRL again, reading crl.pem once (it was parsed twice: for its serials, then for its number)', async () => {
    const dir = path.join(cwd, 'stale-crl');
    await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519'], { cwd });
    for (const who of ['erin', 'finn']) await cliOk(['issue', who, '--client', '--dir', dir], { cwd });
    await cliOk(['revoke', 'erin', '--dir', dir], { cwd });
    const older = readFileSync(path.join(dir, 'crl.pem'));
    await cliOk(['revoke', 'finn', '--dir', dir], { cwd });
    writeFileSync(path.join(dir, 'crl.pem'), older); // as a run interrupted before its CRL would leave it: finn not listed
    const trace = path.join(cwd, 'stale-crl.trace');
    const r = await runOk(STRACE, ['-f', '-qq', '-o', trace, '-e', 'trace=open,openat', process.execPath, BIN, 'revoke', 'finn', '--dir', dir], { cwd, timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/was already revoked/);
    expect(r.stderr).toMatch(/crl\.pem did not list every revoked certificate/);
    const reads = readFileSync(trace, 'utf8').split('\n').filter((l) => /open(at)?\(.*\/stale-crl\/crl\.pem", O_RDONLY/.test(l));
    expect(reads, reads.join('\n')).toHaveLength(1);
    expect(await crlSerials(dir)).toEqual(inventoryRevoked(dir));
    expect(Number.parseInt(readFileSync(path.join(dir, 'crlnumber'), 'utf8'), 16)).toBe(3);
  });
});

describe('a CA made by openssl without a subjectKeyIdentifier (issue 20 item 5)', () => {
  it('revoke and crl work, openssl verifies the CRL, and its AKI is the one issue put in the leaf', async () => {
    const dir = path.join(cwd, 'openssl-ca');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    await runOk(OPENSSL, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.crt'),
      '-subj', '/CN=OpenSSL CA', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=none', '-addext', 'authorityKeyIdentifier=none',
    ]);
    expect((await runOk(OPENSSL, ['x509', '-in', path.join(dir, 'ca.crt'), '-noout', '-text'])).stdout).not.toMatch(/Subject Key Identifier/);
    await cliOk(['issue', 'bob', '--client', '--dir', dir], { cwd });
    await cliOk(['revoke', 'bob', '--dir', dir, '--crl-days', '7'], { cwd });
    await cliOk(['crl', '--dir', dir, '--days', '7'], { cwd });
    expect(await crlSerials(dir)).toEqual(inventoryRevoked(dir));
    const aki = (f: string[]) => runOk(OPENSSL, f).then((r) => /Authority Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(r.stdout)?.[1]);
    const leafAki = await aki(['x509', '-in', path.join(dir, 'bob.crt'), '-noout', '-text']);
    expect(leafAki).toMatch(/^[0-9A-F:]{59}$/);
    expect(await aki(['crl', '-in', path.join(dir, 'crl.pem'), '-noout', '-text'])).toBe(leafAki);
  });
});
