/**
 * NEEDS THE PKCS#12 READER (src/core/pkcs12.ts, branch p12): on the ux branch
 * alone, readCredentials({ p12 }) throws P12_UNSUPPORTED and these tests fail.
 * Enable after merging the reader. The .p12 files are made by OpenSSL (a real peer).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-inspect-p12-');
const p = (...s: string[]) => path.join(dir, ...s);

beforeAll(async () => {
  requireBinary('openssl');
  await cliOk(['init-ca', '--dir', 'pki', '--cn', 'P12 Root'], { cwd: dir });
  await cliOk(['issue', 'alice', '--client', '--dir', 'pki'], { cwd: dir });
  writeFileSync(p('pw'), 'p12 secret\n');
  await runOk('openssl', ['pkcs12', '-export', '-in', p('pki/alice.crt'), '-inkey', p('pki/alice.key'), '-certfile', p('pki/ca.crt'), '-name', 'alice', '-passout', 'file:' + p('pw'), '-out', p('alice.p12')]);
}, 120_000);

describe('regcert inspect FILE.p12', () => {
  it('shows the certificates and key inside a PKCS#12 bundle and links the leaf to its CA', async () => {
    const r = await cliOk(['inspect', 'alice.p12', '--password-file', 'pw', '--json'], { cwd: dir });
    const j = JSON.parse(r.stdout) as { items: Array<Record<string, any>>; links: Array<Record<string, unknown>> };
    expect(j.items).toHaveLength(1);
    const item = j.items[0]!;
    expect(item).toMatchObject({ file: 'alice.p12', type: 'pkcs12', keyMatchesCertificate: true, key: { keyType: 'ecdsa-p256', keyBits: 256 } });
    const subjects = (item.certificates as Array<{ subject: string }>).map((c) => c.subject);
    expect(subjects).toContain('CN=alice');
    expect(subjects).toContain('CN=P12 Root');
    expect(j.links).toContainEqual(expect.objectContaining({ subject: 'CN=alice', issuer: 'CN=P12 Root', selfSigned: false }));
    expect(j.links.find((l) => l.subject === 'CN=alice')!.signedBy).not.toBeNull();
  });

  it('a wrong password is exit 2, and without a password (no TTY) it names the flag', async () => {
    writeFileSync(p('bad'), 'nope\n');
    const wrong = await runCli(['inspect', 'alice.p12', '--password-file', 'bad'], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^regcert: /);
    const none = await runCli(['inspect', 'alice.p12'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--password-file');
  });
});
