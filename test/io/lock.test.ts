/** src/io/lock.ts: one lock per directory, across processes and inside one. */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME, withDirLock } from '../../src/io/lock.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-lock-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withDirLock', () => {
  it('serializes callers in one process and is re-entrant in the holder', async () => {
    const d = path.join(dir, 'a');
    const log: string[] = [];
    const job = (name: string) =>
      withDirLock(d, async () => {
        log.push(`${name}+`);
        await sleep(20);
        await withDirLock(d, async () => log.push(`${name}:nested`));
        log.push(`${name}-`);
      });
    await Promise.all([job('x'), job('y'), job('z')]);
    expect(log).toEqual(['x+', 'x:nested', 'x-', 'y+', 'y:nested', 'y-', 'z+', 'z:nested', 'z-']);
    expect(existsSync(path.join(d, LOCK_FILE_NAME))).toBe(false);
  });

  it('waits for another process holding the lock, and takes over a lock whose owner is dead', async () => {
    const d = path.join(dir, 'b');
    const lockUrl = new URL('../../dist/io/lock.js', import.meta.url).href;
    const child = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      `const { withDirLock } = await import(${JSON.stringify(lockUrl)});
       await withDirLock(${JSON.stringify(d)}, async () => { console.log('held'); await new Promise((r) => setTimeout(r, 400)); });`,
    ]);
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('held') && resolve());
      child.on('exit', (c) => reject(new Error(`child exited ${c} before holding the lock`)));
    });
    const t0 = Date.now();
    await withDirLock(d, async () => undefined);
    expect(Date.now() - t0).toBeGreaterThan(200); // it waited for the child
    await new Promise((r) => (child.exitCode === null ? child.on('exit', r) : r(null)));

    // A lock left by a process that no longer exists (pid of the finished child) is stale.
    writeFileSync(path.join(d, LOCK_FILE_NAME), `${child.pid}\n${(await import('node:os')).hostname()}\n`);
    const t1 = Date.now();
    await withDirLock(d, async () => undefined, { timeoutMs: 2_000 });
    expect(Date.now() - t1).toBeLessThan(1_000);
  });

  it('gives up with exit 1 and a hint naming the lock file when a live process holds it', async () => {
    const d = path.join(dir, 'c');
    await withDirLock(d, async () => undefined);
    writeFileSync(path.join(d, LOCK_FILE_NAME), `1\n${(await import('node:os')).hostname()}\n`); // pid 1 is alive
    await expect(withDirLock(d, async () => undefined, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'LOCKED',
      exitCode: 1,
      hint: expect.stringContaining(LOCK_FILE_NAME),
    });
  });
});

describe('withDirLock, many processes at a stale lock', () => {
  it('hands the lock to one process at a time when six wait on a dead owner\'s lock', async () => {
    const d = path.join(dir, 'd');
    const log = path.join(dir, 'd.log');
    const { mkdirSync, readFileSync } = await import('node:fs');
    mkdirSync(d, { recursive: true });
    // A dead owner: a pid that cannot exist (above pid_max), on this host.
    writeFileSync(path.join(d, LOCK_FILE_NAME), `4194305\n${(await import('node:os')).hostname()}\n`);
    const lockUrl = new URL('../../dist/io/lock.js', import.meta.url).href;
    const children = Array.from({ length: 6 }, (_, i) =>
      spawn(process.execPath, [
        '--input-type=module',
        '-e',
        `const { withDirLock } = await import(${JSON.stringify(lockUrl)});
         const { appendFileSync } = await import('node:fs');
         await withDirLock(${JSON.stringify(d)}, async () => {
           appendFileSync(${JSON.stringify(log)}, '+${i}\\n');
           await new Promise((r) => setTimeout(r, 30));
           appendFileSync(${JSON.stringify(log)}, '-${i}\\n');
         });`,
      ]),
    );
    const codes = await Promise.all(children.map((c) => new Promise((r) => c.on('exit', r))));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12);
    for (let k = 0; k < lines.length; k += 2) expect(lines[k + 1]).toBe(lines[k]!.replace('+', '-')); // never two inside
    expect(existsSync(path.join(d, LOCK_FILE_NAME))).toBe(false);
  });
});
