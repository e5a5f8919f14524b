/**
 * The recipes of `regcert config client`, run AS PRINTED against the real
 * CNCF registry (Debian 12's docker-registry 2.8.2 with clientcas: require
 * and verify) with the clients from the Debian sid root that
 * scripts/sid-root.sh builds (oras 1.3.3, cosign 3.1.1, crane 0.20.7,
 * skopeo 1.22.0, buildah 1.43.2, notation 1.3.2). Each recipe succeeds with a certificate
 * from the CA and fails without one, the registry logging that the client
 * sent none; crane's and notation's stated limits are shown the same way.
 *
 * The tools run as `chroot ROOT` inside a private mount namespace
 * (`unshare -m`) where the test's temp dir is bind-mounted at the same path
 * and tmpfs covers the root's /var/lib, /var/tmp and /run: nothing is
 * written into the root, and everything vanishes with the namespace.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runCli, type CliResult } from '../helpers/cli.js';
import type { Server } from '../helpers/proc.js';
import { issue, makeOciLayout, makePki, startDistribution } from '../helpers/registry.js';

const ROOT = '/var/cache/regcert-sid';
if (!existsSync(path.join(ROOT, '.regcert-packages'))) {
  throw new Error(`the Debian sid root ${ROOT} is missing: run "bash scripts/sid-root.sh" (scripts/setup.sh does)`);
}
const T = mkdtempSync('/tmp/regcert-clients-');
const MOUNT = path.join(ROOT, T);
mkdirSync(MOUNT);
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  // Only a mount point in the private namespaces: empty here.
  rmdirSync(MOUNT);
  rmSync(T, { recursive: true, force: true });
});

/** Runs argv inside the sid root, in the test dir, with HOME and TMPDIR there too. */
function inRoot(argv: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const script = [
    'set -e',
    'mount --bind "$2" "$3"',
    'for d in var/lib var/tmp run; do mount -t tmpfs tmpfs "$1/$d"; done',
    'mount -t proc proc "$1/proc"',
    'root=$1; dir=$2; shift 3',
    'exec chroot "$root" env --chdir="$dir" "$@"',
  ].join('\n');
  return run('unshare', ['-m', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ROOT, T, MOUNT, ...argv], {
    env: { HOME: T, TMPDIR: path.join(T, 'tmp'), CONTAINERS_STORAGE_CONF: path.join(T, 'storage.conf'), ...env },
    timeoutMs: 120_000,
  });
}

/** One printed command line as words: bare, '…' (with '\'' inside), "$(cat FILE)", and NAME=value prefixes. */
function parseLine(line: string): { env: Record<string, string>; argv: string[] } {
  const words: string[] = [];
  const re = /\s*(?:"\$\(cat ((?:'(?:[^']|'\\'')*')|[^\s)]+)\)"|((?:'(?:[^']|'\\'')*'|[^\s'"]+)+))/y;
  const unquote = (w: string) => w.replace(/'((?:[^']|'\\'')*)'/g, (_, s: string) => s.replace(/'\\''/g, "'"));
  let m: RegExpExecArray | null;
  while (re.lastIndex < line.length && (m = re.exec(line)) !== null) {
    if (m[1] !== undefined) words.push(readFileSync(unquote(m[1]), 'utf8'));
    else words.push(unquote(m[2]!));
  }
  expect(re.lastIndex, `parsed all of: ${line}`).toBe(line.length);
  const env: Record<string, string> = {};
  while (words.length && /^[A-Z_]+=/.test(words[0]!)) {
    const [k, ...v] = words.shift()!.split('=');
    env[k!] = v.join('=');
  }
  return { env, argv: words };
}

let port: number;
let registryLog: () => string;
let pki: string;
let certsD: string;
let layout: string;
const host = () => `127.0.0.1:${port}`;

beforeAll(async () => {
  mkdirSync(path.join(T, 'tmp'));
  const p = await makePki(path.join(T, 'pki'), 'Clients Root CA');
  pki = p.dir;
  const server = await issue(p, 'registry', ['--server', '--san', '127.0.0.1']);
  await issue(p, 'alice', ['--client']);
  const reg = await startDistribution(path.join(T, 'registry'), { cert: server.crt, key: server.key, clientCa: p.ca });
  servers.push(reg.server);
  port = reg.port;
  registryLog = reg.server.output;
  certsD = path.join(T, 'certs.d');
  layout = makeOciLayout(path.join(T, 'oci'));
  writeFileSync(path.join(T, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${T}/storage"\nrunroot = "${T}/run"\n`);
  writeFileSync(path.join(T, 'artifact.txt'), 'an artifact pushed by oras\n');
}, 120_000);

/** The recipe as printed (stdout only), its command lines, and the same as --json. */
async function recipe(tool: string) {
  const args = ['config', 'client', '--tool', tool, '--host', host(), '--client', 'alice', '--dir', pki, '--certs-dir', certsD];
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const j = await runCli([...args, '--json']);
  const client = JSON.parse(j.stdout).client as { setup: { line: string }; commands: Array<{ line: string }> };
  // The human output and the JSON carry the same lines.
  expect(lines).toEqual([client.setup.line, ...client.commands.map((c) => c.line)]);
  return { text: r.stdout, lines };
}

const values: Record<string, string> = {
  REPOSITORY: 'clients/hello',
  TAG: 'v1',
  FILE: 'artifact.txt',
  OUTDIR: path.join(T, 'pulled'),
};

/** Runs a printed line: regcert lines with the built CLI, tool lines in the sid root. */
async function runLine(line: string, replace: Record<string, string> = {}, edit: (argv: string[]) => string[] = (a) => a, extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const { env, argv } = parseLine(line);
  const all: Record<string, string> = { ...values, LAYOUT: layout, ...replace };
  const words = edit(argv.map((w) => w.replace(/\b[A-Z]{3,}\b/g, (k) => all[k] ?? k)));
  if (words[0] === 'regcert') return runCli(words.slice(1));
  return inRoot(words, { ...extraEnv, ...env });
}

/** The command fails and the registry logs that no client certificate came (its handshake refusal). */
async function expectRefusedWithoutCertificate(r: Promise<CliResult>) {
  const before = (registryLog().match(/client didn't provide a certificate/g) ?? []).length;
  const res = await r;
  expect(res.code, res.stdout).not.toBe(0);
  expect(res.stderr).not.toMatch(/unknown authority/);
  // The registry writes its log line when the handshake fails; the client may exit first (bounded wait).
  const count = () => (registryLog().match(/client didn't provide a certificate/g) ?? []).length;
  for (let i = 0; i < 50 && count() <= before; i++) await new Promise((r) => setTimeout(r, 100));
  expect(count(), res.stderr).toBeGreaterThan(before);
  return res;
}

/** Drops a flag and its value from argv. */
const without = (...flags: string[]) => (argv: string[]) => argv.filter((w, i) => !flags.includes(w) && !flags.includes(argv[i - 1]!));

/** A certs.d host folder holding only ca.crt: trust without a certificate. */
function caOnlyFolder(): string {
  const dir = path.join(T, 'ca-only', host());
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(pki, 'ca.crt'), path.join(dir, 'ca.crt'));
  return dir;
}

describe('clients from the sid root against docker-registry with clientcas, each recipe run as printed', () => {
  it('skopeo 1.22: copy and inspect through --dest-cert-dir / --cert-dir; refused with a CA-only folder', async () => {
    const { lines } = await recipe('skopeo');
    expect(lines[0]).toMatch(/^regcert install-host /);
    expect((await runLine(lines[0]!)).code).toBe(0);
    const copy = await runLine(lines[1]!);
    expect(copy.code, copy.stderr).toBe(0);
    const inspect = await runLine(lines[2]!);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout).Name).toBe(`${host()}/clients/hello`);
    const folder = path.join(certsD, host());
    const caOnly = caOnlyFolder();
    const swap = (argv: string[]) => argv.map((w) => (w === folder ? caOnly : w));
    await expectRefusedWithoutCertificate(runLine(lines[2]!, {}, swap));
    await expectRefusedWithoutCertificate(runLine(lines[1]!, { REPOSITORY: 'clients/nocert' }, swap));
  }, 300_000);

  it('buildah 1.43: pull and push through --cert-dir; refused with a CA-only folder', async () => {
    const { lines } = await recipe('buildah');
    expect((await runLine(lines[0]!)).code).toBe(0);
    const pull = await runLine(lines[1]!);
    expect(pull.code, pull.stderr).toBe(0);
    const push = await runLine(lines[2]!, { IMAGE: `${host()}/clients/hello:v1`, TAG: 'buildah' });
    expect(push.code, push.stderr).toBe(0);
    const folder = path.join(certsD, host());
    const caOnly = caOnlyFolder();
    const swap = (argv: string[]) => argv.map((w) => (w === folder ? caOnly : w));
    await expectRefusedWithoutCertificate(runLine(lines[1]!, { TAG: 'buildah' }, swap));
  }, 300_000);

  it('oras 1.3.3: push and pull an artifact with --ca-file/--cert-file/--key-file; refused without the last two', async () => {
    const { lines } = await recipe('oras');
    expect((await runLine(lines[0]!)).code).toBe(0);
    const push = await runLine(lines[1]!, { REPOSITORY: 'clients/artifact' });
    expect(push.code, push.stderr).toBe(0);
    const pull = await runLine(lines[2]!, { REPOSITORY: 'clients/artifact' });
    expect(pull.code, pull.stderr).toBe(0);
    expect(readFileSync(path.join(T, 'pulled', 'artifact.txt'), 'utf8')).toBe('an artifact pushed by oras\n');
    await expectRefusedWithoutCertificate(runLine(lines[2]!, { REPOSITORY: 'clients/artifact', OUTDIR: path.join(T, 'nocert') }, without('--cert-file', '--key-file')));
  }, 300_000);

  it('cosign 3.1.1: sign and verify with a key made here through --registry-client-cert/-key; refused without them', async () => {
    const { lines } = await recipe('cosign');
    expect((await runLine(lines[0]!)).code).toBe(0);
    const env = { COSIGN_PASSWORD: 'regcert-test' };
    const keys = await inRoot(['cosign', 'generate-key-pair'], env);
    expect(keys.code, keys.stderr).toBe(0);
    const sign = await runLine(lines[1]!, {}, undefined, env);
    expect(sign.code, sign.stderr).toBe(0);
    const verify = await runLine(lines[2]!);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)[0].critical.identity['docker-reference']).toBe(`${host()}/clients/hello:v1`);
    await expectRefusedWithoutCertificate(runLine(lines[2]!, {}, without('--registry-client-cert', '--registry-client-key')));
    // A key that did not sign does not verify: the check is real.
    const other = await inRoot(['cosign', 'generate-key-pair', '--output-key-prefix', 'other'], env);
    expect(other.code, other.stderr).toBe(0);
    const wrong = await runLine(lines[2]!, {}, (argv) => argv.map((w) => (w === 'cosign.pub' ? 'other.pub' : w)));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/no matching signatures|signature/i);
  }, 300_000);

  it.each([
    ['crane', 'crane 0.20.7', /cmd\/crane\/cmd\/root\.go/, ['crane', 'copy', 'HOST/clients/hello:v1', 'HOST/clients/crane:v1']],
    ['notation', 'notation 1.3.2', /cmd\/notation\/registry\.go/, ['notation', 'ls', 'HOST/clients/hello:v1']],
  ])('%s: the stated limit holds: with the CA trusted through SSL_CERT_FILE as printed, it sends no certificate and is refused', async (tool, version, source, command) => {
    const { text, lines } = await recipe(tool);
    expect(text).toContain(`# ${version}: cannot present a client certificate`);
    expect(text).toMatch(source);
    expect((await runLine(lines[0]!)).code).toBe(0);
    const note = text.split('\n').find((l) => l.includes('SSL_CERT_FILE='))!;
    const { env } = parseLine(/SSL_CERT_FILE=\S+/.exec(note)![0]);
    expect(existsSync(env.SSL_CERT_FILE!)).toBe(true);
    const argv = command.map((w) => w.replace('HOST', host()));
    // The CA half works (no "unknown authority"); the certificate half cannot.
    const refused = await expectRefusedWithoutCertificate(inRoot(argv, env));
    expect(refused.stderr).toMatch(/tls|certificate|broken pipe|connection reset|EOF|could not be established/i);
    // Control: without SSL_CERT_FILE the tool does not even trust the registry.
    const untrusted = await inRoot(argv);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/unknown authority/);
  }, 300_000);
});
