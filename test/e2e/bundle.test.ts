/**
 * --bundle: an MKE/UCP client bundle (zip made with the real `zip`, laid
 * out as MKE hands it out, or the unpacked folder) in place of
 * --cert/--key/--ca, and hostile zips refused before anything is written.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, runCli, runOk } from '../helpers/cli.js';
import { freePort, requireBinary, startServer, type Server } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildZip } from '../helpers/zip.js';

const dir = tmpDir('regcert-bundle-');
const pki = path.join(dir, 'pki');
const other = path.join(dir, 'other');
const p = (...s: string[]) => path.join(dir, ...s);
const servers: Server[] = [];

/** The files MKE puts in "ucp-bundle-USER.zip", all at the top level. */
async function makeBundle(folder: string, certName: string, keyFrom = certName): Promise<void> {
  mkdirSync(folder, { recursive: true });
  cpSync(path.join(pki, `${certName}.crt`), path.join(folder, 'cert.pem'));
  cpSync(path.join(pki, `${keyFrom}.key`), path.join(folder, 'key.pem'));
  cpSync(path.join(pki, 'ca.crt'), path.join(folder, 'ca.pem'));
  await runOk('openssl', ['pkey', '-in', path.join(folder, 'key.pem'), '-pubout', '-out', path.join(folder, 'cert.pub')]);
  writeFileSync(path.join(folder, 'env.sh'), 'export DOCKER_HOST=tcp://mke.example.com:443\nexport DOCKER_TLS_VERIFY=1\nexport DOCKER_CERT_PATH="$PWD"\n');
  writeFileSync(path.join(folder, 'env.ps1'), '$Env:DOCKER_TLS_VERIFY = "1"\n');
  writeFileSync(path.join(folder, 'env.cmd'), '@echo off\nset DOCKER_TLS_VERIFY=1\n');
  writeFileSync(path.join(folder, 'kube.yml'), 'apiVersion: v1\nkind: Config\n');
  writeFileSync(path.join(folder, 'meta.json'), '{"Name":"ucp","Metadata":{"Description":"MKE client bundle"}}\n');
}

async function zipFolder(folder: string, zip: string): Promise<void> {
  await runOk('zip', ['-q', '-y', zip, ...readdirSync(folder)], { cwd: folder });
}

/** Every file under root: relative path → [mode, content]. */
function tree(root: string): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const f = path.join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else out[path.relative(root, f)] = [(statSync(f).mode & 0o777).toString(8), readFileSync(f, 'utf8')];
    }
  };
  walk(root);
  return out;
}

beforeAll(async () => {
  requireBinary('zip');
  requireBinary('openssl');
  await cliOk(['init-ca', '--dir', pki]);
  await cliOk(['issue', 'alice', '--client', '--dir', pki]);
  await cliOk(['issue', 'bob', '--client', '--dir', pki]);
  await cliOk(['issue', 'web', '--server', '--san', 'web.example', '--dir', pki]);
  await cliOk(['init-ca', '--dir', other]);
  await makeBundle(p('alice-bundle'), 'alice');
  await zipFolder(p('alice-bundle'), p('ucp-bundle-alice.zip'));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('install-host --bundle', () => {
  it('a bundle zip gives the same folder as --cert/--key/--ca', async () => {
    const r = await cliOk(['install-host', '127.0.0.1:5000', '--bundle', p('ucp-bundle-alice.zip'), '--certs-dir', p('from-zip'), '--runtime', 'containerd']);
    expect(r.stdout).toContain(`CA from the ca.pem of ${p('ucp-bundle-alice.zip')}`);
    await cliOk(['install-host', '127.0.0.1:5000', '--cert', path.join(pki, 'alice.crt'), '--key', path.join(pki, 'alice.key'), '--ca', path.join(pki, 'ca.crt'), '--certs-dir', p('from-files'), '--runtime', 'containerd']);
    const fromFiles = tree(p('from-files'));
    expect(Object.keys(fromFiles).sort()).toEqual(['127.0.0.1:5000/ca.crt', '127.0.0.1:5000/client.cert', '127.0.0.1:5000/client.key', '127.0.0.1:5000/hosts.toml']);
    expect(tree(p('from-zip'))).toEqual(fromFiles);
  }, 60_000);

  it('the unpacked folder works the same, and a second run changes nothing', async () => {
    await cliOk(['install-host', '127.0.0.1:5000', '--bundle', p('alice-bundle'), '--certs-dir', p('from-dir')]);
    const again = await cliOk(['install-host', '127.0.0.1:5000', '--bundle', p('alice-bundle'), '--certs-dir', p('from-dir'), '--json']);
    expect((JSON.parse(again.stdout) as { files: Array<{ status: string }> }).files.map((f) => f.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const fromFiles = tree(p('from-files'));
    delete fromFiles['127.0.0.1:5000/hosts.toml'];
    expect(tree(p('from-dir'))).toEqual(fromFiles);
  }, 60_000);

  it.each<[string, () => Promise<string>, RegExp]>([
    [
      'a "../evil" entry',
      async () => {
        const f = p('evil.zip');
        const base = p('alice-bundle');
        writeFileSync(
          f,
          buildZip([
            { name: 'cert.pem', data: readFileSync(path.join(base, 'cert.pem')) },
            { name: 'key.pem', data: readFileSync(path.join(base, 'key.pem')) },
            { name: 'ca.pem', data: readFileSync(path.join(base, 'ca.pem')) },
            { name: '../evil', data: Buffer.from('#!/bin/sh\n') },
          ]),
        );
        return f;
      },
      /refused: .*(\.\.|invalid relative path)/,
    ],
    [
      'an absolute path',
      async () => {
        const f = p('absolute.zip');
        writeFileSync(f, buildZip([{ name: '/etc/cron.d/evil', data: Buffer.from('x') }, { name: 'cert.pem', data: Buffer.from('x') }]));
        return f;
      },
      /refused: .*absolute path/,
    ],
    [
      '100,000 entries',
      async () => {
        const f = p('many.zip');
        writeFileSync(f, buildZip(Array.from({ length: 100_000 }, (_, i) => ({ name: `f${i}` }))));
        return f;
      },
      /refused: it has 100000 entries/,
    ],
    [
      'a symbolic link entry (zip -y)',
      async () => {
        const folder = p('symlink-bundle');
        mkdirSync(folder);
        symlinkSync('/etc/shadow', path.join(folder, 'cert.pem'));
        cpSync(path.join(pki, 'alice.key'), path.join(folder, 'key.pem'));
        cpSync(path.join(pki, 'ca.crt'), path.join(folder, 'ca.pem'));
        const f = p('symlink.zip');
        await zipFolder(folder, f);
        return f;
      },
      /refused: entry "cert.pem" is a symbolic link/,
    ],
    [
      'a zip bomb (cert.pem claims 600 bytes, inflates to 64 MiB)',
      async () => {
        const f = p('bomb.zip');
        const base = p('alice-bundle');
        writeFileSync(
          f,
          buildZip([
            { name: 'cert.pem', data: Buffer.alloc(64 * 1024 * 1024, 0x41), deflate: { claimedSize: 600 } },
            { name: 'key.pem', data: readFileSync(path.join(base, 'key.pem')) },
            { name: 'ca.pem', data: readFileSync(path.join(base, 'ca.pem')) },
          ]),
        );
        return f;
      },
      /too many bytes|inflates past/,
    ],
    [
      'a key that is not the certificate\'s',
      async () => {
        await makeBundle(p('mismatch-bundle'), 'alice', 'bob');
        const f = p('mismatch.zip');
        await zipFolder(p('mismatch-bundle'), f);
        return f;
      },
      /does not belong to the certificate/,
    ],
    [
      'a certificate without clientAuth',
      async () => {
        await makeBundle(p('server-bundle'), 'web');
        const f = p('server.zip');
        await zipFolder(p('server-bundle'), f);
        return f;
      },
      /lacks the clientAuth EKU/,
    ],
    [
      'a zip without ca.pem',
      async () => {
        const f = p('noca.zip');
        const base = p('alice-bundle');
        writeFileSync(f, buildZip([{ name: 'cert.pem', data: readFileSync(path.join(base, 'cert.pem')) }, { name: 'key.pem', data: readFileSync(path.join(base, 'key.pem')) }]));
        return f;
      },
      /has no ca\.pem/,
    ],
  ])('%s is refused with exit 2 and nothing is written', async (_what, make, message) => {
    const zip = await make();
    const out = p(`out-${path.basename(zip, '.zip')}`);
    const started = Date.now();
    const r = await runCli(['install-host', '127.0.0.1:5000', '--bundle', zip, '--certs-dir', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(dir, 'evil'))).toBe(false);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('--bundle cannot be combined with --cert/--key (exit 2)', async () => {
    const r = await runCli(['install-host', 'h.example', '--bundle', p('ucp-bundle-alice.zip'), '--cert', path.join(pki, 'alice.crt'), '--key', path.join(pki, 'alice.key')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bundle cannot be combined/);
  });
});

describe('verify, to-p12 and inspect --bundle', () => {
  it('verify logs in with the bundle, trusting its ca.pem (regcert serve signed by the same CA)', async () => {
    const port = await freePort();
    servers.push(await startServer(process.execPath, [BIN, 'serve', '--dir', pki, '--port', String(port)], port));
    const r = await cliOk(['verify', `https://127.0.0.1:${port}`, '--bundle', p('ucp-bundle-alice.zip'), '--json']);
    const doc = JSON.parse(r.stdout) as { ok: boolean; authnMethod: string; user: string };
    expect(doc).toMatchObject({ ok: true, authnMethod: 'TLSClientCertificate', user: 'alice' });
  }, 60_000);

  it('to-p12 --bundle writes a PKCS#12 that openssl opens', async () => {
    const pw = p('p12.pw');
    writeFileSync(pw, 'secret-pass\n');
    const out = p('alice-from-bundle.p12');
    await cliOk(['to-p12', '--bundle', p('ucp-bundle-alice.zip'), '--out', out, '--password-file', pw]);
    const info = await runOk('openssl', ['pkcs12', '-in', out, '-passin', `file:${pw}`, '-nokeys', '-clcerts']);
    expect(info.stdout).toMatch(/subject=CN ?= ?alice/);
  }, 60_000);

  it('inspect --bundle shows the certificate, that the key matches it, and the CA that signed it', async () => {
    const r = await cliOk(['inspect', '--bundle', p('ucp-bundle-alice.zip'), '--json']);
    const doc = JSON.parse(r.stdout) as { items: Array<{ label: string; type: string; matches?: string[]; signedBy?: string | null }> };
    const zip = p('ucp-bundle-alice.zip');
    expect(doc.items.map((i) => [i.label, i.type])).toEqual([
      [`${zip}:cert.pem`, 'certificate'],
      [`${zip}:key.pem`, 'private-key'],
      [`${zip}:ca.pem`, 'certificate'],
    ]);
    expect(doc.items[0]!.signedBy).toBe(`${zip}:ca.pem`);
    expect(doc.items[1]!.matches).toEqual([`${zip}:cert.pem`]);
  }, 60_000);
});
