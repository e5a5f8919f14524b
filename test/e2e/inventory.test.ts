/**
 * The inventory (DIR/inventory.jsonl) through the built CLI: concurrent
 * `issue` runs all land with distinct serials, `list` and its --expiring
 * exit code, a CA directory made by the openssl CLI gets its inventory
 * rebuilt, and SIGKILL during `issue` or `renew` never leaves an entry for a
 * certificate that does not exist.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliOk, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-inventory-');
const OPENSSL = requireBinary('openssl');

interface Entry {
  serial: string;
  name: string;
  sha256: string;
  status: string;
  files: Array<{ path: string; kind: string }>;
  profile: string;
  unknown?: string[];
}

/** Every line of DIR/inventory.jsonl parsed (throws on a line that is not JSON). */
function readInventoryLines(dir: string): Entry[] {
  return readFileSync(path.join(dir, 'inventory.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Entry);
}

/** The SHA-256 fingerprint of the first certificate in a file, as openssl prints it (AB:CD:…). */
async function fingerprint(file: string): Promise<string> {
  const r = await runOk(OPENSSL, ['x509', '-in', file, '-noout', '-fingerprint', '-sha256']);
  return r.stdout.trim().replace(/^.*=/, '').toUpperCase();
}

function certFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.crt') && n !== 'ca.crt' && !n.startsWith('.'));
}

describe('inventory: concurrent issue', () => {
  it('20 issue runs in parallel on one CA: 20 entries, 20 distinct serials, every file valid', async () => {
    const dir = path.join(T, 'parallel');
    await cliOk(['init-ca', '--dir', dir]);
    const names = Array.from({ length: 20 }, (_, i) => `user${i + 1}`);
    const runs = await Promise.all(names.map((n) => runCli(['issue', n, '--client', '--dir', dir], { timeoutMs: 180_000 })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);

    const entries = readInventoryLines(dir);
    expect(entries).toHaveLength(20);
    expect(new Set(entries.map((e) => e.serial)).size).toBe(20);
    expect(entries.map((e) => e.name).sort()).toEqual([...names].sort());
    for (const e of entries) {
      expect(e).toMatchObject({ status: 'valid', profile: 'client' });
      const crt = path.join(dir, `${e.name}.crt`);
      const key = path.join(dir, `${e.name}.key`);
      expect(e.files).toEqual([
        { path: `${e.name}.crt`, kind: 'certificate' },
        { path: `${e.name}.key`, kind: 'private-key' },
      ]);
      // The file holds the certificate the entry describes, openssl accepts it, and the key belongs to it.
      expect(await fingerprint(crt)).toBe(e.sha256);
      const serial = await runOk(OPENSSL, ['x509', '-in', crt, '-noout', '-serial']);
      expect(serial.stdout.trim().replace('serial=', '').toLowerCase().replace(/^0+/, '')).toBe(e.serial);
      const v = await runOk(OPENSSL, ['verify', '-CAfile', path.join(dir, 'ca.crt'), '-purpose', 'sslclient', crt]);
      expect(v.stdout).toContain(': OK');
      const certPub = await runOk(OPENSSL, ['x509', '-in', crt, '-noout', '-pubkey']);
      const keyPub = await runOk(OPENSSL, ['pkey', '-in', key, '-pubout']);
      expect(keyPub.stdout).toBe(certPub.stdout);
    }
    // No lock or temporary file is left behind.
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 300_000);
});

describe('list', () => {
  const dir = path.join(T, 'list');

  it('--expiring 400d exits 1 naming every certificate; --expiring 1d exits 0; --json is one object', async () => {
    await cliOk(['init-ca', '--dir', dir]);
    await cliOk(['issue', 'alice', '--client', '--dir', dir]);
    await cliOk(['issue', 'bob', '--client', '--dir', dir, '--days', '200']);
    await cliOk(['issue', 'registry.test', '--server', '--dir', dir]);

    const soon = await runCli(['list', '--dir', dir, '--expiring', '400d']);
    expect(soon.code).toBe(1);
    for (const n of ['alice', 'bob', 'registry.test']) {
      expect(soon.stdout).toContain(n);
      expect(soon.stderr).toContain(n);
    }
    expect(soon.stderr).toMatch(/3 certificate\(s\) expire within 400 days/);

    const json = await runCli(['list', '--dir', dir, '--expiring', '400d', '--json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout); // the whole stdout is one document
    expect(doc).toMatchObject({ ok: false, command: 'list', expiringWithinDays: 400 });
    expect(doc.expiring.map((e: { name: string }) => e.name).sort()).toEqual(['alice', 'bob', 'registry.test']);

    const bobOnly = await runCli(['list', '--dir', dir, '--expiring', '250d', '--json']);
    expect(bobOnly.code).toBe(1);
    expect(JSON.parse(bobOnly.stdout).expiring.map((e: { name: string }) => e.name)).toEqual(['bob']);

    const fine = await runCli(['list', '--dir', dir, '--expiring', '1d']);
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(/nothing expires within 1 days/);

    const all = await runCli(['list', '--dir', dir, '--json']);
    expect(all.code).toBe(0);
    const listed = JSON.parse(all.stdout);
    expect(listed.ok).toBe(true);
    expect(listed.certificates).toHaveLength(3);
    expect(listed.certificates[0]).not.toHaveProperty('der');

    const clients = JSON.parse((await cliOk(['list', '--dir', dir, '--client', '--json'])).stdout);
    expect(clients.certificates.map((c: { name: string }) => c.name).sort()).toEqual(['alice', 'bob']);
    const servers = JSON.parse((await cliOk(['list', '--dir', dir, '--server', '--json'])).stdout);
    expect(servers.certificates.map((c: { name: string }) => c.name)).toEqual(['registry.test']);

    const bad = await runCli(['list', '--dir', dir, '--expiring', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^regcert: invalid --expiring "soon"\nhint: /);
  }, 120_000);

  it('a pool coming due: the --expiring alert names 20 and counts the rest (the table and --json list each); crl leaves the inventory as it is', async () => {
    const pool = path.join(T, 'list-pool');
    await cliOk(['init-ca', '--dir', pool]);
    const rows = Array.from({ length: 25 }, (_, i) => `due${i + 1},due${i + 1}@example.com,client,`);
    writeFileSync(path.join(T, 'due.csv'), `name,sans,profile,days\n${rows.join('\n')}\n`);
    await cliOk(['issue', '--batch', path.join(T, 'due.csv'), '--dir', pool, '--out-dir', path.join(T, 'due-pool')]);
    const due = await runCli(['list', '--dir', pool, '--expiring', '1000d']);
    expect(due.code).toBe(1);
    const alert = due.stderr.split('\n').find((l) => l.includes('expire within'))!;
    expect(alert).toMatch(/25 certificate\(s\) expire within 1000 days: .*, … and 5 more$/);
    expect(alert.split(', ')).toHaveLength(21); // 20 names and the count
    for (let i = 1; i <= 25; i++) expect(due.stdout).toContain(`due${i}`);
    expect(JSON.parse((await runCli(['list', '--dir', pool, '--expiring', '1000d', '--json'])).stdout).expiring).toHaveLength(25);

    // crl re-signs the list and changes no entry: the inventory file is not rewritten (same inode, same bytes).
    const inventory = path.join(pool, 'inventory.jsonl');
    const before = { ino: statSync(inventory).ino, text: readFileSync(inventory, 'utf8') };
    await cliOk(['crl', '--dir', pool]);
    expect({ ino: statSync(inventory).ino, text: readFileSync(inventory, 'utf8') }).toEqual(before);
    expect(existsSync(path.join(pool, 'crl.pem'))).toBe(true);
  }, 120_000);

  it('a corrupted inventory line is refused (exit 2) naming the line, not silently skipped', async () => {
    const d = path.join(T, 'corrupt');
    await cliOk(['init-ca', '--dir', d]);
    await cliOk(['issue', 'alice', '--client', '--dir', d]);
    writeFileSync(path.join(d, 'inventory.jsonl'), `${readFileSync(path.join(d, 'inventory.jsonl'), 'utf8')}{"serial":\n`);
    const r = await runCli(['list', '--dir', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/inventory\.jsonl line 2: not valid JSON/);
    // issue refuses before writing anything (exit != 0 means nothing written).
    const i = await runCli(['issue', 'bob', '--client', '--dir', d]);
    expect(i.code).toBe(2);
    expect(i.stderr).toMatch(/inventory\.jsonl line 2: not valid JSON/);
    expect(existsSync(path.join(d, 'bob.crt'))).toBe(false);
    expect(existsSync(path.join(d, 'bob.key'))).toBe(false);
  }, 60_000);
});

describe('a CA directory made by the openssl CLI', () => {
  it('is listed after the inventory is rebuilt from its .crt files, with a note of what is unknown', async () => {
    const dir = path.join(T, 'openssl-ca');
    const ext = path.join(T, 'client.ext');
    writeFileSync(ext, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=email:carol@example.com\n');
    await runOk('mkdir', ['-p', dir]);
    await runOk(OPENSSL, [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.crt'),
      '-subj', '/CN=OpenSSL Made CA', '-days', '365', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    for (const [name, days] of [['carol', '30'], ['dave', '90']] as const) {
      await runOk(OPENSSL, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, `${name}.key`), '-out', path.join(T, `${name}.csr`), '-subj', `/CN=${name}`]);
      await runOk(OPENSSL, ['x509', '-req', '-in', path.join(T, `${name}.csr`), '-CA', path.join(dir, 'ca.crt'), '-CAkey', path.join(dir, 'ca.key'), '-CAcreateserial', '-out', path.join(dir, `${name}.crt`), '-days', days, '-extfile', ext]);
    }
    // A certificate from another CA in the same folder is not this CA's to list.
    await runOk(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(T, 'stranger.key'), '-out', path.join(dir, 'stranger.crt'), '-subj', '/CN=stranger', '-days', '30']);
    expect(existsSync(path.join(dir, 'inventory.jsonl'))).toBe(false);

    const r = await runCli(['list', '--dir', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.rebuilt).toBe(true);
    expect(doc.notes.join('\n')).toMatch(/did not exist: rebuilt from the 2 certificate file\(s\).*not known/);
    expect(doc.certificates.map((c: { name: string }) => c.name)).toEqual(['carol', 'dave']);
    expect(doc.certificates[0]).toMatchObject({ profile: 'client', status: 'valid', source: 'rebuilt', sans: ['email:carol@example.com'] });
    expect(doc.certificates[0].unknown.length).toBeGreaterThan(0);
    expect(doc.certificates[0].daysLeft).toBeGreaterThanOrEqual(28);
    // The rebuilt inventory was saved; a second list reads it and rebuilds nothing.
    expect(readInventoryLines(dir)).toHaveLength(2);
    const again = JSON.parse((await cliOk(['list', '--dir', dir, '--json'])).stdout);
    expect(again.rebuilt).toBe(false);
    expect(again.notes).toEqual([]);

    const human = await runCli(['list', '--dir', dir, '--expiring', '60d']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/carol/);
    expect(human.stdout).not.toMatch(/dave/);

    // The rebuilt entries are usable: renew carol keeps her key, and openssl verifies the result.
    await cliOk(['renew', 'carol', '--dir', dir]);
    const v = await runOk(OPENSSL, ['verify', '-CAfile', path.join(dir, 'ca.crt'), '-purpose', 'sslclient', path.join(dir, 'carol.crt')]);
    expect(v.stdout).toContain(': OK');
  }, 120_000);
});

/** Starts the built CLI and SIGKILLs it after `ms` (or lets it finish first). */
function runAndKill(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore', env: { ...process.env, CI: '1' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Starts the built CLI and SIGKILLs it the moment `file` is renamed into
 * `dir` (inotify): between "certificate written" and "inventory recorded",
 * the window a crash must not corrupt.
 */
function runAndKillOnFile(args: string[], dir: string, file: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore', env: { ...process.env, CI: '1' } });
    const w = watch(dir, (_event, name) => {
      if (name === file) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', () => {
      clearTimeout(timer);
      w.close();
      resolve();
    });
  });
}

/** Runs `list` (which reconciles under the lock) and checks the inventory against every .crt file. */
async function expectConsistent(dir: string): Promise<Entry[]> {
  const r = await runCli(['list', '--dir', dir, '--all', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const entries = readInventoryLines(dir);
  expect(new Set(entries.map((e) => e.serial)).size).toBe(entries.length);
  for (const n of certFiles(dir)) {
    const fp = await fingerprint(path.join(dir, n));
    const current = entries.filter((e) => e.files.some((f) => f.kind === 'certificate' && f.path === n) && e.status === 'valid');
    expect(current.map((e) => e.sha256), n).toEqual([fp]);
  }
  return entries;
}

describe('SIGKILL during issue or renew', () => {
  it('leaves the inventory parseable, with entries only for certificates that exist, and reconciled by the next run', async () => {
    const dir = path.join(T, 'killed');
    await cliOk(['init-ca', '--dir', dir]);
    await cliOk(['issue', 'steady', '--client', '--dir', dir]);
    // Every fingerprint a certificate file has ever held: an entry may only describe one of these.
    const written = new Set<string>([await fingerprint(path.join(dir, 'steady.crt'))]);
    const checkRaw = async () => {
      // The raw file right after a kill, before any reader reconciles it.
      const raw = readInventoryLines(dir);
      for (const n of certFiles(dir)) written.add(await fingerprint(path.join(dir, n)));
      for (const e of raw) {
        expect(written.has(e.sha256), `entry ${e.name} ${e.serial} describes a certificate never written`).toBe(true);
        const crt = e.files.find((f) => f.kind === 'certificate')!.path;
        expect(existsSync(path.join(dir, crt)), `${crt} of entry ${e.serial}`).toBe(true);
      }
      return raw;
    };
    // Kills at spread-out moments (before, during, after the locked write)...
    const delays = [150, 400, 700, 1000, 1400, 1900, 2600, 3500];
    for (const [i, ms] of delays.entries()) {
      await runAndKill(['issue', `k${i}`, '--client', '--dir', dir], ms);
      await checkRaw();
      await runAndKill(['renew', 'steady', '--dir', dir], ms);
      await checkRaw();
    }
    // ...and exactly between "certificate file renamed into place" and "inventory recorded".
    let unrecorded = 0;
    let renewUnrecorded = 0;
    for (let i = 0; i < 4; i++) {
      await runAndKillOnFile(['issue', `w${i}`, '--client', '--dir', dir], dir, `w${i}.crt`);
      const raw = await checkRaw();
      if (existsSync(path.join(dir, `w${i}.crt`)) && !raw.some((e) => e.name === `w${i}`)) unrecorded++;
      await runAndKillOnFile(['renew', 'steady', '--dir', dir], dir, 'steady.crt');
      const after = await checkRaw();
      const now = await fingerprint(path.join(dir, 'steady.crt'));
      if (!after.some((e) => e.sha256 === now)) renewUnrecorded++;
    }
    // The window was really hit: some certificate existed without its entry before the next run reconciled it.
    expect(unrecorded + renewUnrecorded).toBeGreaterThan(0);
    const entries = await expectConsistent(dir);
    // Whatever the kills interrupted, the current steady.crt is the one valid steady entry and it still verifies.
    expect(entries.filter((e) => e.name === 'steady' && e.status === 'valid')).toHaveLength(1);
    const v = await runOk(OPENSSL, ['verify', '-CAfile', path.join(dir, 'ca.crt'), path.join(dir, 'steady.crt')]);
    expect(v.stdout).toContain(': OK');
    // A later issue still works after the kills (a stale lock was taken over).
    await cliOk(['issue', 'after', '--client', '--dir', dir]);
    await expectConsistent(dir);
  }, 600_000);
});
