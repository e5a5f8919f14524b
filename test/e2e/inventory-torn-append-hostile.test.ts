/**
 * Regression (seen in CI: renew-all-atomic, "inventory.jsonl line 3122: not
 * valid JSON"): an inventory append that SIGKILL cut short leaves a last
 * line with no line end. The next append used to add a line end and go on,
 * burying the torn line mid-file, and every later read refused the whole
 * inventory. Now a torn last line is dropped on reading (its certificate is
 * reconciled from the directory) and an append after it rewrites the file.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliOk } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-torn-append-');

const listNames = async (dir: string): Promise<string[]> =>
  (JSON.parse((await cliOk(['list', '--dir', dir, '--json'])).stdout) as { certificates: Array<{ name: string }> }).certificates.map((c) => c.name).sort();

describe('an inventory append cut short by a kill', () => {
  it('is dropped on reading, its certificate reconciled, and the next batch append leaves every line valid JSON', async () => {
    const dir = path.join(T, 'pki');
    await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519']);
    writeFileSync(path.join(T, 'a.csv'), 'name,sans,profile,days\nann,,client,\nben,,client,\ncid,,client,\n');
    await cliOk(['issue', '--batch', path.join(T, 'a.csv'), '--dir', dir]);
    const inv = path.join(dir, 'inventory.jsonl');
    const lines = readFileSync(inv, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    // What a kill mid-write leaves: cid's line cut part-way, no line end.
    writeFileSync(inv, `${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 40)}`);

    expect(await listNames(dir)).toEqual(['ann', 'ben', 'cid']);

    writeFileSync(path.join(T, 'b.csv'), 'name,sans,profile,days\ndan,,client,\neve,,client,\n');
    await cliOk(['issue', '--batch', path.join(T, 'b.csv'), '--dir', dir]);
    const after = readFileSync(inv, 'utf8');
    expect(after.endsWith('\n')).toBe(true);
    for (const l of after.split('\n').filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
    expect(await listNames(dir)).toEqual(['ann', 'ben', 'cid', 'dan', 'eve']);
  });

  it('a torn tail left in place is never buried by the next append', async () => {
    const dir = path.join(T, 'pki2');
    await cliOk(['init-ca', '--dir', dir, '--key-type', 'ed25519']);
    writeFileSync(path.join(T, 'c.csv'), 'name,sans,profile,days\nfay,,client,\n');
    await cliOk(['issue', '--batch', path.join(T, 'c.csv'), '--dir', dir]);
    const inv = path.join(dir, 'inventory.jsonl');
    appendFileSync(inv, '{"name":"gil","ser');
    writeFileSync(path.join(T, 'd.csv'), 'name,sans,profile,days\nhal,,client,\n');
    await cliOk(['issue', '--batch', path.join(T, 'd.csv'), '--dir', dir]);
    for (const l of readFileSync(inv, 'utf8').split('\n').filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
    expect(await listNames(dir)).toEqual(['fay', 'hal']);
  });
});
