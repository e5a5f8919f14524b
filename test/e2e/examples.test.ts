/**
 * Issue 22: every example works as written. This extracts every command line
 * from README.md's ```sh blocks and from every command's `--help` Examples,
 * and runs each with `sh -c` exactly as written (regcert and sudo are on
 * PATH: sudo runs the command as is, we are root), in a private mount and
 * network namespace:
 *   - /etc, /root, /var/lib and /usr/local/share are overlays whose changes
 *     land in the temp dir (install-host, trust-ca, config --out write there);
 *   - /etc/hosts maps registry.example.com to 10.0.0.5 and msr.example.com to
 *     10.0.0.6, addresses on the namespace's own loopback, so the names in the
 *     text are reached as written, on port 443.
 * The README runs top to bottom in one directory, as a reader follows it;
 * each --help example runs in a fresh directory of its own (they are
 * alternatives, not a sequence). Inputs the text implies (pki/, alice.crt,
 * pw.txt, bot.csr, users.csv as its comment shows it, a UCP bundle…) are
 * copied in from one fixture PKI when the line names them and they are not
 * there yet; placeholders written with "…" or PORT are filled in.
 * Outcomes are checked by the peer that consumes them: every server
 * certificate an example issues by OpenSSL's host-name check and its SAN list
 * for each name the text gives; the README's by-hand flow by a real
 * docker-registry configured from `regcert config registry`, reached as
 * registry.example.com, which `verify` logs into and skopeo pushes to through
 * the certs.d folder `install-host` wrote; verify/fetch-ca/install-host
 * --fetch-ca help examples against `regcert serve` under those names.
 * Examples that cannot run here are listed in SKIP with the reason, and printed.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, cliOk, run, type CliResult } from '../helpers/cli.js';
import { requireRoot, waitFor } from '../helpers/daemons.js';
import { requireBinary, spawnStoppable, type Server } from '../helpers/proc.js';
import { makeOciLayout } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-examples-');
const FIX = path.join(T, 'fixtures');
const COMMANDS = ['quickstart', 'init-ca', 'issue', 'list', 'renew', 'revoke', 'crl', 'to-p12', 'install-host', 'fetch-ca', 'trust-ca', 'verify', 'serve', 'inspect', 'doctor', 'config', 'export'];

/** Examples that cannot run here, with the reason (printed by the test). Keys are the lines as extracted. */
const SKIP: Record<string, string> = {
  'npm ci && npm run build && node bin/regcert.js quickstart --dir ./regcert-quickstart':
    'builds the checkout this test runs from (npm ci needs the network); its quickstart part is the "regcert quickstart" example, run here',
  'bash scripts/setup.sh && npm test': 'installs Debian packages and runs the whole suite, this test included',
  'npm ci && npm run build': 'builds the checkout this test runs from (needs the network)',
  'npx vitest run test/core': 'the unit tests: run by the suite itself',
  'npm run lint': 'run by CI on the checkout, not a user-facing command',
  'npm run typecheck': 'run by CI on the checkout, not a user-facing command',
  'bash .ci/run': 'what CI runs: the whole suite, this test included',
  'npm run bench': 'benchmarks (hyperfine, cfssl): minutes of wall clock, measured alone',
  'regcert renew registry.example.com --rekey --exec "systemctl reload nginx"':
    'reloads nginx through systemd: no systemd runs here (renew --exec itself is tested in test/e2e/renew.test.ts)',
};

/** Exit codes other than 0 that the text promises for a line. */
const EXIT: Record<string, number[]> = {
  // "exit 1 when anything is wrong": a machine's certs.d may or may not have problems; a crash or usage error (2) never passes.
  'sudo regcert doctor': [0, 1],
  'sudo regcert doctor registry.example.com:5000 --runtime podman': [0, 1],
  'sudo regcert doctor registry.example.com:5000 --probe': [0, 1], // exit 1 where no folder for it is installed here: doctor-probe.test.ts proves the probe against a live registry
  'regcert doctor --certs-dir docker=./certs.d --daemon-json ./daemon.json --json': [0, 1],
};

interface Example {
  source: string;
  line: string;
}

/** Command lines of README.md's ```sh blocks: comments dropped, comment-only lines skipped. */
function readmeExamples(): Example[] {
  const text = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const out: Example[] = [];
  for (const block of text.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    for (const raw of block[1]!.split('\n')) {
      const line = raw.replace(/\s{2,}#.*$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      out.push({ source: 'README.md', line });
    }
  }
  return out;
}

async function helpExamples(): Promise<Example[]> {
  const out: Example[] = [];
  for (const cmd of COMMANDS) {
    const r = await cliOk([cmd, '--help'], { env: { COLUMNS: '400' } });
    const examples = r.stdout.slice(r.stdout.indexOf('Examples:'));
    for (const m of examples.matchAll(/^\s+\$ (.*)$/gm)) out.push({ source: `regcert ${cmd} --help`, line: m[1]!.trim() });
  }
  return out;
}

/** A mount + network namespace held by a sleeping shell; everything runs in it through nsenter. */
class Namespace {
  private constructor(private readonly holder: Server) {}
  get pid(): number {
    return this.holder.pid;
  }

  /** A fresh machine: `label` names the overlays' directory, so each test starts from the host as it is. */
  static async start(label: string): Promise<Namespace> {
    const ov = (target: string, name: string) => {
      const dir = path.join(T, 'overlay', label, name);
      for (const d of ['up', 'work']) mkdirSync(path.join(dir, d), { recursive: true });
      return `mount -t overlay overlay -o lowerdir=${target},upperdir=${dir}/up,workdir=${dir}/work ${target}`;
    };
    const script = [
      ov('/etc', 'etc'),
      ov('/root', 'root'),
      ov('/var/lib', 'var-lib'),
      ov('/usr/local/share', 'usr-local-share'),
      "printf '127.0.0.1 localhost\\n10.0.0.5 registry.example.com\\n10.0.0.6 msr.example.com\\n' > /etc/hosts",
      'ip link set lo up',
      'ip addr add 10.0.0.5/32 dev lo',
      'ip addr add 10.0.0.6/32 dev lo',
      'echo ready',
      'exec sleep 3600',
    ].join(' && ');
    const holder = spawnStoppable(requireBinary('unshare'), ['-m', '-n', '--propagation', 'private', 'sh', '-c', script], { killAfterMs: 2000 });
    await waitFor('the namespace', () => holder.output().includes('ready') || holder.child.exitCode !== null, 10_000);
    if (!holder.output().includes('ready')) throw new Error(`unshare failed: ${holder.output()}`);
    return new Namespace(holder);
  }

  env(): Record<string, string> {
    return { PATH: `${path.join(T, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: '/root', NO_COLOR: '1', CI: '1', COLUMNS: '80' };
  }

  sh(line: string, cwd: string, timeoutMs = 120_000): Promise<CliResult> {
    return run('nsenter', ['-t', String(this.pid), '-m', '-n', '--', 'sh', '-c', `cd '${cwd}' && ${line}`], { env: this.env(), timeoutMs });
  }

  /** A long-running server inside the namespace, stopped by PID; resolves once it accepts TLS connections. */
  async serve(cmd: string, args: string[], addr: string): Promise<Server> {
    const s = spawnStoppable('nsenter', ['-t', String(this.pid), '-m', '-n', '--', cmd, ...args], { env: { ...process.env, ...this.env() } });
    servers.push(s);
    await waitFor(`${cmd} on ${addr}`, async () => {
      if (s.child.exitCode !== null) throw new Error(`${cmd} exited: ${s.output()}`);
      // Accepting connections: curl gets past TCP (exit 7 is "refused"; a TLS or HTTP answer is anything else but a timeout).
      const code = (await this.sh(`curl -sk -o /dev/null --max-time 2 https://${addr}/`, '/')).code;
      return code !== 7 && code !== 28;
    });
    return s;
  }

  stop(): Promise<void> {
    return this.holder.stop();
  }
}

const servers: Server[] = [];
const namespaces: Namespace[] = [];
let ns: Namespace;
async function freshMachine(label: string): Promise<void> {
  ns = await Namespace.start(label);
  namespaces.push(ns);
}

/** Inputs the examples name, made once from one PKI (the CA behind every server the examples reach). */
async function makeFixtures(): Promise<void> {
  const f = (...s: string[]) => path.join(FIX, ...s);
  mkdirSync(FIX, { recursive: true });
  await cliOk(['init-ca', '--dir', f('pki'), '--cn', 'Examples CA']);
  await cliOk(['issue', 'registry.example.com', '--dir', f('pki'), '--server', '--san', '10.0.0.5,127.0.0.1']);
  await cliOk(['issue', 'msr.example.com', '--dir', f('pki'), '--server']);
  for (const n of ['alice', 'nodes']) await cliOk(['issue', n, '--dir', f('pki'), '--client']);
  for (const n of ['alice', 'nodes']) for (const ext of ['crt', 'key']) cpSync(f('pki', `${n}.${ext}`), f(`${n}.${ext}`));
  cpSync(f('pki/ca.crt'), f('ca.crt'));
  writeFileSync(f('pw.txt'), 'example-password\n');
  writeFileSync(f('old.pw'), 'old-password\n');
  await cliOk(['to-p12', '--cert', f('alice.crt'), '--key', f('alice.key'), '--out', f('old.p12'), '--legacy', '--password-file', f('old.pw')]);
  await cliOk(['to-p12', '--cert', f('alice.crt'), '--key', f('alice.key'), '--out', f('alice.p12'), '--password-file', f('pw.txt')]);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('bot.key'), '-out', f('bot.csr'), '-subj', '/CN=build-bot']);
  await cliOk(['init-ca', '--intermediate', '--parent-dir', f('pki'), '--dir', f('pki-cluster')]);
  mkdirSync(f('pki-ca'));
  for (const x of ['ca.crt', 'ca.key']) cpSync(f('pki', x), f('pki-ca', x));
  // users.csv as the README's comment shows it.
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const csv = /cat users\.csv\n((?:# .*\n)+)/.exec(readme)![1]!.replace(/^# /gm, '');
  writeFileSync(f('users.csv'), csv);
  // An MKE/UCP client bundle: cert.pem, key.pem, ca.pem.
  mkdirSync(f('bundle'));
  cpSync(f('alice.crt'), f('bundle/cert.pem'));
  cpSync(f('alice.key'), f('bundle/key.pem'));
  cpSync(f('ca.crt'), f('bundle/ca.pem'));
  await run('zip', ['-j', '-q', f('ucp-bundle-alice.zip'), f('bundle/cert.pem'), f('bundle/key.pem'), f('bundle/ca.pem')]);
  writeFileSync(f('daemon.json'), '{"insecure-registries": []}\n');
  await cliOk(['install-host', 'registry.example.com', '--cert', f('alice.crt'), '--key', f('alice.key'), '--ca', f('ca.crt'), '--certs-dir', f('certs.d')]);
  mkdirSync(f('pool'));
  for (const n of ['alice', 'nodes', 'registry.example.com']) cpSync(f('pki', `${n}.crt`), f('pool', `${n}.crt`));
}

/** Relative paths the examples name, and where each comes from in the fixtures. pki: the CA alone (an example issuing alice must not find her there). */
const FIXTURES: Array<[string, string]> = [
  ['pki', 'pki-ca'],
  ['pki/ca-chain.crt', 'pki-cluster/ca-chain.crt'],
  ...['pki/alice.crt', 'pki/alice.key', 'pki-cluster', 'alice.crt', 'alice.key', 'nodes.crt', 'nodes.key', 'ca.crt', 'pw.txt', 'old.p12', 'old.pw', 'bot.csr', 'users.csv', 'ucp-bundle-alice.zip', 'daemon.json', 'certs.d', 'alice.p12', 'pool'].map(
    (p): [string, string] => [p, p],
  ),
];

/** Commands whose --dir defaults to pki: a line without --dir names pki all the same. */
const USES_PKI = /\bregcert (issue|list|renew|revoke|crl|serve|config (registry|nginx|mke-trust|msr-enable|token-auth|cron|systemd))\b/;

/** The directory a line creates (init-ca's --dir, default pki): never filled in from the fixtures. */
function creates(line: string): string | undefined {
  if (!/\bregcert init-ca\b/.test(line)) return undefined;
  return /--dir (\S+)/.exec(line)?.[1] ?? 'pki';
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Copies in the inputs a line names that its directory does not hold yet (and the absolute ones it implies). */
async function prepare(line: string, cwd: string): Promise<void> {
  const made = creates(line);
  const sh = async (script: string) => {
    const r = await ns.sh(script, cwd);
    expect(r.code, `${script}: ${r.stderr}`).toBe(0);
  };
  for (const [rel, from] of FIXTURES) {
    const named = new RegExp(`(^|[\\s=])(\\./)?${esc(rel)}(/|\\s|$)`).test(line) || (rel === 'pki' && USES_PKI.test(line) && !/--dir /.test(line));
    if (!named || rel === made || existsSync(path.join(cwd, rel))) continue;
    mkdirSync(path.dirname(path.join(cwd, rel)), { recursive: true });
    cpSync(path.join(FIX, from), path.join(cwd, rel), { recursive: true });
  }
  // A NAME that renew, revoke or export --client acts on, or the serial "4f1c2a…" of one: issued before, as the text implies.
  const subject =
    /\bregcert (?:renew|revoke) ([A-Za-z][\w.@+-]*)/.exec(line)?.[1] ?? /\bregcert (?:export|config) .*--client (\S+)/.exec(line)?.[1] ?? (line.includes('4f1c2a…') ? 'alice' : undefined);
  const dir = /--dir (\S+)/.exec(line)?.[1] ?? 'pki';
  if (subject !== undefined && !existsSync(path.join(cwd, dir, `${subject}.crt`)) && !dir.startsWith('/')) await sh(`regcert issue ${subject} --client --dir ${dir} >/dev/null`);
  // revoke --batch FILE: the leavers it names, issued before, one per line.
  const leavers = /\bregcert revoke .*--batch (\S+)/.exec(line)?.[1];
  if (leavers !== undefined && !existsSync(path.join(cwd, leavers))) {
    await sh(`regcert issue carol --client --dir ${dir} >/dev/null && regcert issue dave --client --dir ${dir} >/dev/null && printf 'carol\\ndave\\n' > ${leavers}`);
  }
  // config registry/nginx --host H read the server certificate H (issue H --server first, as the README does).
  const host = /\bregcert config (?:registry|nginx|zot) .*--host ([^\s:]+)/.exec(line)?.[1];
  if (host !== undefined && !line.includes('--server-cert') && !existsSync(path.join(cwd, dir, `${host}.crt`))) await sh(`regcert issue ${host} --server --dir ${dir} >/dev/null`);
  // NSS examples: the database Chromium creates on its first start (~/.pki/nssdb).
  if (/--store (nss|all)\b|sql:\$HOME\/\.pki\/nssdb/.test(line)) await sh('test -d ~/.pki/nssdb || { mkdir -p ~/.pki/nssdb && certutil -N -d sql:$HOME/.pki/nssdb --empty-password; }');
  // openssl reading pki/crl.pem: the CRL the line before ("regcert crl --dir pki") wrote.
  if (line.includes('pki/crl.pem') && !line.includes('regcert') && !existsSync(path.join(cwd, 'pki/crl.pem'))) await sh('regcert crl --dir pki >/dev/null');
  // "after regcert issue token-signing --token-signing" (config token-auth's own words).
  if (line.includes('config token-auth') && !existsSync(path.join(cwd, dir, 'token-signing.crt'))) await sh(`regcert issue token-signing --token-signing --dir ${dir} >/dev/null`);
  // "--ca-password-file F": a CA whose key is encrypted with the passphrase in F.
  const caPass = /--ca-password-file (\S+)/.exec(line)?.[1];
  if (caPass !== undefined && (await ns.sh(`test -f ${caPass}`, cwd)).code !== 0) {
    await sh(`printf 'ca-passphrase\\n' > ${caPass} && rm -rf ${dir} && regcert init-ca --dir ${dir} --key-password-file ${caPass} >/dev/null`);
  }
  // An absolute CA directory the text names (/etc/regcert/pki): the fixture CA with alice, inside the namespace.
  for (const abs of ['/etc/regcert/pki']) {
    if (line.includes(abs) && (await ns.sh(`test -d ${abs}`, cwd)).code !== 0) await sh(`mkdir -p /etc/regcert && cp -r '${FIX}/pki' ${abs}`);
  }
}

/** Placeholders the text writes with "…" or PORT, filled in with real values. */
async function fill(line: string, cwd: string, vars: { port?: number }): Promise<string> {
  let out = line;
  if (out.includes('sha256:AB12…')) {
    const fp = (await run('openssl', ['x509', '-in', path.join(FIX, 'pki/ca.crt'), '-noout', '-fingerprint', '-sha256'])).stdout.split('=')[1]!.trim();
    out = out.replace('sha256:AB12…', `sha256:${fp}`);
  }
  if (out.includes('4f1c2a…')) {
    const list = JSON.parse((await ns.sh('regcert list --dir pki --json', cwd)).stdout) as { certificates: Array<{ name: string; serial: string }> };
    out = out.replace('4f1c2a…', list.certificates.find((c) => c.name === 'alice')!.serial);
  }
  if (vars.port !== undefined) out = out.replace(/127\.0\.0\.1:PORT/g, `127.0.0.1:${vars.port}`);
  return out;
}

/** Each server certificate a line issues, as OpenSSL's host-name check sees it, for every name the text gives. */
async function checkServerCert(line: string, cwd: string): Promise<void> {
  const m = /\bregcert issue (\S+)(.*)$/.exec(line);
  if (!m || !/--server\b/.test(m[2]!) || /--csr|--batch/.test(m[2]!) || m[1]!.startsWith('-')) return;
  const name = m[1]!;
  const out = /--out-dir (\S+)/.exec(m[2]!)?.[1] ?? /--dir (\S+)/.exec(m[2]!)?.[1] ?? 'pki';
  const crt = path.join(cwd, out, `${name}.crt`);
  const sans = (await run('openssl', ['x509', '-in', crt, '-noout', '-ext', 'subjectAltName'])).stdout;
  const names = [...(/[.]/.test(name) ? [name] : []), ...[...m[2]!.matchAll(/--san (\S+)/g)].flatMap((x) => x[1]!.split(','))].filter((n) => !n.includes('@'));
  for (const n of names) {
    const ip = /^[0-9.]+$/.test(n);
    expect(sans, `${line}: ${crt} names ${n}`).toContain(ip ? `IP Address:${n}` : `DNS:${n}`);
    const check = await run('openssl', ['x509', '-in', crt, '-noout', ip ? '-checkip' : '-checkhost', n]);
    expect(check.stdout, `${line}: openssl -${ip ? 'checkip' : 'checkhost'} ${n}`).toMatch(/ does match /);
  }
}

const ran: string[] = [];
const skipped: string[] = [];

async function runExample(ex: Example, cwd: string, vars: { port?: number } = {}): Promise<CliResult | undefined> {
  if (SKIP[ex.line] !== undefined) {
    skipped.push(`${ex.source}: ${ex.line}\n    ${SKIP[ex.line]}`);
    return undefined;
  }
  await prepare(ex.line, cwd);
  const line = await fill(ex.line, cwd, vars);
  const r = await ns.sh(line, cwd);
  expect(EXIT[ex.line] ?? [0], `${ex.source}: ${line} exited ${r.code}\n${r.stdout}\n${r.stderr}`).toContain(r.code);
  await checkServerCert(line, cwd);
  ran.push(`${ex.source}: ${line}`);
  return r;
}

describe('every README and --help example works as written', () => {
  let layout: string;

  beforeAll(async () => {
    requireRoot('the examples test');
    for (const b of ['unshare', 'nsenter', 'ip', 'docker-registry', 'skopeo', 'openssl', 'zip', 'jq', 'curl']) requireBinary(b);
    mkdirSync(path.join(T, 'bin'));
    writeFileSync(path.join(T, 'bin', 'regcert'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
    writeFileSync(path.join(T, 'bin', 'sudo'), '#!/bin/sh\n# the test runs as root: sudo runs the command as it is\nexec "$@"\n');
    for (const b of ['regcert', 'sudo']) chmodSync(path.join(T, 'bin', b), 0o755);
    await makeFixtures();
    layout = makeOciLayout(path.join(T, 'oci'));
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const n of namespaces) await n.stop();
    console.log(`examples run: ${ran.length}\nexamples skipped (${skipped.length}), with reasons:\n  ${skipped.join('\n  ')}`);
  });

  it('every --help example, each in a fresh directory, against regcert serve under the names it uses', async () => {
    await freshMachine('help');
    const f = path.join(FIX, 'pki');
    // registry.example.com and 10.0.0.5:5000 (MSR-shaped: /ca, /basic_info, /v2/), 127.0.0.1:5000 a docker-registry (verify --api registry).
    const serve = (host: string, port: number, cert: string) => ns.serve(process.execPath, [BIN, 'serve', '--dir', f, '--host', host, '--port', String(port), '--server-cert', cert], `${host}:${port}`);
    const a = await serve('10.0.0.5', 443, 'registry.example.com');
    const b = await serve('10.0.0.5', 5000, 'registry.example.com');
    const c = await serve('10.0.0.6', 443, 'msr.example.com');
    const reg = path.join(T, 'help-registry');
    mkdirSync(path.join(reg, 'storage'), { recursive: true });
    writeFileSync(
      path.join(reg, 'config.yml'),
      `version: 0.1\nstorage:\n  filesystem: { rootdirectory: ${reg}/storage }\nhttp:\n  addr: 127.0.0.1:5000\n  secret: x\n  tls:\n    certificate: ${f}/registry.example.com.crt\n    key: ${f}/registry.example.com.key\n    clientcas: [ ${f}/ca.crt ]\n`,
    );
    const d = await ns.serve(requireBinary('docker-registry'), ['serve', path.join(reg, 'config.yml')], '127.0.0.1:5000');
    try {
      await helpRun();
    } finally {
      for (const s of [a, b, c, d]) await s.stop();
    }
  }, 900_000);

  async function helpRun(): Promise<void> {
    const examples = await helpExamples();
    expect(examples.length).toBeGreaterThanOrEqual(COMMANDS.length * 2);
    for (let i = 0; i < examples.length; i++) {
      const ex = examples[i]!;
      const cwd = path.join(T, 'help', String(i));
      mkdirSync(cwd, { recursive: true });
      if (/^regcert serve\b/.test(ex.line)) {
        // A server runs until stopped: started in the background, the next example (verify) logs into it.
        await prepare(ex.line, cwd);
        const s = await ns.serve(process.execPath, [BIN, ...ex.line.split(' ').slice(1)].map((x) => (x === 'pki' ? path.join(cwd, 'pki') : x)), '127.0.0.1:8443');
        ran.push(`${ex.source}: ${ex.line} (in the background)`);
        const next = examples[++i]!;
        const vcwd = path.join(T, 'help', String(i));
        mkdirSync(vcwd, { recursive: true });
        cpSync(path.join(cwd, 'pki'), path.join(vcwd, 'pki'), { recursive: true });
        await runExample(next, vcwd);
        await s.stop();
        continue;
      }
      await runExample(ex, cwd);
    }
  }

  it('the README top to bottom in one directory; the by-hand registry is a real docker-registry reached as registry.example.com', async () => {
    await freshMachine('readme');
    const cwd = path.join(T, 'readme');
    mkdirSync(cwd);
    let msr: Server | undefined;
    let registry: Server | undefined;
    let serve: { server: Server; port: number } | undefined;
    for (const ex of readmeExamples()) {
      if (ex.line.includes('https://msr.example.com') && !msr) {
        // msr.example.com, where the UCP bundle examples log in (MSR-shaped: /ca, /basic_info), once the by-hand registry has stopped.
        msr = await ns.serve(process.execPath, [BIN, 'serve', '--dir', path.join(FIX, 'pki'), '--host', '10.0.0.6', '--port', '443', '--server-cert', 'msr.example.com'], '10.0.0.6:443');
      }
      if (ex.line.includes('127.0.0.1:PORT') && !serve) {
        // "regcert serve --dir pki --port 0 listens on https://127.0.0.1:PORT (printed as listening on ...)": the text's server.
        const s = spawnStoppable('nsenter', ['-t', String(ns.pid), '-m', '-n', '--', process.execPath, BIN, 'serve', '--dir', path.join(cwd, 'pki'), '--port', '0'], { env: { ...process.env, ...ns.env() } });
        servers.push(s);
        await waitFor('regcert serve', () => /listening on https:\/\/127\.0\.0\.1:(\d+)/.test(s.output()));
        serve = { server: s, port: Number(/listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(s.output())![1]) };
      }
      const r = await runExample(ex, cwd, { port: serve?.port });
      if (r && ex.line === 'regcert config registry --dir pki --host registry.example.com') {
        // The registry the text configures: its http block, plus storage, run as printed (addr ":443").
        const config = path.join(cwd, 'config.yml');
        writeFileSync(config, `version: 0.1\nstorage:\n  filesystem: { rootdirectory: ${cwd}/storage }\n${r.stdout.replace(/^http:\n/m, 'http:\n  secret: readme-example\n')}`);
        mkdirSync(path.join(cwd, 'storage'));
        registry = await ns.serve(requireBinary('docker-registry'), ['serve', config], 'registry.example.com:443');
      }
      if (r && ex.line.startsWith('regcert verify https://registry.example.com ')) {
        // The push the README promises: skopeo reads /etc/docker/certs.d/registry.example.com, which install-host wrote.
        const push = await ns.sh(`skopeo --insecure-policy copy --command-timeout 60s --retry-times 0 oci:${layout}:v1 docker://registry.example.com/test/hello:v1`, cwd);
        expect(push.code, push.stderr).toBe(0);
        const tags = await ns.sh('skopeo list-tags docker://registry.example.com/test/hello', cwd);
        expect(JSON.parse(tags.stdout).Tags).toEqual(['v1']);
        await registry!.stop();
        registry = undefined;
      }
    }
    expect(ran.some((l) => l.startsWith('README.md: regcert verify https://registry.example.com'))).toBe(true);
    await serve?.server.stop();
    await msr?.stop();
  }, 900_000);

  it('every example is run or skipped with a reason; nothing in SKIP is stale', async () => {
    const all = [...readmeExamples(), ...(await helpExamples())].map((e) => e.line);
    for (const k of Object.keys(SKIP)) expect(all, `SKIP names "${k}", which no longer appears`).toContain(k);
    expect(ran.length + skipped.length).toBe(all.length);
    expect(readdirSync(path.join(T, 'help')).length).toBeGreaterThan(0);
  });
});
