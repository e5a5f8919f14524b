/**
 * renew --all of a pool of 2,000 (1,500 in an --out-dir, 500 in the CA
 * directory), all due, killed (SIGKILL) at several points and rerun: every
 * certificate is renewed exactly once, every key is the one it had and
 * matches its certificate, openssl verifies every certificate, and the
 * inventory parses and lists each name once as current with its predecessor
 * superseded by it.
 */
import { spawn } from 'node:child_process';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cliOk, runOk } from '../helpers/cli.js';
import { makePoolAt } from '../helpers/pool.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-renew-all-');
const OPENSSL = requireBinary('openssl');
const dir = path.join(T, 'pki');
const pool = path.join(T, 'pool');
const outNames = Array.from({ length: 1500 }, (_, i) => `member${i + 1}`);
const caNames = Array.from({ length: 500 }, (_, i) => `local${i + 1}`);
const all = [...outNames, ...caNames];
const fileOf = (name: string, ext: 'crt' | 'key') => path.join(name.startsWith('local') ? dir : pool, `${name}.${ext}`);
const RENEW = ['renew', '--all', '--dir', dir, '--if-expiring', '5d'];

interface Entry {
  serial: string;
  name: string;
  status: string;
  sha256: string;
  supersededBy?: string;
  renewedFrom?: string;
  notAfter: string;
}

const inventory = (): Entry[] =>
  readFileSync(path.join(dir, 'inventory.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry);
const sha256 = (crt: string) => createHash('sha256').update(new X509Certificate(readFileSync(crt)).raw).digest('hex');

/** Starts renew --all and SIGKILLs it when `when` says so (polled; bounded). Returns whether it was still running. */
async function killWhen(when: (elapsedMs: number) => boolean): Promise<boolean> {
  const child = spawn(process.execPath, [BIN, ...RENEW], { stdio: 'ignore', env: { ...process.env, CI: '1' } });
  let exited = false;
  const done = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const start = Date.now();
  while (!exited && Date.now() - start < 120_000 && !when(Date.now() - start)) await new Promise((r) => setTimeout(r, 2));
  const killed = !exited;
  child.kill('SIGKILL');
  await done;
  return killed;
}

/** What must hold after any kill: every certificate file pairs with its (unchanged) key; the inventory parses. */
function expectPairsWhole(keys: Map<string, string>): void {
  for (const name of all) {
    const key = readFileSync(fileOf(name, 'key'), 'utf8');
    expect(key, `${name}.key changed`).toBe(keys.get(name));
    const crt = fileOf(name, 'crt');
    expect(existsSync(crt), `${name}.crt missing`).toBe(true);
    expect(new X509Certificate(readFileSync(crt)).checkPrivateKey(createPrivateKey(key)), `${name}: key and certificate differ`).toBe(true);
  }
}

describe('renew --all killed part-way', () => {
  it('every certificate of 2,000 is renewed exactly once across SIGKILLs at several points and a rerun', async () => {
    await cliOk(['init-ca', '--dir', dir]);
    // Issued 40 days ago for 30 days: all expired, so all due; their renewals (30 days from now) are not.
    const then = new Date(Date.now() - 40 * 86_400_000);
    makePoolAt(dir, outNames, { now: then, days: 30, out: pool });
    makePoolAt(dir, caNames, { now: then, days: 30, out: dir });
    const keys = new Map(all.map((n) => [n, readFileSync(fileOf(n, 'key'), 'utf8')]));
    const original = new Map(inventory().map((e) => [e.name, e.serial]));
    expect(original.size).toBe(all.length);
    const size = () => statSync(path.join(dir, 'inventory.jsonl')).size;
    const journal = () => readdirSync(pool).some((f) => f.startsWith('.regcert-journal.')) || readdirSync(dir).some((f) => f.startsWith('.regcert-journal.'));

    // 0. Killed between a chunk's files and its records (the one window a kill can only hit by chance): the
    //    state it leaves, made exactly — some renewals written, the inventory as it was before them.
    const before = readFileSync(path.join(dir, 'inventory.jsonl'));
    await cliOk(['renew', ...outNames.slice(0, 40), ...caNames.slice(0, 10), '--dir', dir], { timeoutMs: 120_000 });
    writeFileSync(path.join(dir, 'inventory.jsonl'), before);
    expectPairsWhole(keys);
    // 1. While it loads and checks (before anything is written, or just after).
    let s0 = size();
    const kills: boolean[] = [];
    kills.push(await killWhen((ms) => ms > 400));
    expectPairsWhole(keys);
    // 2. As the first chunk of files is committed (a journal on disk).
    kills.push(await killWhen(() => journal()));
    expectPairsWhole(keys);
    // 3. Right after a chunk's records were appended.
    s0 = size();
    kills.push(await killWhen(() => size() > s0));
    expectPairsWhole(keys);
    // 4. Half-way through what is left.
    s0 = size();
    kills.push(await killWhen(() => size() > s0 + 700 * 1500));
    expectPairsWhole(keys);
    // At least some of the kills landed while it ran (a fast machine may finish before a late one).
    expect(kills.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    console.log(`renew --all killed at ${kills.map((k, i) => `point ${i + 1}: ${k ? 'killed' : 'had finished'}`).join(', ')}`);
    expect((await cliOk(['list', '--dir', dir, '--all', '--json'], { timeoutMs: 120_000 })).code).toBe(0);

    // The rerun finishes the rest.
    const r = JSON.parse((await cliOk([...RENEW, '--json'], { timeoutMs: 300_000 })).stdout) as { renewed: unknown[]; notDue: unknown[]; notes: string[] };
    expect(r.notDue.length + r.renewed.length).toBe(all.length);
    expectPairsWhole(keys);

    // Exactly once: per name the original (superseded by the renewal) and one current renewal.
    const entries = inventory();
    const byName = new Map<string, Entry[]>();
    for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
    const now = Date.now();
    for (const name of all) {
      const es = byName.get(name)!;
      expect(es.length, `${name}: ${es.length} entries`).toBe(2);
      const old = es.find((e) => e.serial === original.get(name))!;
      const current = es.find((e) => e.serial !== original.get(name))!;
      expect(old.status).toBe('superseded');
      expect(old.supersededBy).toBe(current.serial);
      expect(current.status).toBe('valid');
      expect(Date.parse(current.notAfter)).toBeGreaterThan(now + 25 * 86_400_000);
      expect(sha256(fileOf(name, 'crt'))).toBe(current.sha256.replace(/:/g, '').toLowerCase());
    }
    // openssl verifies every renewed certificate against the CA (one process per 500 files).
    for (let i = 0; i < all.length; i += 500) {
      const v = await runOk(OPENSSL, ['verify', '-CAfile', path.join(dir, 'ca.crt'), '-purpose', 'sslclient', ...all.slice(i, i + 500).map((n) => fileOf(n, 'crt'))], { timeoutMs: 120_000 });
      expect(v.stdout.split('\n').filter((l) => l.endsWith(': OK')).length).toBe(Math.min(500, all.length - i));
    }
    // Nothing is left to do, and no temporary or journal is left behind.
    const again = JSON.parse((await cliOk([...RENEW, '--json'], { timeoutMs: 120_000 })).stdout) as { renewed: unknown[] };
    expect(again.renewed).toEqual([]);
    expect(readdirSync(pool).filter((f) => f.startsWith('.regcert-journal.') || f.endsWith('.tmp'))).toEqual([]);
  }, 900_000);
});
