/**
 * Issue 20 acceptance: one table of (anchor, chain, leaf) cases, built with
 * openssl, fed to doctor, install-host, verify, inspect and to-p12 through
 * the built CLI; each must give the same verdict for client use, the one
 * core/chain.ts decides. The verdicts about EKUs, expiry and signatures are
 * the ones Go gives: each case is also presented to the real CNCF
 * distribution registry (docker-registry, Go's verifier, clientcas = the
 * anchor) with curl, and its handshake must agree, except for the depth
 * limit, which is regcert's own bound (Go has none but its 100 signature
 * checks).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runCli, runOk } from '../helpers/cli.js';
import { requireBinary, type Server } from '../helpers/proc.js';
import { startDistribution } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('openssl');
requireBinary('docker-registry');
requireBinary('curl');

const T = tmpDir('regcert-trust-table-');
const HOST = 'reg.test:5000';

/** An openssl extension section: a CA or a leaf, with the lines given; every certificate here carries key identifiers. */
const section = (name: string, ca: boolean, ...lines: string[]): string =>
  [
    `[ ${name} ]`,
    `basicConstraints = critical, CA:${ca ? 'TRUE' : 'FALSE'}`,
    `keyUsage = critical, ${ca ? 'keyCertSign, cRLSign' : 'digitalSignature'}`,
    ...lines,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ].join('\n');

const EXT = `${[
  section('ca', true),
  section('ca_eku_server', true, 'extendedKeyUsage = serverAuth'),
  section('leaf_noeku', false),
  section('leaf_client', false, 'extendedKeyUsage = clientAuth'),
  section('leaf_server', false, 'extendedKeyUsage = serverAuth', 'subjectAltName = IP:127.0.0.1'),
  section('leaf_any', false, 'extendedKeyUsage = 2.5.29.37.0'),
].join('\n')}\n`;

const p = (...s: string[]) => path.join(T, ...s);
const ossl = (args: string[]) => runOk('openssl', args, { cwd: T });
let serial = 100;

/** A P-256 key and a CSR for CN=name. */
async function csr(name: string): Promise<void> {
  await ossl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  chmodSync(p(`${name}.key`), 0o600);
}

/** name.crt signed by issuer with the [section] of EXT. */
async function sign(name: string, issuer: string, section: string): Promise<void> {
  await csr(name);
  await ossl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-set_serial', String(serial++), '-days', '30', '-sha256', '-extfile', 'ext.cnf', '-extensions', section, '-out', `${name}.crt`]);
}

/** An intermediate valid only in 2020: `openssl ca` is the openssl 3.0 way to set past dates. */
async function signExpired(name: string, issuer: string): Promise<void> {
  await csr(name);
  mkdirSync(p('ca-db'), { recursive: true });
  writeFileSync(p('ca-db', 'index.txt'), '');
  writeFileSync(p('ca-db', 'serial'), '1000\n');
  writeFileSync(
    p('ca.cnf'),
    `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${p('ca-db', 'index.txt')}\nnew_certs_dir = ${p('ca-db')}\nserial = ${p('ca-db', 'serial')}\ndefault_md = sha256\npolicy = any\nunique_subject = no\n[ any ]\ncommonName = supplied\n`,
  );
  await ossl(['ca', '-batch', '-config', 'ca.cnf', '-cert', `${issuer}.crt`, '-keyfile', `${issuer}.key`, '-in', `${name}.csr`, '-out', `${name}.crt`, '-startdate', '20200101000000Z', '-enddate', '20210101000000Z', '-extfile', 'ext.cnf', '-extensions', 'ca', '-notext']);
}

/** The PEM of files, concatenated: leaf first, then its intermediates. */
function bundle(out: string, names: string[]): string {
  writeFileSync(p(out), names.map((n) => readFileSync(p(`${n}.crt`), 'utf8')).join(''));
  return p(out);
}

interface Case {
  name: string;
  /** The file with the leaf and its intermediates, and the leaf's key. */
  cert: string;
  key: string;
  /** regcert's verdict for client use, the same from every command. */
  accepted: boolean;
  /** What Go (docker-registry) does; undefined where regcert's own bound decides. */
  go?: boolean;
  /** What the refusal says (core/chain.ts reason), where it is worth pinning. */
  why?: RegExp;
}

const cases: Case[] = [];
let registry: Server | undefined;
let port = 0;

beforeAll(async () => {
  writeFileSync(p('ext.cnf'), EXT);
  await ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.crt', '-subj', '/CN=Table Root', '-days', '3650', '-config', 'ext.cnf', '-extensions', 'ca']);
  // The registry's own server certificate, from the same root (verify's --ca trusts it).
  await sign('server', 'root', 'leaf_server');

  await sign('noeku', 'root', 'leaf_noeku');
  cases.push({ name: 'no EKU extension (any purpose, RFC 5280)', cert: bundle('noeku.pem', ['noeku']), key: p('noeku.key'), accepted: true, go: true });
  await sign('client', 'root', 'leaf_client');
  cases.push({ name: 'clientAuth only', cert: bundle('client.pem', ['client']), key: p('client.key'), accepted: true, go: true });
  await sign('serveronly', 'root', 'leaf_server');
  cases.push({ name: 'serverAuth only', cert: bundle('serveronly.pem', ['serveronly']), key: p('serveronly.key'), accepted: false, go: false, why: /clientAuth/ });
  await sign('any', 'root', 'leaf_any');
  cases.push({ name: 'anyExtendedKeyUsage', cert: bundle('any.pem', ['any']), key: p('any.key'), accepted: true, go: true });

  await sign('srvca', 'root', 'ca_eku_server');
  await sign('undersrvca', 'srvca', 'leaf_client');
  cases.push({ name: 'a CA whose EKU omits clientAuth', cert: bundle('undersrvca.pem', ['undersrvca', 'srvca']), key: p('undersrvca.key'), accepted: false, go: false, why: /the CA "CN=srvca" on its chain does not permit clientAuth/ });

  await signExpired('oldca', 'root');
  await sign('underoldca', 'oldca', 'leaf_client');
  cases.push({ name: 'an expired intermediate', cert: bundle('underoldca.pem', ['underoldca', 'oldca']), key: p('underoldca.key'), accepted: false, go: false, why: /"CN=oldca" expired on 2021-01-01/ });

  await sign('badsig', 'root', 'leaf_client');
  const pem = readFileSync(p('badsig.crt'), 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 1]! ^= 0x01; // the last byte of the signature
  writeFileSync(p('badsig-broken.crt'), `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
  cases.push({ name: 'a bad signature', cert: bundle('badsig.pem', ['badsig-broken']), key: p('badsig.key'), accepted: false, go: false, why: /signature of "CN=badsig" does not verify/ });

  // Eight intermediates: nine certificates above the leaf, one more than MAX_CHAIN_DEPTH (8).
  const deep: string[] = [];
  for (let i = 1, issuer = 'root'; i <= 8; issuer = `deep${i}`, i++) {
    await sign(`deep${i}`, issuer, 'ca');
    deep.unshift(`deep${i}`);
  }
  await sign('deepleaf', 'deep8', 'leaf_client');
  cases.push({ name: 'a chain longer than the depth limit', cert: bundle('deepleaf.pem', ['deepleaf', ...deep]), key: p('deepleaf.key'), accepted: false, why: /longer than 8 certificates/ });

  const started = await startDistribution(p('registry'), { cert: p('server.crt'), key: p('server.key'), clientCa: p('root.crt') });
  registry = started.server;
  port = started.port;
  writeFileSync(p('pw'), 'table-test\n', { mode: 0o600 });
}, 240_000);

afterAll(async () => {
  await registry?.stop();
});

/** Each command's answer for one case: true = accepted for client use. */
const commands: Record<string, (c: Case, i: number) => Promise<{ accepted: boolean; output: string }>> = {
  async doctor(c, i) {
    const dir = p(`doctor-${i}`, HOST);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'ca.crt'), readFileSync(p('root.crt')));
    writeFileSync(path.join(dir, 'client.cert'), readFileSync(c.cert));
    writeFileSync(path.join(dir, 'client.key'), readFileSync(c.key), { mode: 0o600 });
    const r = await runCli(['doctor', '--certs-dir', `docker=${p(`doctor-${i}`)}`, '--daemon-json', p('no-daemon.json'), '--runtime', 'docker', '--json']);
    const doc = JSON.parse(r.stdout);
    const problems = doc.hosts.flatMap((h: any) => h.problems) as Array<{ code: string; message: string }>;
    const trust = problems.filter((x) => x.code === 'no-client-auth' || x.code === 'untrusted-chain');
    return { accepted: trust.length === 0, output: `${r.code} ${problems.map((x) => `${x.code}: ${x.message}`).join('; ')}` };
  },
  async 'install-host'(c, i) {
    const r = await runCli(['install-host', HOST, '--cert', c.cert, '--key', c.key, '--ca', p('root.crt'), '--certs-dir', p(`install-${i}`), '--runtime', 'docker']);
    return { accepted: r.code === 0, output: `${r.code} ${r.stderr}` };
  },
  async verify(c) {
    const r = await runCli(['verify', `https://127.0.0.1:${port}`, '--cert', c.cert, '--key', c.key, '--ca', p('root.crt'), '--api', 'registry', '--timeout', '10']);
    return { accepted: r.code === 0, output: `${r.code} ${r.stdout} ${r.stderr}` };
  },
  async inspect(c) {
    const r = await runCli(['inspect', c.cert, '--ca', p('root.crt'), '--purpose', 'client', '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.verdicts).toHaveLength(1);
    expect(doc.verdicts[0].ok).toBe(r.code === 0);
    return { accepted: r.code === 0, output: `${r.code} ${doc.verdicts.map((v: any) => v.reason).join('; ')}` };
  },
  async 'to-p12'(c, i) {
    const r = await runCli(['to-p12', '--cert', c.cert, '--key', c.key, '--ca', p('root.crt'), '--purpose', 'client', '--out', p(`out-${i}.p12`), '--password-file', p('pw')]);
    return { accepted: r.code === 0, output: `${r.code} ${r.stderr}` };
  },
};

describe('one verdict per (anchor, chain, leaf), from every command that judges a chain', () => {
  it('the table covers the eight cases of the issue', () => {
    expect(cases.map((c) => c.name)).toHaveLength(8);
  });

  for (const [i, name] of [
    'no EKU extension (any purpose, RFC 5280)',
    'clientAuth only',
    'serverAuth only',
    'anyExtendedKeyUsage',
    'a CA whose EKU omits clientAuth',
    'an expired intermediate',
    'a bad signature',
    'a chain longer than the depth limit',
  ].entries()) {
    it(`${name}: doctor, install-host, verify, inspect and to-p12 agree`, async () => {
      const c = cases.find((x) => x.name === name)!;
      const got: Record<string, boolean> = {};
      const outputs: string[] = [];
      for (const [cmd, ask] of Object.entries(commands)) {
        const a = await ask(c, i);
        got[cmd] = a.accepted;
        outputs.push(`${cmd}: ${a.output}`);
        if (!c.accepted && c.why && cmd !== 'verify') expect(a.output, cmd).toMatch(c.why);
      }
      const want = Object.fromEntries(Object.keys(commands).map((k) => [k, c.accepted]));
      expect(got, outputs.join('\n')).toEqual(want);
    }, 120_000);

    it(`${name}: Go's verifier (docker-registry, clientcas = the anchor) agrees`, async (ctx) => {
      const c = cases.find((x) => x.name === name)!;
      const r = await run('curl', ['-sS', '--max-time', '10', '--cacert', p('root.crt'), '--cert', c.cert, '--key', c.key, `https://127.0.0.1:${port}/v2/`]);
      const handshake = r.code === 0 && r.stdout.trim() === '{}';
      if (c.go === undefined) {
        // regcert's depth bound: Go accepts the long chain, regcert refuses it (every command above).
        expect(handshake, r.stderr).toBe(true);
        ctx.annotate?.('Go has no depth limit; the refusal is regcert policy');
        return;
      }
      expect(handshake, `${r.code} ${r.stdout} ${r.stderr}`).toBe(c.go);
      if (name === 'a CA whose EKU omits clientAuth') expect(registry!.output()).toContain('incompatible key usage');
    }, 60_000);
  }
});
