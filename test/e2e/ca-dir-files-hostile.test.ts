/**
 * A CA directory's own files (ca.key, ca.crt, inventory.jsonl, crl.pem,
 * crlnumber, ca-chain.crt, p12-passwords.tsv) are written only by the CA's
 * own writers (init-ca, crl, revoke, the inventory). Any other command that
 * is pointed at one of them — with --out, --force or not — is refused with
 * exit 2 and the CA directory is byte-identical afterwards. Regression:
 * `to-p12 --out pki/ca.key --force` replaced the CA key with a PKCS#12 file,
 * and `config nginx --out pki/ca.crt --force` the CA certificate.
 *
 * And a run refused because a target exists (no --force) leaves no empty
 * folder behind (regression: writeFiles made the missing folders first).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir();
const PKI = path.join(T, 'pki');
const snapshot = () => Object.fromEntries(readdirSync(PKI).sort().map((f) => [f, readFileSync(path.join(PKI, f)).toString('base64')]));

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', PKI, '--cn', 'Own Files CA']);
  await cliOk(['issue', 'alice', '--client', '--dir', PKI]);
  await cliOk(['issue', 'reg.example', '--server', '--dir', PKI]);
  writeFileSync(path.join(T, 'pw.txt'), 'correct horse battery\n', { mode: 0o600 });
}, 60_000);

describe("a CA directory's own files", () => {
  const p12 = (out: string) => ['to-p12', '--cert', path.join(PKI, 'alice.crt'), '--key', path.join(PKI, 'alice.key'), '--password-file', path.join(T, 'pw.txt'), '--out', out, '--force'];
  it.each([
    ['to-p12 --out pki/ca.key --force', p12(path.join(PKI, 'ca.key'))],
    ['to-p12 --out pki/inventory.jsonl --force', p12(path.join(PKI, 'inventory.jsonl'))],
    ['to-p12 --out pki/p12-passwords.tsv (absent until a batch writes it)', p12(path.join(PKI, 'p12-passwords.tsv'))],
    ['config nginx --out pki/ca.crt --force', ['config', 'nginx', '--dir', PKI, '--host', 'reg.example', '--out', path.join(PKI, 'ca.crt'), '--force']],
    ['config nginx --out pki/CRL.PEM --force (case does not matter)', ['config', 'nginx', '--dir', PKI, '--host', 'reg.example', '--out', path.join(PKI, 'CRL.PEM'), '--force']],
  ])('%s: exit 2, the CA directory unchanged', async (_name, args) => {
    const before = snapshot();
    const r = await runCli(args as string[], { cwd: T });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is a CA directory \(it holds ca\.key and ca\.crt\) and \S+ is its own file/);
    expect(r.stderr).toMatch(/hint: choose another output path/);
    expect(snapshot()).toEqual(before);
  }, 60_000);

  it('install-host with --certs-dir pointing the registry folder at the CA directory itself: exit 2, nothing written', async () => {
    const before = snapshot();
    const r = await runCli(['install-host', 'pki', '--certs-dir', T, '--cert', path.join(PKI, 'alice.crt'), '--key', path.join(PKI, 'alice.key'), '--ca', path.join(PKI, 'ca.crt'), '--force'], { cwd: T });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is a CA directory \(it holds ca\.key and ca\.crt\) and ca\.crt is its own file/);
    expect(snapshot()).toEqual(before);
  }, 60_000);

  it('a certs.d folder with a stray ca.key (no ca.crt beside it) is not a CA directory: install-host writes its ca.crt', async () => {
    const host = path.join(T, 'certs.d', 'reg.example:5000');
    mkdirSync(host, { recursive: true });
    writeFileSync(path.join(host, 'ca.key'), 'x');
    const r = await runCli(['install-host', 'reg.example:5000', '--certs-dir', path.join(T, 'certs.d'), '--cert', path.join(PKI, 'alice.crt'), '--key', path.join(PKI, 'alice.key'), '--ca', path.join(PKI, 'ca.crt')], { cwd: T });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(host, 'ca.crt'), 'utf8')).toBe(readFileSync(path.join(PKI, 'ca.crt'), 'utf8'));
  }, 60_000);

  it('the same names outside a CA directory are ordinary outputs', async () => {
    mkdirSync(path.join(T, 'elsewhere'));
    await cliOk(p12(path.join(T, 'elsewhere', 'inventory.jsonl')), { cwd: T });
    await cliOk(['config', 'nginx', '--dir', PKI, '--host', 'reg.example', '--out', path.join(T, 'elsewhere', 'ca.crt')], { cwd: T });
    expect(readdirSync(path.join(T, 'elsewhere')).sort()).toEqual(['ca.crt', 'inventory.jsonl']);
  }, 60_000);

  it("the CA's own writers still write them: init-ca --force, revoke, crl", async () => {
    const d = path.join(T, 'pki2');
    await cliOk(['init-ca', '--dir', d, '--cn', 'Second CA']);
    const key = readFileSync(path.join(d, 'ca.key'), 'utf8');
    await cliOk(['init-ca', '--dir', d, '--cn', 'Second CA', '--force']);
    expect(readFileSync(path.join(d, 'ca.key'), 'utf8')).not.toBe(key);
    await cliOk(['issue', 'bob', '--client', '--dir', d]);
    await cliOk(['revoke', 'bob', '--dir', d]);
    await cliOk(['crl', '--dir', d]);
    expect(readFileSync(path.join(d, 'inventory.jsonl'), 'utf8')).toMatch(/"revoked"/);
  }, 60_000);
});

describe('a refused write leaves no folder behind', () => {
  it('export k3s --out NODE for a second registry, refused because registries.yaml exists, makes no certs.d folder', async () => {
    const node = path.join(T, 'node');
    await cliOk(['export', 'k3s', '--host', 'reg.example:5000', '--dir', PKI, '--client', 'alice', '--out', node], { cwd: T });
    const yaml = path.join(node, 'etc/rancher/k3s/registries.yaml');
    const before = readFileSync(yaml, 'utf8');
    const r = await runCli(['export', 'k3s', '--host', 'reg.example:5001', '--dir', PKI, '--client', 'alice', '--out', node], { cwd: T });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/registries\.yaml.*exists/);
    expect(existsSync(path.join(node, 'etc/rancher/k3s/certs.d/reg.example:5001'))).toBe(false);
    expect(readdirSync(path.join(node, 'etc/rancher/k3s/certs.d'))).toEqual(['reg.example:5000']);
    expect(readFileSync(yaml, 'utf8')).toBe(before);
  }, 60_000);
});
