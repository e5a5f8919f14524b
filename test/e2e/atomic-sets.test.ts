/**
 * Regression, issue 9 finding 4: "A key and its certificate are not replaced
 * as a set. SIGKILL between the renames of issue --force, install-host --force
 * or init-ca --force leaves the new certificate beside the old key; two
 * concurrent init-ca --force both exit 0 and leave ca.crt and ca.key from
 * different runs; five concurrent issue of one name without --force let two
 * succeed. Leftover .tmp files are never cleaned."
 *
 * Fault injection with strace (Debian package strace): the regcert process is
 * SIGKILLed on entering its Nth rename(2) or unlink(2), for every N up to the
 * last one the command makes (unlink for init-ca only: it is the same writer
 * code for every command; UV_THREADPOOL_SIZE=1 puts all of node's file
 * system calls on one thread, so N counts them in order). After every kill the
 * key and certificate on disk are compared with openssl (public keys): they
 * match, or the certificate is not there yet and a journal is pending — never
 * a mismatched pair. Then a reader (readCa) or the rerun completes the set,
 * the pair matches, and no temporary, journal or lock file is left.
 * A second loop kills at increasing delays while every rename is slowed down.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('openssl');
const STRACE = requireBinary('strace');

const cwd = tmpDir('regcert-atomic-');
const pki = path.join(cwd, 'pki');
const certsDir = path.join(cwd, 'certs.d');
const HOST = 'registry.test:5000';

/** The SHA-256 of a public key as openssl prints it, from a certificate or a private key. */
async function pubkey(file: string, what: 'cert' | 'key'): Promise<string> {
  const args = what === 'cert' ? ['x509', '-in', file, '-noout', '-pubkey'] : ['pkey', '-in', file, '-pubout'];
  return (await runOk('openssl', args)).stdout;
}

type PairState = 'match' | 'incomplete';

/**
 * The pair as it is on disk right after a kill: matching, or (only while a
 * journal is pending) the certificate not yet in place beside the new key.
 * A key beside a certificate of another set fails the test.
 */
async function pairState(dir: string, cert: string, key: string): Promise<PairState> {
  const c = path.join(dir, cert);
  const k = path.join(dir, key);
  if (existsSync(c) && existsSync(k)) {
    expect(await pubkey(c, 'cert'), `${cert} and ${key} in ${dir} are from different sets`).toBe(await pubkey(k, 'key'));
    return 'match';
  }
  expect(readdirSync(dir).some((n) => n.startsWith('.regcert-journal.')), `${cert} or ${key} missing in ${dir} with no journal to complete it`).toBe(true);
  return 'incomplete';
}

/** Nothing left behind: no temporary, journal or lock file. */
function expectClean(dir: string): void {
  expect(readdirSync(dir).filter((n) => n.endsWith('.tmp') || n.startsWith('.regcert'))).toEqual([]);
}

const traced = (inject: string, args: string[]) =>
  run(STRACE, ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=rename,unlink', '-e', `inject=${inject}`, process.execPath, BIN, ...args], {
    cwd,
    env: { UV_THREADPOOL_SIZE: '1' },
    timeoutMs: 30_000,
  });

interface Case {
  name: string;
  /** The command for the i-th run: each run must write a set different from what is on disk. */
  args: (i: number) => string[];
  dir: string;
  cert: string;
  key: string;
  /** Completes an interrupted set without writing a new one (a reader), if the command has one. */
  recover?: string[];
}

const installHost = (who: string) => ['install-host', HOST, '--cert', path.join(pki, `${who}.crt`), '--key', path.join(pki, `${who}.key`), '--ca', path.join(pki, 'ca.crt'), '--certs-dir', certsDir, '--force'];
const readCa = ['issue', 'probe', '--dir', pki, '--client', '--force'];

const cases: Case[] = [
  { name: 'init-ca --force', args: () => ['init-ca', '--dir', pki, '--force'], dir: pki, cert: 'ca.crt', key: 'ca.key', recover: readCa },
  { name: 'issue --force', args: () => ['issue', 'alice', '--dir', pki, '--client', '--force'], dir: pki, cert: 'alice.crt', key: 'alice.key', recover: readCa },
  // Two identities in turn: install-host with the same inputs rightly changes nothing.
  { name: 'install-host --force', args: (i) => installHost(i % 2 ? 'carol' : 'dave'), dir: path.join(certsDir, HOST), cert: 'client.cert', key: 'client.key' },
];

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki], { cwd });
  for (const who of ['alice', 'carol', 'dave']) await cliOk(['issue', who, '--dir', pki, '--client'], { cwd });
  await cliOk(installHost('dave'), { cwd });
});

describe('regression (issue 9 finding 4): a key and its certificate are replaced as a set', () => {
  for (const c of cases) {
    it(`${c.name}: SIGKILL on entering each rename (and unlink) leaves a matching pair (or a journal that completes it)`, async () => {
      const seen: Record<string, number> = {};
      let i = 0;
      // unlink(2) adds the moments after the commit (before the withdrawal, after the last rename); the
      // writer is the same code for every command, so that loop runs once, on init-ca, to keep the time down.
      for (const syscall of c.name.startsWith('init-ca') ? ['rename', 'unlink'] : ['rename']) {
        for (let n = 1; ; n++) {
          const r = await traced(`${syscall}:signal=SIGKILL:when=${n}`, c.args(++i));
          if (r.code === 0) break; // fewer than n such calls: the run finished
          expect([-1, 128 + 9], r.stderr).toContain(r.code); // killed (strace dies by the same signal)
          const state = await pairState(c.dir, c.cert, c.key);
          if (state === 'incomplete' && c.recover && !seen.incomplete) {
            // A reader of the pair completes it (roll forward) before it reads.
            await cliOk(c.recover, { cwd });
            expect(await pairState(c.dir, c.cert, c.key)).toBe('match');
          }
          seen[state] = (seen[state] ?? 0) + 1;
          const again = await runCli(c.args(++i), { cwd });
          expect(again.code, again.stderr).toBe(0);
          expect(await pairState(c.dir, c.cert, c.key)).toBe('match');
          expectClean(c.dir);
          expect(n, 'the loop ends').toBeLessThan(12);
        }
      }
      // The loop really hit the window between the renames, and the moments before the commit.
      expect(seen.incomplete ?? 0).toBeGreaterThan(0);
      expect(seen.match ?? 0).toBeGreaterThan(0);
    });
  }

  it('init-ca --force: SIGKILL at increasing delays while every rename and unlink is slowed down', async () => {
    const { dir, cert, key } = cases[0]!;
    // Runs the kill reached while regcert was still running: a kill that came too late tests nothing.
    let interrupted = 0;
    for (const delay of [150, 450, 750, 1_050]) {
      // sh prints its pid, then becomes node (exec): that pid is the regcert process to kill.
      const child = spawn(
        STRACE,
        ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=rename,unlink', '-e', 'inject=rename,unlink:delay_enter=120000', 'sh', '-c', 'echo $$; exec "$0" "$@"', process.execPath, BIN, ...cases[0]!.args(0)],
        { cwd, env: { ...process.env, UV_THREADPOOL_SIZE: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'ignore'] },
      );
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
      const pid = await new Promise<number>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
      // Start the clock when the run has written its first temporary file: from there on it is committing.
      const t0 = Date.now();
      while (!readdirSync(dir).some((n) => n.endsWith('.tmp')) && child.exitCode === null && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, delay - 150));
      let reached = true;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        reached = false; // it had already finished
      }
      // strace ends as its command did: killed, or exit 0 when regcert finished first.
      const end = await exited;
      if (reached && (end.signal === 'SIGKILL' || (end.code !== null && end.code !== 0))) interrupted++;
      const state = await pairState(dir, cert, key);
      if (state === 'incomplete') await cliOk(cases[0]!.recover!, { cwd });
      expect(await pairState(dir, cert, key)).toBe('match');
      const again = await runCli(cases[0]!.args(0), { cwd });
      expect(again.code, again.stderr).toBe(0);
      expectClean(dir);
    }
    expect(interrupted, 'at least one run was killed before it finished (else this test tested nothing)').toBeGreaterThan(0);
  });

  it('10 concurrent init-ca --force on one directory leave one matching pair', async () => {
    const dir = path.join(cwd, 'race-ca');
    const runs = await Promise.all(Array.from({ length: 10 }, () => runCli(['init-ca', '--dir', dir, '--force'], { cwd, timeoutMs: 60_000 })));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(await pairState(dir, 'ca.crt', 'ca.key')).toBe('match');
    expectClean(dir);
  });

  it('5 concurrent issue of one name without --force: exactly one succeeds, the others exit 1', async () => {
    const runs = await Promise.all(Array.from({ length: 5 }, () => runCli(['issue', 'bob', '--dir', pki, '--client'], { cwd, timeoutMs: 60_000 })));
    expect(runs.map((r) => r.code).sort()).toEqual([0, 1, 1, 1, 1]);
    for (const r of runs.filter((x) => x.code === 1)) expect(r.stderr).toMatch(/bob\.(crt|key) already exists/);
    expect(await pairState(pki, 'bob.crt', 'bob.key')).toBe('match');
    expectClean(pki);
  });
});
