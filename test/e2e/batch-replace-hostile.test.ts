/**
 * Regression, issue 18 item 1: "issue --batch replaces existing keys without
 * --force, the CA's included." A row naming a certificate made by plain
 * `issue` replaced its key (with --p12); a row named `ca` turned ca.crt into
 * a client leaf and replaced ca.key (with --p12), or recorded the CA's own
 * certificate as an inventory entry that `revoke ca` then put in its own CRL.
 *
 * Every refusal here is exit 2 naming the row, with every file of the
 * directory byte-identical (SHA-256 before and after), and the reserved
 * names are refused by every command that writes into a CA directory.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const OPENSSL = requireBinary('openssl');
const cwd = tmpDir('regcert-batch-hostile-');
const pki = path.join(cwd, 'pki');

/** name → SHA-256 of every regular file in dir (hidden ones too). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(dir).sort()) {
    const p = path.join(dir, n);
    if (statSync(p).isFile()) out[n] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

function rows(file: string, names: string[]): string {
  writeFileSync(path.join(cwd, file), `name,sans,profile,days\n${names.map((n) => `${n},,client,`).join('\n')}\n`);
  return file;
}

/** Runs args expecting exit 2 and an unchanged pki directory; returns stderr. */
async function refusedUnchanged(args: string[]): Promise<string> {
  const before = snapshot(pki);
  const r = await runCli(args, { cwd });
  expect(r.code, r.stderr).toBe(2);
  expect(snapshot(pki)).toEqual(before);
  return r.stderr;
}

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', 'pki'], { cwd });
  await cliOk(['issue', 'alice', '--client', '--dir', 'pki'], { cwd });
  await cliOk(['issue', '--batch', rows('made.csv', ['bob', 'carol']), '--dir', 'pki'], { cwd });
}, 60_000);

describe('issue --batch never replaces a file without --force (issue 18 item 1)', () => {
  it('a row naming a certificate made by "issue": exit 2 naming the row, with and without --p12; nothing written for the whole batch', async () => {
    const file = rows('alice.csv', ['dave', 'alice', 'erin']);
    for (const extra of [[], ['--p12']]) {
      const err = await refusedUnchanged(['issue', '--batch', file, '--dir', 'pki', ...extra]);
      expect(err).toMatch(/alice\.csv line 3: pki\/alice\.crt already exists and was issued another way/);
      expect(err).toMatch(/hint: pass --force/);
    }
  });

  it('a row named ca (any case, with or without --p12 or --force): exit 2, ca.crt and ca.key untouched', async () => {
    for (const name of ['ca', 'CA', 'ca-chain', 'inventory', 'crl', 'crlnumber', 'p12-passwords', 'ca.crt']) {
      const file = rows(`reserved-${name}.csv`, ['frank', name]);
      for (const extra of [[], ['--p12'], ['--p12', '--force']]) {
        const err = await refusedUnchanged(['issue', '--batch', file, '--dir', 'pki', ...extra]);
        expect(err).toMatch(new RegExp(`line 3: NAME "${name.replace('.', '\\.')}" is reserved`));
      }
    }
  });

  it('an entry a batch made without --p12, asked again with --p12: refused (it would need a new key), not re-issued', async () => {
    const err = await refusedUnchanged(['issue', '--batch', 'made.csv', '--dir', 'pki', '--p12']);
    expect(err).toMatch(/made\.csv line 2: pki\/bob\.p12 is missing: the entry was made without --p12/);
  });

  it("the same batch again skips its own complete entries (exit 0, nothing rewritten); --force replaces alice's pair", async () => {
    const before = snapshot(pki);
    const again = JSON.parse((await cliOk(['issue', '--batch', 'made.csv', '--dir', 'pki', '--json'], { cwd })).stdout);
    expect(again).toMatchObject({ issued: 0, skipped: 2 });
    expect(snapshot(pki)).toEqual(before);
    const forced = JSON.parse((await cliOk(['issue', '--batch', rows('alice2.csv', ['alice']), '--dir', 'pki', '--force', '--json'], { cwd })).stdout);
    expect(forced).toMatchObject({ issued: 1, repaired: 1 });
    const after = snapshot(pki);
    expect(after['alice.crt']).not.toBe(before['alice.crt']);
    expect(after['ca.crt']).toBe(before['ca.crt']);
    expect(after['ca.key']).toBe(before['ca.key']);
  });
});

describe('reserved names for every command that writes into a CA directory', () => {
  it('issue ca / CA.crt / inventory --force: exit 2, nothing written', async () => {
    for (const name of ['ca', 'CA.crt', 'ca-chain', 'inventory', 'crl']) {
      const err = await refusedUnchanged(['issue', name, '--client', '--dir', 'pki', '--force']);
      expect(err).toMatch(/is reserved/);
    }
  });

  it('export --client ca is refused (it would hand out the CA key as a client key)', async () => {
    const r = await runCli(['export', 'kubernetes', '--client', 'ca', '--dir', 'pki', '--host', 'registry.test', '--out', 'k8s'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NAME "ca" is reserved/);
  });

  it('renew of an inventory entry that names ca.crt as its file: exit 2, the CA untouched', async () => {
    const inv = path.join(pki, 'inventory.jsonl');
    const original = readFileSync(inv, 'utf8');
    const lines = original.trim().split('\n').map((l) => JSON.parse(l));
    const bob = lines.find((e) => e.name === 'bob');
    bob.files = [{ path: 'ca.crt', kind: 'certificate' }, { path: 'ca.key', kind: 'private-key' }];
    writeFileSync(inv, lines.map((e) => `${JSON.stringify(e)}\n`).join(''));
    try {
      const err = await refusedUnchanged(['renew', bob.serial, '--dir', 'pki']);
      expect(err).toMatch(/names pki\/ca\.crt, one of the CA directory's own files/);
    } finally {
      writeFileSync(inv, original);
    }
  });

  it("an inventory that lists the CA's own certificate (written by the old bug) drops it on load; revoke never puts the CA in its CRL", async () => {
    const inv = path.join(pki, 'inventory.jsonl');
    const caSerial = (await runOk(OPENSSL, ['x509', '-in', path.join(pki, 'ca.crt'), '-noout', '-serial'])).stdout.trim().replace('serial=', '').toLowerCase().replace(/^0+/, '');
    const caFp = (await runOk(OPENSSL, ['x509', '-in', path.join(pki, 'ca.crt'), '-noout', '-fingerprint', '-sha256'])).stdout.trim().split('=')[1]!; // AB:CD:… as the inventory records it
    const lines = readFileSync(inv, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const fake = { ...lines[0], serial: caSerial, name: 'ca-old', sha256: caFp, profile: 'other', ekus: [], files: [{ path: 'ca.crt', kind: 'certificate' }] };
    writeFileSync(inv, [...lines, fake].map((e) => `${JSON.stringify(e)}\n`).join(''));
    const list = await cliOk(['list', '--dir', 'pki', '--all', '--json'], { cwd });
    expect(list.stdout).not.toContain(caSerial);
    expect(readFileSync(inv, 'utf8')).not.toContain(caFp);
    const r = await runCli(['revoke', caSerial, '--dir', 'pki'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no certificate named or numbered/);
  });
});
