/**
 * Regression, issue 18 item 4: "trust-ca --store nss turns a distrusted CA
 * into a trusted one." With the admin's own entry for the same certificate
 * (certutil -A -n "Corp (distrusted)" -t p,p,p), trust-ca reported "added
 * regcert-… C,,", NSS rewrote the admin's entry to C,, and --uninstall said
 * "not there": the CA the admin distrusted stayed trusted for TLS.
 *
 * Now the same certificate under any name is looked for first (NSS by
 * content under every nickname, Java under every alias) and left as the
 * admin set it, saying so; --uninstall removes only what regcert added.
 */
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runOk } from '../helpers/cli.js';
import { requireBinary } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const CERTUTIL = requireBinary('certutil');
const KEYTOOL = requireBinary('keytool');
const dir = tmpDir('regcert-trust-admin-');
const ca = path.join(dir, 'pki', 'ca.crt');

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', path.join(dir, 'pki'), '--cn', 'Corp CA']);
}, 60_000);

const nssList = async (db: string) => (await runOk(CERTUTIL, ['-L', '-d', `sql:${db}`])).stdout;

describe("trust-ca keeps the admin's trust settings (issue 18 item 4)", () => {
  it('NSS: the admin\'s "Corp (distrusted)" p,p,p entry is unchanged after trust-ca and after --uninstall; nothing of regcert\'s is added', async () => {
    const db = path.join(dir, 'nssdb');
    mkdirSync(db);
    await runOk(CERTUTIL, ['-N', '-d', `sql:${db}`, '--empty-password']);
    await runOk(CERTUTIL, ['-A', '-d', `sql:${db}`, '-n', 'Corp (distrusted)', '-t', 'p,p,p', '-a', '-i', ca]);
    const before = await nssList(db);
    expect(before).toMatch(/^Corp \(distrusted\)\s+p,p,p\s*$/m);

    const r = await cliOk(['trust-ca', ca, '--store', 'nss', '--nss-db', db]);
    expect(r.stdout).toMatch(/skipped/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/held as "Corp \(distrusted\)" with trust p,p,p .*NOT trusted here/);
    expect(await nssList(db)).toBe(before);

    const u = await cliOk(['trust-ca', ca, '--store', 'nss', '--nss-db', db, '--uninstall']);
    expect(u.stdout).toMatch(/not there/);
    expect(await nssList(db)).toBe(before);
  }, 60_000);

  it('NSS: an admin entry that already trusts it (C,,) is reported unchanged, not doubled', async () => {
    const db = path.join(dir, 'nssdb-trusted');
    mkdirSync(db);
    await runOk(CERTUTIL, ['-N', '-d', `sql:${db}`, '--empty-password']);
    await runOk(CERTUTIL, ['-A', '-d', `sql:${db}`, '-n', 'Corp root', '-t', 'CT,C,C', '-a', '-i', ca]);
    const before = await nssList(db);
    const r = await cliOk(['trust-ca', ca, '--store', 'nss', '--nss-db', db]);
    expect(`${r.stdout}${r.stderr}`).toMatch(/already there as "Corp root" \(trust CT,C,C, not added by regcert\)/);
    expect(await nssList(db)).toBe(before);
  }, 60_000);

  it('Java: the CA under the admin\'s alias is left; no second alias is added; --uninstall keeps the admin\'s', async () => {
    const cacerts = path.join(dir, 'cacerts');
    cpSync('/etc/ssl/certs/java/cacerts', cacerts);
    await runOk(KEYTOOL, ['-importcert', '-noprompt', '-alias', 'corp-root', '-file', ca, '-keystore', cacerts, '-storepass', 'changeit']);
    const list = async () => (await runOk(KEYTOOL, ['-list', '-keystore', cacerts, '-storepass', 'changeit'])).stdout.replace(/^Keystore type.*$/m, '');
    const before = await list();
    const r = await cliOk(['trust-ca', ca, '--store', 'java', '--java-cacerts', cacerts]);
    expect(`${r.stdout}${r.stderr}`).toMatch(/already trusted as alias "corp-root" \(not added by regcert\)/);
    expect(await list()).toBe(before);
    await cliOk(['trust-ca', ca, '--store', 'java', '--java-cacerts', cacerts, '--uninstall']);
    expect(await list()).toBe(before);
  }, 120_000);
});
