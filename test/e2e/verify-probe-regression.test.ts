/**
 * Regression (review finding): verify's /v2/ probe passed against a server
 * that answers 404 on /basic_info, HTTP 500 to anonymous clients and 200 to
 * any certificate at all (requested but not verified), and it reported an
 * AuthnMethod the server never sent. The probe must fail closed there.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { issue, makePki } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir();
let server: https.Server;
let url = '';
let ca = '';
let alice: { crt: string; key: string };

beforeAll(async () => {
  const pki = await makePki(path.join(T, 'pki'), 'Probe Test CA');
  ca = pki.ca;
  alice = await issue(pki, 'alice', ['--client']);
  const srv = await issue(pki, 'srv', ['--server', '--san', '127.0.0.1']);
  server = https.createServer(
    { cert: readFileSync(srv.crt), key: readFileSync(srv.key), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      if (req.url === '/basic_info') return void res.writeHead(404).end('not found');
      const presented = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      const withCert = presented && Object.keys(presented).length > 0;
      res.writeHead(withCert ? 200 : 500, { 'content-type': 'application/json' }).end('{}');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('verify /v2/ probe fails closed', () => {
  it('an anonymous HTTP 500 is not "refused without a certificate": exit 1, no invented AuthnMethod', async () => {
    const r = await runCli(['verify', url, '--cert', alice.crt, '--key', alice.key, '--ca', ca, '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, probe: 'v2', authnMethod: null, user: null, error: { code: 'CERT_NOT_REQUIRED' } });
    expect(doc.checks.find((c: { name: string }) => c.name === 'v2-without-cert')).toMatchObject({ ok: false });
  });
});
