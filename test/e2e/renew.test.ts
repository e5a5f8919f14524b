/**
 * `regcert renew` through the built CLI: the key is kept (or not, with
 * --rekey), openssl verifies the result, --if-expiring leaves a fresh
 * certificate alone, and --install lays the new pair out where skopeo pushes
 * with it to the real docker-registry with clientcas.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary, type Server } from '../helpers/proc.js';
import { makeLeafAt, makeOciLayout, startDistribution } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-renew-');
const OPENSSL = requireBinary('openssl');
const dir = path.join(T, 'pki');
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function pubkey(crt: string): Promise<string> {
  return (await runOk(OPENSSL, ['x509', '-in', crt, '-noout', '-pubkey'])).stdout;
}
async function serialOf(crt: string): Promise<string> {
  return (await runOk(OPENSSL, ['x509', '-in', crt, '-noout', '-serial'])).stdout.trim();
}
async function text(crt: string): Promise<string> {
  return (await runOk(OPENSSL, ['x509', '-in', crt, '-noout', '-subject', '-ext', 'subjectAltName,extendedKeyUsage'])).stdout;
}

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', dir, '--cn', 'Renew Test CA']);
  await cliOk(['issue', 'alice', '--client', '--dir', dir, '--san', 'alice@example.com', '--org', 'ACME', '--days', '90']);
  await cliOk(['issue', 'registry', '--server', '--dir', dir, '--san', '127.0.0.1']);
}, 120_000);

describe('renew', () => {
  it('keeps the key: same public key, same subject/SANs/EKUs/validity length, new serial; openssl verify accepts it', async () => {
    const crt = path.join(dir, 'alice.crt');
    const keyBefore = readFileSync(path.join(dir, 'alice.key'), 'utf8');
    const [pubBefore, serialBefore, textBefore] = [await pubkey(crt), await serialOf(crt), await text(crt)];
    const r = await cliOk(['renew', 'alice', '--dir', dir, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, command: 'renew', renewed: [{ name: 'alice', keyKept: true, certificate: { subject: 'O=ACME, CN=alice', sans: ['email:alice@example.com'], ekus: ['clientAuth'] } }] });
    expect(doc.renewed[0].certificate.serial).toBe(doc.renewed[0].serial);
    expect(await pubkey(crt)).toBe(pubBefore);
    expect(readFileSync(path.join(dir, 'alice.key'), 'utf8')).toBe(keyBefore);
    expect(await serialOf(crt)).not.toBe(serialBefore);
    expect(await text(crt)).toBe(textBefore);
    const dates = (await runOk(OPENSSL, ['x509', '-in', crt, '-noout', '-startdate', '-enddate'])).stdout;
    const [nb, na] = dates.trim().split('\n').map((l) => Date.parse(l.replace(/^.*=/, '')));
    expect(Math.round((na! - nb!) / 86_400_000)).toBe(90);
    const v = await runOk(OPENSSL, ['verify', '-CAfile', path.join(dir, 'ca.crt'), '-purpose', 'sslclient', crt]);
    expect(v.stdout).toContain(': OK');
    // The key still matches the new certificate (what an installed client.key needs).
    expect((await runOk(OPENSSL, ['pkey', '-in', path.join(dir, 'alice.key'), '-pubout'])).stdout).toBe(pubBefore);
    // The inventory: the old serial superseded by the new one.
    const list = JSON.parse((await cliOk(['list', '--dir', dir, '--all', '--json'])).stdout);
    const alices = list.certificates.filter((c: { name: string }) => c.name === 'alice');
    expect(alices.map((c: { status: string }) => c.status).sort()).toEqual(['superseded', 'valid']);
    const old = alices.find((c: { status: string }) => c.status === 'superseded');
    expect(old.supersededBy).toBe(doc.renewed[0].serial);
    expect(alices.find((c: { status: string }) => c.status === 'valid').renewedFrom).toBe(old.serial);
  }, 60_000);

  it('--rekey makes a new key', async () => {
    const crt = path.join(dir, 'alice.crt');
    const pubBefore = await pubkey(crt);
    await cliOk(['renew', 'alice', '--dir', dir, '--rekey']);
    const pubAfter = await pubkey(crt);
    expect(pubAfter).not.toBe(pubBefore);
    expect((await runOk(OPENSSL, ['pkey', '-in', path.join(dir, 'alice.key'), '-pubout'])).stdout).toBe(pubAfter);
    expect(statSync(path.join(dir, 'alice.key')).mode & 0o777).toBe(0o600);
    const v = await runOk(OPENSSL, ['verify', '-CAfile', path.join(dir, 'ca.crt'), crt]);
    expect(v.stdout).toContain(': OK');
  }, 60_000);

  it('--if-expiring 30d on a fresh certificate changes nothing (mtimes) and exits 0', async () => {
    const files = ['registry.crt', 'registry.key', 'inventory.jsonl'].map((n) => path.join(dir, n));
    const before = files.map((f) => statSync(f).mtimeMs);
    const content = files.map((f) => readFileSync(f, 'utf8'));
    const r = await runCli(['renew', 'registry', '--dir', dir, '--if-expiring', '30d']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/registry is not due: \d+ days left \(window 30 days\); nothing changed/);
    expect(files.map((f) => statSync(f).mtimeMs)).toEqual(before);
    expect(files.map((f) => readFileSync(f, 'utf8'))).toEqual(content);
    const all = await runCli(['renew', '--all', '--dir', dir, '--if-expiring', '30d', '--json']);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ renewed: [], windowDays: 30 });
    expect(files.map((f) => statSync(f).mtimeMs)).toEqual(before);
  }, 60_000);

  it('--all renews exactly the due certificates', async () => {
    const d = path.join(T, 'due');
    await cliOk(['init-ca', '--dir', d]);
    await cliOk(['issue', 'soon', '--client', '--dir', d, '--days', '10']);
    await cliOk(['issue', 'later', '--client', '--dir', d]);
    const laterBefore = readFileSync(path.join(d, 'later.crt'), 'utf8');
    const r = JSON.parse((await cliOk(['renew', '--all', '--dir', d, '--if-expiring', '30d', '--json'])).stdout);
    expect(r.renewed.map((x: { name: string }) => x.name)).toEqual(['soon']);
    expect(r.notDue.map((x: { name: string }) => x.name)).toEqual(['later']);
    // A validity shorter than the window would be renewed on every run: said.
    expect(r.notes.join('\n')).toMatch(/soon is valid for 10 days, not longer than the 30-day window/);
    expect(readFileSync(path.join(d, 'later.crt'), 'utf8')).toBe(laterBefore);
    // An already expired certificate is due too (made with a clock in the past, recorded by the reconciling reader).
    await makeLeafAt(d, 'gone', { now: new Date(Date.now() - 40 * 86_400_000), days: 30, client: true, server: false, out: d });
    const r2 = JSON.parse((await cliOk(['renew', '--all', '--dir', d, '--if-expiring', '5d', '--json'])).stdout);
    expect(r2.renewed.map((x: { name: string }) => x.name)).toEqual(['gone']);
    const v = await runOk(OPENSSL, ['verify', '-CAfile', path.join(d, 'ca.crt'), path.join(d, 'gone.crt')]);
    expect(v.stdout).toContain(': OK');
  }, 120_000);

  it('refuses what it cannot renew: the CA itself (with what to do instead), an unknown name, a revoked certificate', async () => {
    const ca = await runCli(['renew', 'ca', '--dir', dir]);
    expect(ca.code).toBe(2);
    expect(ca.stderr).toMatch(/the CA itself cannot be renewed\nhint: .*init-ca --dir NEW/);
    const unknown = await runCli(['renew', 'nobody', '--dir', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no certificate named or numbered "nobody"/);
    const neither = await runCli(['renew', '--dir', dir]);
    expect(neither.code).toBe(2);
    const d = path.join(T, 'revoked');
    await cliOk(['init-ca', '--dir', d]);
    await cliOk(['issue', 'eve', '--client', '--dir', d]);
    await cliOk(['revoke', 'eve', '--dir', d]);
    const r = await runCli(['renew', 'eve', '--dir', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is revoked/);
  }, 120_000);

  it('a certificate signed from a CSR is recorded without a key and renews with the requester\'s key', async () => {
    const d = path.join(T, 'csr');
    await cliOk(['init-ca', '--dir', d]);
    const key = path.join(T, 'ivan.key');
    const csr = path.join(T, 'ivan.csr');
    await runOk(OPENSSL, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=ivan']);
    await cliOk(['issue', 'ivan', '--client', '--csr', csr, '--dir', d]);
    const entry = JSON.parse((await cliOk(['list', '--dir', d, '--json'])).stdout).certificates[0];
    expect(entry).toMatchObject({ name: 'ivan', source: 'csr', files: [{ path: 'ivan.crt', kind: 'certificate' }] });
    await cliOk(['renew', 'ivan', '--dir', d]);
    const keyPub = (await runOk(OPENSSL, ['pkey', '-in', key, '-pubout'])).stdout;
    expect(await pubkey(path.join(d, 'ivan.crt'))).toBe(keyPub);
    // --install needs a key file, and --all --install needs exactly one client certificate.
    const noKey = await runCli(['renew', 'ivan', '--dir', d, '--install', '127.0.0.1:5000', '--certs-dir', path.join(T, 'unused')]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/no key file in the inventory/);
    await cliOk(['issue', 'judy', '--client', '--dir', d]);
    const two = await runCli(['renew', '--all', '--if-expiring', '500d', '--dir', d, '--install', '127.0.0.1:5000', '--certs-dir', path.join(T, 'unused')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/--install needs exactly one client certificate to renew, and 2 are due/);
  }, 120_000);

  it('--exec runs after a renewal with REGCERT_RENEWED, and a failing command is exit 1 (the renewal stays)', async () => {
    const d = path.join(T, 'exec');
    await cliOk(['init-ca', '--dir', d]);
    await cliOk(['issue', 'frank', '--client', '--dir', d]);
    const marker = path.join(T, 'exec-marker');
    const ok = await cliOk(['renew', 'frank', '--dir', d, '--exec', `echo "renewed: $REGCERT_RENEWED" > ${marker}`, '--json']);
    expect(JSON.parse(ok.stdout).exec).toMatchObject({ exitCode: 0 });
    expect(readFileSync(marker, 'utf8')).toBe('renewed: frank\n');
    const bad = await runCli(['renew', 'frank', '--dir', d, '--exec', 'exit 3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--exec failed \(exit 3\)/);
  }, 120_000);

  it('renew NAME NAME… renews several in one run, and --exec runs once with all the names and their count', async () => {
    const d = path.join(T, 'several');
    await cliOk(['init-ca', '--dir', d]);
    for (const n of ['gina', 'hank', 'ivy']) await cliOk(['issue', n, '--client', '--dir', d]);
    const marker = path.join(T, 'several-marker');
    const r = await cliOk(['renew', 'gina', 'ivy', '--dir', d, '--exec', `echo "$REGCERT_RENEWED_COUNT: $REGCERT_RENEWED" >> ${marker}`, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.renewed.map((x: { name: string }) => x.name).sort()).toEqual(['gina', 'ivy']);
    expect(readFileSync(marker, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    expect(readFileSync(marker, 'utf8')).toMatch(/^2: (gina ivy|ivy gina)\n$/);
    const listed = JSON.parse((await cliOk(['list', '--dir', d, '--all', '--json'])).stdout).certificates as Array<{ name: string; status: string }>;
    expect(listed.filter((c) => c.name === 'hank').map((c) => c.status)).toEqual(['valid']);
    for (const n of ['gina', 'ivy']) expect(listed.filter((c) => c.name === n).map((c) => c.status).sort()).toEqual(['superseded', 'valid']);
    // An unknown name among them refuses the whole run before anything is written.
    const before = readFileSync(path.join(d, 'gina.crt'), 'utf8');
    const bad = await runCli(['renew', 'gina', 'nobody', '--dir', d]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no certificate named or numbered "nobody"/);
    expect(readFileSync(path.join(d, 'gina.crt'), 'utf8')).toBe(before);
  }, 120_000);
});

describe('renew --install + skopeo push to docker-registry with clientcas', () => {
  it('pushes with the renewed pair in the certs.d folder', async () => {
    requireBinary('docker-registry');
    const SKOPEO = requireBinary('skopeo');
    const { port, server } = await startDistribution(path.join(T, 'reg'), { cert: path.join(dir, 'registry.crt'), key: path.join(dir, 'registry.key'), clientCa: path.join(dir, 'ca.crt') });
    servers.push(server);
    const certsD = path.join(T, 'certs.d');
    const hostDir = path.join(certsD, `127.0.0.1:${port}`);
    const r = await cliOk(['renew', 'alice', '--dir', dir, '--install', `127.0.0.1:${port}`, '--certs-dir', certsD, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.installed.files.map((f: { path: string }) => path.basename(f.path)).sort()).toEqual(['ca.crt', 'client.cert', 'client.key']);
    // The folder holds exactly the renewed certificate and its (kept) key.
    expect(readFileSync(path.join(hostDir, 'client.cert'), 'utf8')).toBe(readFileSync(path.join(dir, 'alice.crt'), 'utf8'));
    expect((await runOk(OPENSSL, ['pkey', '-in', path.join(hostDir, 'client.key'), '-pubout'])).stdout).toBe(await pubkey(path.join(dir, 'alice.crt')));
    expect(await serialOf(path.join(hostDir, 'client.cert'))).toBe(`serial=${doc.renewed[0].serial.toUpperCase()}`);

    const layout = makeOciLayout(path.join(T, 'oci'));
    const push = await run(SKOPEO, ['--insecure-policy', 'copy', '--command-timeout', '60s', '--retry-times', '0', '--dest-cert-dir', hostDir, `oci:${layout}:v1`, `docker://127.0.0.1:${port}/renewed/hello:v1`], { timeoutMs: 90_000 });
    expect(push.code, push.stderr).toBe(0);
    const tags = await run(SKOPEO, ['list-tags', '--cert-dir', hostDir, `docker://127.0.0.1:${port}/renewed/hello`], { timeoutMs: 60_000 });
    expect(tags.code, tags.stderr).toBe(0);
    expect(JSON.parse(tags.stdout).Tags).toEqual(['v1']);

    // Renewing again with --install replaces the folder's pair (install-host --force), and the push still works.
    await cliOk(['renew', 'alice', '--dir', dir, '--rekey', '--install', `127.0.0.1:${port}`, '--certs-dir', certsD]);
    expect((await runOk(OPENSSL, ['pkey', '-in', path.join(hostDir, 'client.key'), '-pubout'])).stdout).toBe(await pubkey(path.join(hostDir, 'client.cert')));
    const again = await run(SKOPEO, ['--insecure-policy', 'copy', '--command-timeout', '60s', '--retry-times', '0', '--dest-cert-dir', hostDir, `oci:${layout}:v1`, `docker://127.0.0.1:${port}/renewed/again:v1`], { timeoutMs: 90_000 });
    expect(again.code, again.stderr).toBe(0);
  }, 240_000);
});
