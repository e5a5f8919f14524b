/**
 * `config zot` against the structure of zot's config, read from its source:
 * project-zot/zot v2.1.20 (commit 3b5796d834e8661ea661a5fcc47add8d4405aebf),
 * pkg/api/config/config.go (HTTPConfig, TLSConfig, AuthConfig, MTLSConfig,
 * AccessControlConfig, PolicyGroup, Policy), pkg/api/authn.go
 * (extractIdentityFromCertificate: the attribute names it accepts) and
 * pkg/api/constants/consts.go (the actions). zot is not packaged in Debian:
 * it was not run here.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

type ZotType = 'string' | 'int' | 'bool' | 'string[]' | { struct: string } | { array: string } | { map: string };

/**
 * The keys zot reads (viper + mapstructure: case-insensitive; the json/mapstructure
 * tag where one is set, else the field name) and their Go types, field by field.
 */
const ZOT_V2_1_20: Record<string, Record<string, ZotType>> = {
  // HTTPConfig: Address, ExternalURL, Port, AllowOrigin, ReadTimeout, WriteTimeout, TLS, Auth, AccessControl, Realm, Ratelimit, Compat
  HTTPConfig: {
    address: 'string',
    externalurl: 'string',
    port: 'string',
    alloworigin: 'string',
    readtimeout: 'string',
    writetimeout: 'string',
    tls: { struct: 'TLSConfig' },
    auth: { struct: 'AuthConfig' },
    accesscontrol: { struct: 'AccessControlConfig' },
    realm: 'string',
    ratelimit: { struct: 'RatelimitConfig' },
    compat: 'string[]',
  },
  TLSConfig: { cert: 'string', key: 'string', cacert: 'string' },
  AuthConfig: {
    faildelay: 'int',
    htpasswd: { struct: 'AuthHTPasswd' },
    ldap: { struct: 'LDAPConfig' },
    bearer: { struct: 'BearerConfig' },
    openid: { struct: 'OpenIDConfig' },
    apikey: 'bool',
    sessionkeysfile: 'string',
    sessiondriver: { map: 'any' },
    securesession: 'bool',
    mtls: { struct: 'MTLSConfig' },
  },
  MTLSConfig: { identityattributes: 'string[]', urisanpattern: 'string', urisanindex: 'int', dnssanindex: 'int', emailsanindex: 'int' },
  AccessControlConfig: { repositories: { map: 'PolicyGroup' }, adminpolicy: { struct: 'Policy' }, groups: { map: 'Group' }, metrics: { struct: 'Metrics' } },
  PolicyGroup: { policies: { array: 'Policy' }, defaultpolicy: 'string[]', anonymouspolicy: 'string[]' },
  Policy: { users: 'string[]', actions: 'string[]', groups: 'string[]', conditions: { array: 'Condition' } },
};
/** authn.go's switch (lower-cased) and consts.go's permissions. */
const ZOT_IDENTITY_NAMES = ['commonname', 'cn', 'subject', 'dn', 'url', 'uri', 'dnsname', 'dns', 'email', 'rfc822name'];
const ZOT_ACTIONS = ['read', 'create', 'update', 'delete', 'detectManifestCollision'];

/** Every key of `value` must be a field of `struct`, with a value of its Go type; returns the key paths seen. */
function checkAgainst(value: unknown, type: ZotType, at: string, seen: string[]): void {
  if (type === 'string') return void expect(typeof value, at).toBe('string');
  if (type === 'int') return void expect(Number.isInteger(value), at).toBe(true);
  if (type === 'bool') return void expect(typeof value, at).toBe('boolean');
  if (type === 'string[]') {
    expect(Array.isArray(value), at).toBe(true);
    for (const v of value as unknown[]) expect(typeof v, at).toBe('string');
    return;
  }
  if ('array' in type) {
    expect(Array.isArray(value), at).toBe(true);
    (value as unknown[]).forEach((v, i) => checkAgainst(v, { struct: type.array }, `${at}[${i}]`, seen));
    return;
  }
  expect(value !== null && typeof value === 'object' && !Array.isArray(value), at).toBe(true);
  if ('map' in type) {
    for (const [k, v] of Object.entries(value as object)) checkAgainst(v, { struct: type.map }, `${at}.${k}`, seen);
    return;
  }
  const fields = ZOT_V2_1_20[type.struct];
  expect(fields, `${type.struct} recorded`).toBeDefined();
  for (const [k, v] of Object.entries(value as object)) {
    const field = fields![k.toLowerCase()];
    expect(field, `${at}.${k} is not a field of zot's ${type.struct}`).toBeDefined();
    seen.push(`${at}.${k}`);
    checkAgainst(v, field!, `${at}.${k}`, seen);
  }
}

const T = tmpDir('regcert-zot-');
const pki = path.join(T, 'pki');
beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki, '--cn', 'Zot Root CA']);
  await cliOk(['issue', 'zot.example.com', '--server', '--dir', pki]);
  await cliOk(['issue', 'alice', '--client', '--dir', pki, '--org', 'Acme, Inc.', '--ou', 'CI', '--san', 'alice@example.com', '--san', 'spiffe://example.org/ci/alice', '--san', 'alice.ci.example.com']);
});

async function zot(args: string[]) {
  const r = await runCli(['config', 'zot', '--dir', pki, '--host', 'zot.example.com', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return { doc: JSON.parse(r.stdout) as { http: Record<string, unknown> }, stderr: r.stderr };
}

describe('config zot: the keys and types of zot v2.1.20 config.go', () => {
  const expectedMtls: Record<string, string[]> = {
    cn: ['identityAttributes'],
    subject: ['identityAttributes'],
    email: ['identityAttributes'],
    dns: ['identityAttributes'],
    uri: ['identityAttributes', 'uriSanPattern'],
  };
  const users: Record<string, string> = {
    cn: 'alice',
    // Go's pkix.Name.String(): reversed, O's comma escaped.
    subject: 'CN=alice,OU=CI,O=Acme\\, Inc.',
    email: 'alice@example.com',
    dns: 'alice.ci.example.com',
    uri: 'alice',
  };
  it.each(Object.keys(expectedMtls))('--identity %s: only zot keys, exactly tls{cert,key,cacert} and the mtls keys of that source', async (identity) => {
    const { doc } = await zot(['--identity', identity, '--client', 'alice', ...(identity === 'uri' ? ['--uri-pattern', '^spiffe://example.org/ci/(.+)$'] : [])]);
    expect(Object.keys(doc)).toEqual(['http']);
    const seen: string[] = [];
    checkAgainst(doc.http, { struct: 'HTTPConfig' }, 'http', seen);
    const http = doc.http as { tls: Record<string, string>; auth: { mtls: Record<string, unknown> }; accessControl: { repositories: Record<string, { policies: Array<{ users: string[]; actions: string[] }>; anonymousPolicy: string[]; defaultPolicy: string[] }> } };
    expect(Object.keys(http).sort()).toEqual(['accessControl', 'auth', 'tls']);
    // IsMTLSAuthEnabled wants all three non-empty.
    expect(http.tls).toEqual({ cert: path.join(pki, 'zot.example.com.crt'), key: path.join(pki, 'zot.example.com.key'), cacert: path.join(pki, 'ca.crt') });
    for (const f of Object.values(http.tls)) expect(existsSync(f)).toBe(true);
    expect(Object.keys(http.auth)).toEqual(['mtls']);
    expect(Object.keys(http.auth.mtls).sort()).toEqual(expectedMtls[identity]!.sort());
    const attrs = http.auth.mtls.identityAttributes as string[];
    expect(attrs).toHaveLength(1);
    expect(ZOT_IDENTITY_NAMES).toContain(attrs[0]!.toLowerCase());
    const group = http.accessControl.repositories['**']!;
    expect(group.policies).toEqual([{ users: [users[identity]], actions: ['read', 'create', 'update', 'delete'] }]);
    for (const a of group.policies[0]!.actions) expect(ZOT_ACTIONS).toContain(a);
    // No certificate: anonymous in zot (VerifyClientCertIfGiven) — it gets nothing.
    expect(group.anonymousPolicy).toEqual([]);
    expect(group.defaultPolicy).toEqual([]);
  });

  it('without --client the policy names a placeholder and says so', async () => {
    const { doc, stderr } = await zot([]);
    expect(JSON.stringify(doc)).toContain('"IDENTITY"');
    expect(stderr).toMatch(/pass --client NAME/);
  });

  it('--json carries the identity source next to the document', async () => {
    const r = await runCli(['config', 'zot', '--dir', pki, '--host', 'zot.example.com', '--identity', 'uri', '--client', 'alice', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.zot).toMatchObject({ identity: 'uri', identityAttribute: 'URI', user: 'spiffe://example.org/ci/alice' });
    expect(JSON.parse(j.content).http.auth.mtls).toEqual({ identityAttributes: ['URI'] });
  });
});

describe('config zot refuses what zot would refuse (exit 2, nothing printed on stdout)', () => {
  it.each([
    [['--identity', 'ou'], /unknown --identity/],
    [['--uri-pattern', '(.*)'], /only applies to --identity uri/],
    [['--identity', 'uri', '--uri-pattern', 'spiffe://x/.*'], /no capture group/],
    [['--identity', 'uri', '--uri-pattern', '(?=a)(b)'], /look-around or a back-reference/],
    [['--identity', 'uri', '--uri-pattern', '(a)\\1'], /look-around or a back-reference/],
    [['--identity', 'uri', '--uri-pattern', '(['], /not a regular expression/],
    [['--identity', 'uri', '--uri-pattern', 'x'.repeat(600)], /1 to 512/],
    [['--identity', 'uri', '--uri-pattern', '^spiffe://other.org/(.+)$', '--client', 'alice'], /does not match/],
    [['--identity', 'email', '--client', 'bob'], /has no email SAN/],
    [['--client', '../alice'], /./],
    [['--host', 'a/b'], /invalid --host/],
  ])('%j', async (args, message) => {
    const r = await runCli(['config', 'zot', '--dir', pki, '--host', 'zot.example.com', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
  beforeAll(async () => {
    await cliOk(['issue', 'bob', '--client', '--dir', pki]);
  });
});
