/**
 * Issue 9, findings 2 and 5: every parser does bounded work. Hostile files are
 * built here (never copied bytes) and run through the built CLI; each refusal
 * is exit 2, names the cap, and comes at once.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateToPem, createLeaf, createRootCa } from '../../src/core/certificates.js';
import { generatePrivateKey, publicKeyDer } from '../../src/core/keys.js';
import { cliOk, runCli, type CliResult } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-bounds-');
const p = (...s: string[]) => path.join(dir, ...s);

/**
 * Wall time of a CLI run beyond the start-up of the same command on a small
 * valid file (node, the CLI and @peculiar/x509 loading), which on a loaded
 * 2-core machine alone can take a second: the bound is on the parsing.
 */
let baselineMs = 0;
async function timed(args: string[]): Promise<CliResult & { ms: number }> {
  const t = performance.now();
  const r = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
  return { ...r, ms: performance.now() - t - baselineMs };
}

beforeAll(async () => {
  const caKey = await generatePrivateKey('ecdsa-p256');
  const ca = await createRootCa({ subject: [{ CN: ['Bounds Root'] }], key: caKey, days: 30 });
  writeFileSync(p('ca.crt'), certificateToPem(ca));
  // 1,000 distinct valid certificates: 999 leaves with their own keys, then their CA last
  // (the order that made linking quadratic).
  const pems: string[] = [];
  for (let i = 1; i < 1000; i++) {
    const key = await generatePrivateKey('ecdsa-p256');
    const leaf = await createLeaf(
      { subject: [{ CN: [`leaf ${i}`] }], publicKey: publicKeyDer(key), rsa: false, server: false, client: true, sans: [], days: 10 },
      { cert: ca, key: caKey },
    );
    pems.push(certificateToPem(leaf));
  }
  pems.push(certificateToPem(ca));
  writeFileSync(p('c1000.pem'), pems.join(''));
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await cliOk(['inspect', 'ca.crt'], { cwd: dir });
    runs.push(performance.now() - t);
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
    const r = await timed(['inspect', 'c1000.pem', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { items: unknown[]; links: Array<{ signedBy: string | null }> };
    expect(j.items).toHaveLength(1000);
    expect(j.links.slice(0, 999).every((l) => l.signedBy === 'c1000.pem#1000')).toBe(true);
    expect(j.links[999]!.signedBy).toBe('c1000.pem#1000');
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
