/**
 * Issue 9, findings 2 and 5: every parser does bounded work. Hostile files are
 * built here (never copied bytes) and run through the built CLI; each refusal
 * is exit 2, names the cap, and comes at once.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, run, runCli, type CliResult } from '../helpers/cli.js';
import { writeCertificatePile } from '../helpers/many-certs.js';
import { encryptedKeyPem, hostileP12, macIterationsP12, reencryptWithIterations } from '../helpers/hostile.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-bounds-');
const p = (...s: string[]) => path.join(dir, ...s);

/**
 * CPU time (user + system) of a CLI run beyond the start-up of the same
 * command on a small valid file (node, the CLI and @peculiar/x509 loading).
 * CPU time, not wall time: the suite runs other CLI processes and servers on
 * the same 2 cores, which stretch wall time but not the work the run does;
 * the bound is on the parsing, and the wall time is still bounded by timeoutMs.
 */
let baselineMs = 0;
async function timed(args: string[], timeoutMs = 20_000): Promise<CliResult & { ms: number }> {
  const r = await runWithCpu(args, timeoutMs);
  return { ...r, ms: r.cpuMs - baselineMs };
}

/** Runs the CLI under bash and reads the child's user+system CPU time from the "times" builtin. */
async function runWithCpu(args: string[], timeoutMs = 180_000): Promise<CliResult & { cpuMs: number }> {
  const out = p('cpu-run.out');
  const r = await run('bash', ['-c', '"$0" "$@" > "$OUT"; c=$?; times >&2; exit $c', process.execPath, BIN, ...args], {
    cwd: dir,
    env: { OUT: out },
    timeoutMs,
  });
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stderr);
  if (!m) throw new Error(`no times output: ${r.stderr}`);
  const cpuMs = (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
  return { ...r, stdout: readFileSync(out, 'utf8'), cpuMs };
}

beforeAll(async () => {
  writeFileSync(p('ca.crt'), await writeCertificatePile(p('c1000.pem'), 1000));
  // A real PKI, then the hostile files: every one of them is 1-2 KB.
  await cliOk(['init-ca', '--dir', 'pki', '--cn', 'Bounds CA'], { cwd: dir });
  await cliOk(['issue', 'alice', '--client', '--dir', 'pki'], { cwd: dir });
  writeFileSync(p('pw'), 'secret\n');
  writeFileSync(p('p12pw'), 'other secret\n');
  const alice = readFileSync(p('pki/alice.crt'), 'utf8').replace(/-----[^-]+-----|\s/g, '');
  writeFileSync(p('hostile.p12'), hostileP12(new Uint8Array(Buffer.from(alice, 'base64')), 8_388_607, 8_388_607));
  writeFileSync(p('mac-20m.p12'), macIterationsP12(20_000_000));
  writeFileSync(p('key-2e31.pem'), reencryptWithIterations(readFileSync(p('pki/alice.key'), 'utf8'), 'secret', 2 ** 31 - 1));
  writeFileSync(p('key-len.pem'), encryptedKeyPem(2048, 8_388_607));
  cpSync(p('pki'), p('hostile-ca'), { recursive: true });
  writeFileSync(p('hostile-ca/ca.key'), reencryptWithIterations(readFileSync(p('pki/ca.key'), 'utf8'), 'secret', 2 ** 31 - 1), { mode: 0o600 });
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await runWithCpu(['inspect', 'ca.crt']);
    if (r.code !== 0) throw new Error(`baseline inspect failed: ${r.stderr}`);
    runs.push(r.cpuMs);
  }
  baselineMs = Math.min(...runs);
}, 120_000);

describe('finding 5: PEM scanning is linear, covers the whole file, and caps the block count', () => {
  it('40,000 BEGIN lines and no END: exit 2 in < 1 s, naming the cap', async () => {
    writeFileSync(p('begin40k.pem'), '-----BEGIN CERTIFICATE-----\n'.repeat(40_000));
    const r = await timed(['inspect', 'begin40k.pem']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('more than 5000 PEM blocks');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(r.ms).toBeLessThan(1000);
  });

  it('a BEGIN line without its END line is refused (never skipped), at once', async () => {
    writeFileSync(p('unterminated.pem'), readCa() + '-----BEGIN CERTIFICATE-----\n' + 'QUFB\n'.repeat(200_000));
    const r = await timed(['inspect', 'unterminated.pem']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no "END CERTIFICATE" line');
    expect(r.ms).toBeLessThan(1000);
  });

  it('1,000 valid certificates are inspected, each linked to its CA (linking is no longer quadratic)', async () => {
    // c3c46f8 spent ~54 s of CPU here (a million name comparisons). The "< 2 s" is
    // asserted on wall time by test/timing/inspect-many.test.ts, which runs alone.
    const r = await runWithCpu(['inspect', 'c1000.pem', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.cpuMs).toBeLessThan(15_000);
    const j = JSON.parse(r.stdout) as { items: unknown[]; links: Array<{ signedBy: string | null }> };
    expect(j.items).toHaveLength(1000);
    expect(j.links.slice(0, 999).every((l) => l.signedBy === 'c1000.pem#1000')).toBe(true);
    expect(j.links[999]!.signedBy).toBe('c1000.pem#1000');
  });

  it('a malformed block among 1,000 certificates is refused by its label (also in the worker thread\'s share)', async () => {
    const blocks = readFileSync(p('c1000.pem'), 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/);
    for (const at of [10, 990]) {
      const damaged = [...blocks];
      damaged[at] = damaged[at]!.replace(/\n[A-Za-z0-9+/]{8}/, '\nAAAAAAAA');
      writeFileSync(p('damaged.pem'), damaged.join(''));
      const r = await runCli(['inspect', 'damaged.pem'], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('damaged.pem holds a malformed "CERTIFICATE" block');
      expect(r.stdout).toBe('');
    }
  });

  it('a certificate after the first MiB of text is found (the whole file is searched)', async () => {
    writeFileSync(p('late.pem'), `${'# comment line of a long preamble\n'.repeat(40_000)}${readCa()}`);
    const r = await runCli(['inspect', 'late.pem', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { items: Array<{ subject: string }> }).items[0]!.subject).toBe('CN=Bounds Root');
  });
});

function readCa(): string {
  return readFileSync(p('ca.crt'), 'utf8');
}

describe('finding 2: a file of 1 KB cannot take the CPU (KDF caps, exit 2 naming the cap)', () => {
  const p12Cases: Array<[string, string[]]> = [
    ['inspect', ['inspect', 'hostile.p12', '--password-file', 'p12pw']],
    ['install-host --p12', ['install-host', 'reg.example.com', '--certs-dir', 'certs.d', '--p12', 'hostile.p12', '--password-file', 'p12pw', '--ca', 'pki/ca.crt']],
    ['verify --p12', ['verify', 'https://127.0.0.1:9/', '--p12', 'hostile.p12', '--password-file', 'p12pw']],
    ['to-p12 --p12', ['to-p12', '--p12', 'hostile.p12', '--in-password-file', 'p12pw', '--password-file', 'pw', '--out', 'again.p12']],
  ];
  it.each(p12Cases)('a PKCS#12 without MAC whose bag asks PBKDF2 for an 8,388,607-byte key at 8,388,607 iterations: %s', async (_name, args) => {
    const r = await timed(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('8388607-byte derived key for AES-256-CBC, which takes 32 bytes (the key-length cap');
    expect(r.ms).toBeLessThan(1000);
  });

  const keyCases: Array<[string, string[]]> = [
    ['inspect (no passphrase)', ['inspect', 'key-2e31.pem']],
    ['inspect --key-password-file', ['inspect', 'key-2e31.pem', '--key-password-file', 'pw']],
    ['install-host --key', ['install-host', 'reg.example.com', '--certs-dir', 'certs.d', '--cert', 'pki/alice.crt', '--key', 'key-2e31.pem', '--key-password-file', 'pw', '--ca', 'pki/ca.crt']],
    ['to-p12 --key', ['to-p12', '--cert', 'pki/alice.crt', '--key', 'key-2e31.pem', '--key-password-file', 'pw', '--password-file', 'p12pw', '--out', 'alice.p12']],
    ['issue (as the CA key)', ['issue', 'carol', '--client', '--dir', 'hostile-ca', '--ca-password-file', 'pw']],
  ];
  it.each(keyCases)('an encrypted PKCS#8 key with 2^31-1 iterations: %s', async (_name, args) => {
    const r = await timed(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('2147483647 KDF iterations, over the cap of 10,000,000 iterations');
    expect(r.ms).toBeLessThan(1000);
  });

  it('iteration counts >= 2^23 are reported as they are (not "iteration count 0")', async () => {
    const r = await timed(['inspect', 'mac-20m.p12', '--password-file', 'p12pw']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('20000000 MAC iterations, over the cap of 10,000,000 iterations');
    expect(r.ms).toBeLessThan(1000);
  });

  it('an encrypted key that asks PBKDF2 for a key longer than its cipher takes is refused before any derivation', async () => {
    const r = await timed(['inspect', 'key-len.pem']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('8388607-byte derived key for AES-256-CBC');
  });

  it('to-p12 writes no file that regcert would refuse to read back (--iterations within the per-file KDF budget)', async () => {
    const modern = await runCli(['to-p12', '--cert', 'pki/alice.crt', '--key', 'pki/alice.key', '--password-file', 'p12pw', '--iterations', '1000001', '--out', 'big.p12'], { cwd: dir });
    expect(modern.code).toBe(2);
    expect(modern.stderr).toContain('pass a whole number from 2048 to 1000000 (modern encryption)');
    const legacy = await runCli(['to-p12', '--cert', 'pki/alice.crt', '--key', 'pki/alice.key', '--password-file', 'p12pw', '--legacy', '--iterations', '178572', '--out', 'big.p12'], { cwd: dir });
    expect(legacy.code).toBe(2);
    expect(legacy.stderr).toContain('from 2048 to 178571 (legacy encryption)');
  });

  it('nothing was written by the refused commands', () => {
    for (const f of ['certs.d', 'again.p12', 'alice.p12', 'big.p12', 'hostile-ca/carol.crt', 'hostile-ca/carol.key']) {
      expect(() => readFileSync(p(f)), f).toThrow();
    }
  });
});
