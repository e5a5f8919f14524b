/**
 * fetch-ca and verify against two independent mTLS servers: regcert's own
 * `serve` and nginx (ssl_verify_client optional, MSR-shaped /basic_info
 * built with a map on $ssl_client_verify).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { freePort, requireBinary, startServer, waitForPort, type Server } from '../helpers/proc.js';
import { startNginx, writeNginxConf } from '../helpers/nginx.js';
import { issue, makeLeafAt, makePki, type Pki } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-verify-');
requireBinary('nginx');
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

let pki: Pki;
let other: Pki;
let alice: { crt: string; key: string };
let mallory: { crt: string; key: string };
let expired: { crt: string; key: string };
let serverOnly: { crt: string; key: string };
let bundle: string;
let caFingerprint: string;

beforeAll(async () => {
  pki = await makePki(path.join(T, 'pki'), 'Verify Test CA');
  other = await makePki(path.join(T, 'other'), 'Other CA');
  alice = await issue(pki, 'alice', ['--client']);
  await issue(pki, 'nginx', ['--server', '--san', '127.0.0.1']);
  await issue(pki, 'wrongname', ['--server', '--san', 'registry.example.com']);
  serverOnly = await issue(pki, 'svc', ['--server', '--san', 'svc.example.com']);
  mallory = await issue(other, 'mallory', ['--client']);
  const out = path.join(T, 'made');
  mkdirSync(out);
  expired = await makeLeafAt(pki.dir, 'old', { now: new Date(Date.now() - 30 * 86_400_000), days: 2, client: true, server: false, out });
  bundle = path.join(T, 'both.crt');
  writeFileSync(bundle, readFileSync(pki.ca, 'utf8') + readFileSync(other.ca, 'utf8'));
  const info = await runCli(['fetch-ca', '--help']);
  expect(info.code).toBe(0);
  const { execFileSync } = await import('node:child_process');
  caFingerprint = execFileSync('openssl', ['x509', '-in', pki.ca, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).split('=')[1]!.trim();
});

async function startServe(args: string[]): Promise<string> {
  const port = await freePort();
  const s = await startServer(process.execPath, [BIN, 'serve', '--dir', pki.dir, '--port', String(port), ...args], port);
  servers.push(s);
  return `https://127.0.0.1:${port}`;
}

function verify(url: string, cert: { crt: string; key: string }, extra: string[]) {
  return runCli(['verify', url, '--cert', cert.crt, '--key', cert.key, ...extra]);
}

/** The checks every MSR-shaped endpoint must pass. */
function msrSuite(name: string, getUrl: () => string) {
  describe(`${name}: fetch-ca`, () => {
    it('right fingerprint: written and equal to the CA', async () => {
      const out = path.join(T, `${name}-ca.crt`);
      const r = await runCli(['fetch-ca', getUrl(), '--out', out, '--fingerprint', `sha256:${caFingerprint.replace(/:/g, '').toLowerCase()}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(caFingerprint);
      expect(readFileSync(out, 'utf8').replace(/\s+/g, '')).toBe(readFileSync(pki.ca, 'utf8').replace(/\s+/g, ''));
    });
    it('wrong fingerprint: exit 1, nothing written', async () => {
      const out = path.join(T, `${name}-wrong.crt`);
      const r = await runCli(['fetch-ca', getUrl(), '--out', out, '--fingerprint', 'AB'.repeat(32)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/fingerprint/);
      expect(existsSync(out)).toBe(false);
    });
    it('no TTY, no --yes, no --fingerprint: exit 2 naming the flags', async () => {
      const out = path.join(T, `${name}-none.crt`);
      const r = await runCli(['fetch-ca', getUrl(), '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--fingerprint/);
      expect(r.stderr).toMatch(/--yes/);
      expect(existsSync(out)).toBe(false);
    });
  });

  describe(`${name}: verify`, () => {
    it('exit 0 with the user named; --json has ok', async () => {
      const r = await verify(getUrl(), alice, ['--ca', pki.ca]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/as alice/);
      const j = await verify(getUrl(), alice, ['--ca', pki.ca, '--json']);
      const doc = JSON.parse(j.stdout);
      expect(doc).toMatchObject({ ok: true, authnMethod: 'TLSClientCertificate', user: 'alice', isAdmin: false });
      expect(Array.isArray(doc.checks)).toBe(true);
    });
    it('client certificate from another CA: exit 1', async () => {
      const r = await verify(getUrl(), mallory, ['--ca', bundle, '--json']);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.ok).toBe(false);
      expect(doc.error.code).toMatch(/HTTP_STATUS|NOT_CERT_LOGIN|CLIENT_CERT_REFUSED/);
      expect(doc.error.message).toMatch(/HTTP 40[01]|did not log in|refused/);
    });
    it('expired client certificate: exit 1 before any network call', async () => {
      const r = await verify(getUrl(), expired, ['--ca', pki.ca]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/expired on/);
    });
    it('certificate without clientAuth: exit 1 (local)', async () => {
      const r = await verify(getUrl(), serverOnly, ['--ca', pki.ca]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/lacks the clientAuth EKU/);
    });
    it('server certificate not trusted without --ca', async () => {
      const r = await verify(getUrl(), alice, []);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is not trusted/);
      expect(r.stderr).toMatch(/hint: .*--ca/);
    });
  });
}

describe('regcert serve', () => {
  let url = '';
  let wrongNameUrl = '';
  beforeAll(async () => {
    url = await startServe([]);
    wrongNameUrl = await startServe(['--server-cert', 'wrongname']);
  });
  msrSuite('serve', () => url);
  it('host name not in the server SANs: lists them', async () => {
    const r = await verify(wrongNameUrl, alice, ['--ca', pki.ca]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/127\.0\.0\.1 is not in the server certificate's SANs \(DNS:registry\.example\.com\)/);
  });
  it('install-host --fetch-ca: pinned fingerprint writes the CA; a wrong one writes nothing', async () => {
    const host = new URL(url).host;
    const root = path.join(T, 'fetch-certs.d');
    const wrong = await runCli(['install-host', host, '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--fetch-ca', '--fingerprint', 'CD'.repeat(32)]);
    expect(wrong.code).toBe(1);
    expect(existsSync(root)).toBe(false);
    const r = await runCli(['install-host', host, '--certs-dir', root, '--cert', alice.crt, '--key', alice.key, '--fetch-ca', '--fingerprint', caFingerprint]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(root, host, 'ca.crt'), 'utf8').replace(/\s+/g, '')).toBe(readFileSync(pki.ca, 'utf8').replace(/\s+/g, ''));
  });
  it('stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const s = await startServer(process.execPath, [BIN, 'serve', '--dir', pki.dir, '--port', String(port)], port);
    // 'close' fires after the exit and after stdout/stderr are drained.
    const code = new Promise<number | null>((resolve) => s.child.once('close', (c) => resolve(c)));
    await s.stop();
    expect(await code).toBe(0);
    expect(s.output()).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+/);
    expect(s.output()).toMatch(/stopped/);
  });
  it('serves /v2/ like a registry: verify --api registry', async () => {
    const r = await verify(url, alice, ['--ca', pki.ca, '--api', 'registry', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, probe: 'v2', version: 'registry/2.0' });
  });
});

describe('nginx', () => {
  let url = '';
  let badCaUrl = '';
  let noClientUrl = '';
  beforeAll(async () => {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const prefix = path.join(T, 'nginx');
    const tls = `ssl_certificate ${path.join(pki.dir, 'nginx.crt')}; ssl_certificate_key ${path.join(pki.dir, 'nginx.key')};`;
    const basicInfo = `location = /basic_info { default_type application/json; return 200 '{"CurrentVersion":"2.7.0","User":{"name":"$client_cn","id":"x","fullName":"","isOrg":false,"isAdmin":false,"isActive":true,"isImported":false},"IsAdmin":false,"AuthnMethod":"$authn_method"}'; }`;
    writeNginxConf(
      prefix,
      `  map $ssl_client_verify $authn_method { SUCCESS "TLSClientCertificate"; default "None"; }
  map $ssl_client_s_dn $client_cn { "~CN=(?<cn>[^,]+)" $cn; default ""; }
  server {
    listen 127.0.0.1:${p1} ssl; ${tls}
    ssl_client_certificate ${pki.ca}; ssl_verify_client optional;
    location = /ca { default_type application/x-pem-file; alias ${pki.ca}; }
    ${basicInfo}
  }
  server {
    listen 127.0.0.1:${p2} ssl; ${tls}
    location = /ca { default_type application/x-pem-file; alias ${other.ca}; }
  }
  server {
    listen 127.0.0.1:${p3} ssl; ${tls}
    ${basicInfo}
  }`,
    );
    servers.push(await startNginx(prefix, p1));
    await waitForPort(p2);
    await waitForPort(p3);
    url = `https://127.0.0.1:${p1}`;
    badCaUrl = `https://127.0.0.1:${p2}`;
    noClientUrl = `https://127.0.0.1:${p3}`;
  });
  msrSuite('nginx', () => url);

  it('fetch-ca: a /ca that is not the issuer of the server certificate is refused, nothing written', async () => {
    const out = path.join(T, 'badca.crt');
    const r = await runCli(['fetch-ca', badCaUrl, '--out', out, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not verify the TLS certificate the server presented/);
    expect(existsSync(out)).toBe(false);
  });
  it('verify: nginx refusing a certificate from another CA is reported as a refused client certificate', async () => {
    const r = await verify(url, mallory, ['--ca', bundle, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'CLIENT_CERT_REFUSED' });
    expect(JSON.parse(r.stdout).error.message).toMatch(/HTTP 400 \(400 The SSL certificate error\)/);
  });
  it('verify: a server that does not request a client certificate (AuthnMethod not TLSClientCertificate)', async () => {
    const r = await verify(noClientUrl, alice, ['--ca', pki.ca, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, authnMethod: 'None' });
    expect(doc.error.code).toBe('NOT_CERT_LOGIN');
  });
});

describe('network failures', () => {
  it('connection refused', async () => {
    const port = await freePort();
    const r = await verify(`https://127.0.0.1:${port}`, alice, ['--ca', pki.ca]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/connection refused/);
  });
  it('timeout: a listener that never answers, bounded by --timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const r = await verify(`https://127.0.0.1:${port}`, alice, ['--ca', pki.ca, '--timeout', '1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no answer .* within 1 s/);
      expect(Date.now() - started).toBeLessThan(15_000);
      const out = path.join(T, 'timeout-ca.crt');
      const f = await runCli(['fetch-ca', `https://127.0.0.1:${port}`, '--yes', '--timeout', '1', '--out', out]);
      expect(f.code).toBe(1);
      expect(f.stderr).toMatch(/no answer .* within 1 s/);
      expect(existsSync(out)).toBe(false);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
