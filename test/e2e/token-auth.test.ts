/**
 * issue --token-signing + config token-auth against the real CNCF
 * distribution registry (docker-registry 2.8): the registry starts with the
 * auth.token block regcert prints, accepts a JWT signed with the
 * token-signing key (x5c header, access claim), and refuses one signed by a
 * key from another PKI.
 */
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { parseCertificates } from '../../src/core/certificates.js';
import { cliOk, runCli, runOk } from '../helpers/cli.js';
import { freePort, requireBinary, startServer, type Server } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-token-');
const pki = path.join(dir, 'pki');
const other = path.join(dir, 'other');
const SERVICE = 'registry.test';
const ISSUER = 'regcert "test" token server';
const servers: Server[] = [];
let port = 0;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A registry bearer token as docker_auth mints it: ES256, x5c = the signing certificate, access claim. */
function mintToken(pkiDir: string, name: string, claims: Record<string, unknown> = {}): string {
  const der = Buffer.from(parseCertificates(new Uint8Array(readFileSync(path.join(pkiDir, `${name}.crt`))))[0]!.rawData);
  const key = createPrivateKey(readFileSync(path.join(pkiDir, `${name}.key`))); // a plain PKCS#8 key, as issue writes it
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [der.toString('base64')] };
  const body = {
    iss: ISSUER,
    sub: 'alice',
    aud: SERVICE,
    exp: now + 300,
    nbf: now - 10,
    iat: now,
    jti: randomBytes(8).toString('hex'),
    access: [{ type: 'repository', name: 'test/hello', actions: ['pull', 'push'] }],
    ...claims,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(body))}`;
  // JWS ES256: the raw r||s signature (RFC 7518 3.4), not DER.
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

async function get(pathname: string, token?: string): Promise<{ status: number; auth: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${pathname}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return { status: res.status, auth: res.headers.get('www-authenticate') };
}

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki]);
  await cliOk(['init-ca', '--dir', other, '--cn', 'Another CA']);
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('issue --token-signing', () => {
  it('is digitalSignature only, with no EKU and not a CA (openssl reads it so)', async () => {
    const r = await cliOk(['issue', 'token-signing', '--token-signing', '--dir', pki, '--json']);
    const out = JSON.parse(r.stdout) as { certificate: { ekus: string[] } };
    expect(out.certificate.ekus).toEqual([]);
    const text = (await runOk('openssl', ['x509', '-noout', '-ext', 'keyUsage,extendedKeyUsage,basicConstraints', '-in', path.join(pki, 'token-signing.crt')])).stdout;
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\s*$/m);
    expect(text).not.toMatch(/Extended Key Usage/);
    expect(text).toMatch(/CA:FALSE/);
    await cliOk(['issue', 'token-signing', '--token-signing', '--dir', other]);
  }, 60_000);

  it('cannot be combined with --server or --client (exit 2, nothing written)', async () => {
    const r = await runCli(['issue', 'mixed', '--token-signing', '--client', '--dir', pki]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--token-signing cannot be combined/);
    expect(() => readFileSync(path.join(pki, 'mixed.crt'))).toThrow();
  });
});

describe('config token-auth with the real docker-registry', () => {
  it('the auth.token block starts the registry; a token signed with the key is accepted, one from another key refused', async () => {
    requireBinary('docker-registry');
    const outFile = path.join(dir, 'token-auth.yml');
    const r = await cliOk(['config', 'token-auth', '--dir', pki, '--realm', 'https://auth.test/auth', '--service', SERVICE, '--issuer', ISSUER, '--out', outFile]);
    expect(r.stdout).toMatch(/Wrote the token-auth configuration/);
    const docs = parseAllDocuments(readFileSync(outFile, 'utf8')).map((d) => d.toJS() as Record<string, Record<string, Record<string, unknown>>>);
    expect(docs).toHaveLength(2);
    const authBlock = docs[0]!.auth!;
    expect(authBlock.token).toEqual({ realm: 'https://auth.test/auth', service: SERVICE, issuer: ISSUER, rootcertbundle: path.join(pki, 'token-signing.crt') });
    expect(docs[1]!.token).toEqual({ issuer: ISSUER, expiration: 900, certificate: path.join(pki, 'token-signing.crt'), key: path.join(pki, 'token-signing.key') });

    port = await freePort();
    const storage = path.join(dir, 'storage');
    mkdirSync(storage, { recursive: true });
    const config = path.join(dir, 'registry.yml');
    writeFileSync(
      config,
      stringify({
        version: 0.1,
        log: { level: 'info' },
        storage: { filesystem: { rootdirectory: storage } },
        http: { addr: `127.0.0.1:${port}`, secret: 'regcert-test-secret' },
        auth: authBlock,
      }),
    );
    servers.push(await startServer(requireBinary('docker-registry'), ['serve', config], port));

    const anonymous = await get('/v2/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.auth).toContain('Bearer realm="https://auth.test/auth"');
    expect(anonymous.auth).toContain(`service="${SERVICE}"`);

    const token = mintToken(pki, 'token-signing');
    expect((await get('/v2/', token)).status).toBe(200);
    // The access claim is what the registry authorizes by: test/hello yes, another repository no.
    expect((await get('/v2/test/hello/tags/list', token)).status).toBe(404); // authorized; no such repository yet
    expect((await get('/v2/test/other/tags/list', token)).status).toBe(401);

    const foreign = mintToken(other, 'token-signing');
    expect((await get('/v2/', foreign)).status).toBe(401);
    // The same key but the wrong audience or issuer is refused too: the block's names are checked.
    expect((await get('/v2/', mintToken(pki, 'token-signing', { aud: 'elsewhere' }))).status).toBe(401);
    expect((await get('/v2/', mintToken(pki, 'token-signing', { iss: 'someone else' }))).status).toBe(401);
  }, 90_000);

  it('refuses a CA as the signer and a missing --realm (exit 2)', async () => {
    await runOk('cp', [path.join(pki, 'ca.crt'), path.join(pki, 'ca-copy.crt')]);
    await runOk('cp', [path.join(pki, 'ca.key'), path.join(pki, 'ca-copy.key')]);
    const ca = await runCli(['config', 'token-auth', '--dir', pki, '--cert', 'ca-copy', '--realm', 'https://a.test/auth', '--service', 's', '--issuer', 'i']);
    expect(ca.code).toBe(2);
    expect(ca.stderr).toMatch(/is a CA certificate/);
    const noRealm = await runCli(['config', 'token-auth', '--dir', pki, '--service', 's', '--issuer', 'i']);
    expect(noRealm.code).toBe(2);
    expect(noRealm.stderr).toMatch(/no --realm given/);
  });
});
