/**
 * Which registry CA install-host, export and config client use, and how the
 * client chain is judged against it (io/client-identity.ts
 * registryCaSource): one table of inputs run through all three commands
 * with the same outcome — exit code, message, hint, warning, the CA each
 * one lays out, and nothing written on a refusal. The differences that
 * stay are the flags a command lacks: install-host has no --client (its
 * --client is an unknown option), export and config client no --fetch-ca;
 * each hint names only the command's own flags.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliOk, runCli, runOk } from '../helpers/cli.js';
import { freePort, requireBinary, startServer, type Server } from '../helpers/proc.js';
import { makePoolAt } from '../helpers/pool.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('openssl');

const T = tmpDir('regcert-ca-source-');
const p = (...s: string[]) => path.join(T, ...s);
const HOST = 'reg.test:5000';

/** One command under test: its argv writing into `out`, and the registry CA PEM it laid out there (or named, for config client). */
interface Cmd {
  argv(out: string, host?: string): string[];
  /** The CA the command used, read back from what it wrote. */
  usedCa(out: string, host?: string): string;
  /** What its "no registry CA given" hint names (and must not name). */
  hintHas: RegExp[];
  hintLacks: RegExp[];
  /** --client NAME --dir PKI is one of its flags. */
  client: boolean;
}

const COMMANDS: Record<string, Cmd> = {
  'install-host': {
    argv: (out, host = HOST) => ['install-host', host, '--runtime', 'podman', '--certs-dir', out],
    usedCa: (out, host = HOST) => readFileSync(path.join(out, host, 'ca.crt'), 'utf8'),
    hintHas: [/--ca FILE/, /--fetch-ca with --fingerprint SHA256 \(or --yes\)/],
    hintLacks: [/--client/],
    client: false,
  },
  export: {
    argv: (out, host = HOST) => ['export', 'k3s', '--host', host, '--out', out],
    usedCa: (out, host = HOST) => readFileSync(path.join(out, 'etc/rancher/k3s/certs.d', host, 'ca.crt'), 'utf8'),
    hintHas: [/--ca FILE/, /--client NAME --dir PKI to use PKI\/ca\.crt/],
    hintLacks: [/--fetch-ca/],
    client: true,
  },
  'config client': {
    argv: (out, host = HOST) => ['config', 'client', '--tool', 'oras', '--host', host, '--certs-dir', path.join(out, 'certs.d'), '--out', path.join(out, 'recipe.txt')],
    // config client writes the recipe; the CA is the one its install-host line passes (--ca FILE, or the --bundle's ca.pem).
    usedCa: (out) => {
      const line = readFileSync(path.join(out, 'recipe.txt'), 'utf8').split('\n').find((l) => l.startsWith('regcert install-host '))!;
      const ca = / --ca (\S+)/.exec(line);
      return readFileSync(ca ? ca[1]! : path.join(/ --bundle (\S+)/.exec(line)![1]!, 'ca.pem'), 'utf8');
    },
    hintHas: [/--ca FILE/, /--client NAME --dir PKI to use PKI\/ca\.crt/],
    hintLacks: [/--fetch-ca/],
    client: true,
  },
};
const NAMES = Object.keys(COMMANDS);

/** The certificates of a PEM text, whitespace aside (regcert re-encodes what it copies). */
const certs = (pem: string) => pem.replace(/\s/g, '');

let n = 0;
/** A fresh output location that does not exist yet. */
const fresh = () => p('out', String(n++));

const servers: Server[] = [];
let fetchHost = '';
let fetchFp = '';

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', p('pki'), '--cn', 'Source CA']);
  await cliOk(['issue', 'alice', '--client', '--dir', p('pki')]);
  await cliOk(['issue', 'srv', '--server', '--san', '127.0.0.1', '--dir', p('pki')]);
  await cliOk(['init-ca', '--dir', p('other'), '--cn', 'Other CA']);
  // --client alice --dir noca: the pair without the PKI's ca.crt.
  mkdirSync(p('noca'));
  for (const f of ['alice.crt', 'alice.key']) writeFileSync(p('noca', f), readFileSync(p('pki', f)));
  // A client bundle whose ca.pem is the PKI's CA.
  mkdirSync(p('bundle'));
  writeFileSync(p('bundle', 'cert.pem'), readFileSync(p('pki', 'alice.crt')));
  writeFileSync(p('bundle', 'key.pem'), readFileSync(p('pki', 'alice.key')));
  writeFileSync(p('bundle', 'ca.pem'), readFileSync(p('pki', 'ca.crt')));
  // bob: a client leaf under an intermediate of the PKI whose EKU is serverAuth only — reaches pki/ca.crt, refused for clientAuth.
  writeFileSync(
    p('ext.cnf'),
    [
      '[ ca_eku_server ]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'extendedKeyUsage = serverAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '[ leaf_client ]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = clientAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      '',
    ].join('\n'),
  );
  const ossl = (args: string[]) => runOk('openssl', args, { cwd: T });
  for (const [name, issuer, caKey, section, serial] of [
    ['srvca', 'pki/ca.crt', 'pki/ca.key', 'ca_eku_server', '7'],
    ['bob', 'srvca.crt', 'srvca.key', 'leaf_client', '8'],
  ] as const) {
    await ossl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    await ossl(['x509', '-req', '-in', `${name}.csr`, '-CA', issuer, '-CAkey', caKey, '-set_serial', serial, '-days', '30', '-sha256', '-extfile', 'ext.cnf', '-extensions', section, '-out', `${name}.crt`]);
  }
  writeFileSync(p('bobchain.pem'), readFileSync(p('bob.crt'), 'utf8') + readFileSync(p('srvca.crt'), 'utf8'));
  // Bundles whose ca.pem the client chain reaches but is refused by (bob), and does not reach (alice under Other CA).
  for (const [dir, cert, key, ca] of [
    ['bobbundle', 'bobchain.pem', 'bob.key', 'pki/ca.crt'],
    ['otherbundle', 'pki/alice.crt', 'pki/alice.key', 'other/ca.crt'],
  ] as const) {
    mkdirSync(p(dir));
    writeFileSync(p(dir, 'cert.pem'), readFileSync(p(cert)));
    writeFileSync(p(dir, 'key.pem'), readFileSync(p(key)));
    writeFileSync(p(dir, 'ca.pem'), readFileSync(p(ca)));
  }
  // A client certificate of the PKI that expired in 2020 (the product's own builder, its clock set back).
  makePoolAt(p('pki'), ['old'], { now: new Date('2020-01-01T00:00:00Z'), days: 30, out: p('expired') });
  // A registry serving /ca (regcert serve: the PKI's ca.crt) for install-host --fetch-ca.
  const port = await freePort();
  servers.push(await startServer(process.execPath, [BIN, 'serve', '--dir', p('pki'), '--port', String(port), '--server-cert', 'srv'], port));
  fetchHost = `127.0.0.1:${port}`;
  const fp = await runOk('openssl', ['x509', '-in', p('pki', 'ca.crt'), '-noout', '-fingerprint', '-sha256']);
  fetchFp = fp.stdout.split('=')[1]!.trim();
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
});

const alice = () => ['--cert', p('pki', 'alice.crt'), '--key', p('pki', 'alice.key')];

describe.each(NAMES)('%s: the registry CA source', (name) => {
  const c = COMMANDS[name]!;

  it('no CA given: exit 2, "no registry CA given", a hint naming only its own flags, nothing written', async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), ...alice()]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('regcert: no registry CA given');
    const hint = r.stderr.split('\n').find((l) => l.startsWith('hint: '))!;
    for (const re of c.hintHas) expect(hint).toMatch(re);
    for (const re of c.hintLacks) expect(hint).not.toMatch(re);
    expect(existsSync(out)).toBe(false);
  });

  it('no CA given and a --cert that does not exist: the missing CA is refused first (options before files)', async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), '--cert', p('nope.crt'), '--key', p('pki', 'alice.key')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('regcert: no registry CA given');
    expect(r.stderr).not.toContain('nope.crt');
    expect(existsSync(out)).toBe(false);
  });

  it('--ca FILE that does not exist: exit 2, the file named, nothing written', async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), ...alice(), '--ca', p('missing.crt')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`regcert: CA certificate not found at ${p('missing.crt')}`);
    expect(r.stderr).toContain('hint: check the path given to --ca');
    expect(existsSync(out)).toBe(false);
  });

  it('--ca FILE the chain reaches: exit 0, no chain warning, that CA laid out', async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), ...alice(), '--ca', p('pki', 'ca.crt')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('does not chain');
    expect(certs(c.usedCa(out))).toBe(certs(readFileSync(p('pki', 'ca.crt'), 'utf8')));
  });

  it('--ca FILE the chain does not reach: a warning naming both files, exit 0, that CA laid out', async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), ...alice(), '--ca', p('other', 'ca.crt')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${p('pki', 'alice.crt')} does not chain to ${p('other', 'ca.crt')} and carries no intermediate: fine if the registry trusts another client CA`);
    expect(certs(c.usedCa(out))).toBe(certs(readFileSync(p('other', 'ca.crt'), 'utf8')));
  });

  it('a chain that reaches --ca but is refused (its CA omits clientAuth): exit 2, the reason, nothing written', async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), '--cert', p('bobchain.pem'), '--key', p('bob.key'), '--ca', p('pki', 'ca.crt')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`regcert: ${p('bobchain.pem')} would be refused by a registry that trusts ${p('pki', 'ca.crt')}: the CA "CN=srvca" on its chain does not permit clientAuth`);
    expect(r.stderr).toContain('hint: issue a new client certificate');
    expect(existsSync(out)).toBe(false);
  });

  it("--bundle: its ca.pem is judged as any CA: a chain it refuses is exit 2 with the reason, nothing written; one that does not reach it is taken without a warning", async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), '--bundle', p('bobbundle')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`regcert: ${p('bobbundle')} would be refused by a registry that trusts the ca.pem of ${p('bobbundle')}: the CA "CN=srvca" on its chain does not permit clientAuth`);
    expect(existsSync(out)).toBe(false);
    const out2 = fresh();
    const o = await runCli([...c.argv(out2), '--bundle', p('otherbundle')]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stderr).not.toContain('does not chain');
    expect(certs(c.usedCa(out2))).toBe(certs(readFileSync(p('other', 'ca.crt'), 'utf8')));
  });

  it('an expired client certificate is refused (exit 2, renew hint) even with a CA it does not reach, nothing written', async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), '--cert', p('expired', 'old.crt'), '--key', p('expired', 'old.key'), '--ca', p('other', 'ca.crt')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^regcert: the client certificate .*old\.crt is expired on 2020-01-31T\d\d:\d\d:\d\d\.\d{3}Z: registries refuse it\nhint: renew it/m);
    expect(existsSync(out)).toBe(false);
  });

  it('--bundle: its ca.pem is the CA, taken as the bundle carries it; --ca overrides it and is judged', async () => {
    const out = fresh();
    const r = await runCli([...c.argv(out), '--bundle', p('bundle')]);
    expect(r.code, r.stderr).toBe(0);
    expect(certs(c.usedCa(out))).toBe(certs(readFileSync(p('bundle', 'ca.pem'), 'utf8')));
    const out2 = fresh();
    const o = await runCli([...c.argv(out2), '--bundle', p('bundle'), '--ca', p('other', 'ca.crt')]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stderr).toContain(`${p('bundle')} does not chain to ${p('other', 'ca.crt')}`);
    expect(certs(c.usedCa(out2))).toBe(certs(readFileSync(p('other', 'ca.crt'), 'utf8')));
  });

  if (c.client) {
    it('--client NAME --dir PKI: PKI/ca.crt is the CA, exit 0', async () => {
      const out = fresh();
      const r = await runCli([...c.argv(out), '--client', 'alice', '--dir', p('pki')]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('does not chain');
      expect(certs(c.usedCa(out))).toBe(certs(readFileSync(p('pki', 'ca.crt'), 'utf8')));
    });

    it('--client NAME --dir PKI with --ca: --ca overrides PKI/ca.crt and is judged (warning), exit 0', async () => {
      const out = fresh();
      const r = await runCli([...c.argv(out), '--client', 'alice', '--dir', p('pki'), '--ca', p('other', 'ca.crt')]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${p('pki', 'alice.crt')} does not chain to ${p('other', 'ca.crt')}`);
      expect(certs(c.usedCa(out))).toBe(certs(readFileSync(p('other', 'ca.crt'), 'utf8')));
    });

    it('--client NAME --dir PKI without PKI/ca.crt: exit 2, the hint points at --dir (not at a --ca never given), nothing written', async () => {
      const out = fresh();
      const r = await runCli([...c.argv(out), '--client', 'alice', '--dir', p('noca')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`regcert: CA certificate not found at ${p('noca', 'ca.crt')}`);
      expect(r.stderr).toContain(`hint: check --dir (regcert init-ca --dir ${p('noca')} writes ca.crt there), or pass --ca FILE`);
      expect(existsSync(out)).toBe(false);
    });

    it('--fetch-ca is not one of its flags: exit 2, nothing written', async () => {
      const out = fresh();
      const r = await runCli([...c.argv(out), ...alice(), '--fetch-ca']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/unknown option '--fetch-ca'/);
      expect(existsSync(out)).toBe(false);
    });
  } else {
    it('--client is not one of its flags: exit 2, nothing written', async () => {
      const out = fresh();
      const r = await runCli([...c.argv(out), '--client', 'alice', '--dir', p('pki')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/unknown option '--client'/);
      expect(existsSync(out)).toBe(false);
    });

    it('--ca with --fetch-ca: exit 2, exclusive, nothing written', async () => {
      const out = fresh();
      const r = await runCli([...c.argv(out), ...alice(), '--ca', p('pki', 'ca.crt'), '--fetch-ca', '--fingerprint', fetchFp]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('regcert: --ca and --fetch-ca are exclusive');
      expect(existsSync(out)).toBe(false);
    });

    it('--fetch-ca: the downloaded CA is judged as --ca is — a chain that reaches it but is refused: exit 2, nothing written', async () => {
      const out = fresh();
      const r = await runCli([...c.argv(out, fetchHost), '--cert', p('bobchain.pem'), '--key', p('bob.key'), '--fetch-ca', '--fingerprint', fetchFp]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`regcert: ${p('bobchain.pem')} would be refused by a registry that trusts https://${fetchHost}/ca: the CA "CN=srvca" on its chain does not permit clientAuth`);
      expect(existsSync(out)).toBe(false);
    });

    it('--fetch-ca: a chain that does not reach the downloaded CA warns; one that does is laid out quietly', async () => {
      const out = fresh();
      const other = await cliOk(['issue', 'mallory', '--client', '--dir', p('other')]);
      expect(other.code).toBe(0);
      const r = await runCli([...c.argv(out, fetchHost), '--cert', p('other', 'mallory.crt'), '--key', p('other', 'mallory.key'), '--fetch-ca', '--fingerprint', fetchFp]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${p('other', 'mallory.crt')} does not chain to https://${fetchHost}/ca and carries no intermediate`);
      expect(certs(c.usedCa(out, fetchHost))).toBe(certs(readFileSync(p('pki', 'ca.crt'), 'utf8')));
      const out2 = fresh();
      const ok = await runCli([...c.argv(out2, fetchHost), ...alice(), '--fetch-ca', '--fingerprint', fetchFp]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).not.toContain('does not chain');
      expect(certs(c.usedCa(out2, fetchHost))).toBe(certs(readFileSync(p('pki', 'ca.crt'), 'utf8')));
    });
  }
});
