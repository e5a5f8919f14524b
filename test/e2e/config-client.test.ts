/**
 * `regcert config client`: a recipe for every tool, the same lines in the
 * human output and in --json, the flag names read from each tool's source
 * (helm and regctl are not packaged in Debian: their recipes are checked
 * here, not run), every input form install-host takes, and the hostile
 * cases: nothing is written, bad input is exit 2.
 * The packaged tools run their recipes in test/e2e/clients-sid.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliOk, run, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-config-client-');
const pki = path.join(T, 'pki');
const HOST = 'registry.example.com:5000';
const TOOLS = ['oras', 'cosign', 'crane', 'skopeo', 'buildah', 'helm', 'regctl', 'notary', 'notation', 'docker', 'podman', 'containerd'];

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki, '--cn', 'Client Recipes CA']);
  await cliOk(['issue', 'alice', '--client', '--dir', pki]);
  await cliOk(['issue', 'web', '--server', '--san', 'web.example.com', '--dir', pki]);
  writeFileSync(path.join(T, 'pw'), 'p12-secret\n');
  await cliOk(['to-p12', '--cert', path.join(pki, 'alice.crt'), '--key', path.join(pki, 'alice.key'), '--out', path.join(T, 'alice.p12'), '--password-file', path.join(T, 'pw')]);
  const bundle = path.join(T, 'bundle');
  mkdirSync(bundle);
  writeFileSync(path.join(bundle, 'cert.pem'), readFileSync(path.join(pki, 'alice.crt')));
  writeFileSync(path.join(bundle, 'key.pem'), readFileSync(path.join(pki, 'alice.key')));
  writeFileSync(path.join(bundle, 'ca.pem'), readFileSync(path.join(pki, 'ca.crt')));
}, 120_000);

interface Json {
  client: {
    tool: string;
    checked: string;
    source: string;
    presentsCertificate: boolean;
    limit?: string;
    folder: { dir: string; files: Array<{ path: string; mode: number; kind: string }> };
    setup: { argv: string[]; line: string };
    commands: Array<{ argv: Array<string | { fileContents: string }>; line: string }>;
    configFile?: { path: string; mode: number; content: string };
    placeholders: Record<string, string>;
  };
}

async function recipe(tool: string, extra: string[] = ['--client', 'alice', '--dir', pki]) {
  const certsDir = path.join(T, `certs.d-${tool}`);
  const args = ['config', 'client', '--tool', tool, '--host', HOST, '--certs-dir', certsDir, ...extra];
  const human = await runCli(args);
  expect(human.code, human.stderr).toBe(0);
  const json = await runCli([...args, '--json']);
  expect(json.code, json.stderr).toBe(0);
  const j = JSON.parse(json.stdout) as Json;
  const lines = human.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return { text: human.stdout, lines, j: j.client, certsDir, folder: path.join(certsDir, HOST) };
}

describe('config client: a recipe for every tool', () => {
  it.each(TOOLS)('%s: prints its recipe; --json lists the same lines; nothing is written', async (tool) => {
    const r = await recipe(tool);
    expect(r.j.tool).toBe(tool);
    expect(r.text).toContain(r.j.checked);
    expect(r.text).toContain(r.j.source);
    const notJson = r.j.configFile ? r.lines.filter((l) => !r.j.configFile!.content.includes(l)) : r.lines;
    expect(notJson).toEqual([r.j.setup.line, ...r.j.commands.map((c) => c.line)]);
    expect(r.j.setup.argv.slice(0, 3)).toEqual(['regcert', 'install-host', HOST]);
    for (const k of Object.keys(r.j.placeholders)) expect(r.text).toMatch(new RegExp(`\\b${k}\\b`));
    // Printing writes nothing: not even the folder the recipe points at.
    expect(existsSync(r.certsDir)).toBe(false);
  });

  it.each([
    ['oras', ['--ca-file', '--cert-file', '--key-file'], /oras push .* registry\.example\.com:5000\/REPOSITORY:TAG FILE$/m],
    ['cosign', ['--registry-cacert', '--registry-client-cert', '--registry-client-key'], /cosign verify --key cosign\.pub/],
    ['skopeo', ['--dest-cert-dir', '--cert-dir'], /skopeo copy --dest-cert-dir \S+ oci:LAYOUT:TAG docker:\/\/registry\.example\.com:5000\/REPOSITORY:TAG/],
    ['buildah', ['--cert-dir'], /buildah push --cert-dir \S+ IMAGE docker:\/\//],
    ['helm', ['--ca-file', '--cert-file', '--key-file'], /helm push CHART-VERSION\.tgz oci:\/\/registry\.example\.com:5000\/REPOSITORY /],
    ['regctl', ['--cacert', '--client-cert', '--client-key'], /regctl registry set registry\.example\.com:5000 --cacert "\$\(cat /],
    ['notary', ['--tlscacert', '--tlscert', '--tlskey'], /notary -s https:\/\/registry\.example\.com:5000 /],
  ])('%s: the flags read from its source, pointing at the folder install-host lays out', async (tool, flags, shape) => {
    const r = await recipe(tool);
    expect(r.text).toMatch(shape);
    for (const f of flags) expect(r.lines.some((l) => l.includes(` ${f} `))).toBe(true);
    const files = Object.fromEntries(r.j.folder.files.map((f) => [f.kind, f]));
    expect(files['client-key']).toEqual({ path: path.join(r.folder, 'client.key'), mode: 0o600, kind: 'client-key' });
    expect(files['client-certificate']!.path).toBe(path.join(r.folder, 'client.cert'));
    expect(files['ca-bundle']!.path).toBe(path.join(r.folder, 'ca.crt'));
  });

  it('the setup line, run as printed, lays out the files every command names (helm and regctl: not run here, their files are)', async () => {
    for (const tool of ['helm', 'regctl']) {
      const r = await recipe(tool);
      const res = await runCli(r.j.setup.argv.slice(1));
      expect(res.code, res.stderr).toBe(0);
      expect(statSync(path.join(r.folder, 'client.key')).mode & 0o777).toBe(0o600);
      const named = r.j.commands.flatMap((c) => c.argv.map((w) => (typeof w === 'string' ? w : w.fileContents))).filter((w) => w.startsWith(r.folder));
      expect(named.length).toBeGreaterThanOrEqual(3);
      for (const f of named) expect(existsSync(f), f).toBe(true);
    }
  });

  it('regctl: a real shell turns "$(cat FILE)" into the PEM text regctl wants (not a file name)', async () => {
    const r = await recipe('regctl');
    await cliOk(r.j.setup.argv.slice(1));
    const line = r.lines.find((l) => l.startsWith('regctl registry set'))!;
    const words = await run('bash', ['-c', `printf '%s\\0' ${line.replace(/^regctl /, '')}`]);
    expect(words.code, words.stderr).toBe(0);
    const argv = words.stdout.split('\0');
    expect(argv.slice(0, 3)).toEqual(['registry', 'set', HOST]);
    expect(argv[argv.indexOf('--cacert') + 1]).toBe(readFileSync(path.join(r.folder, 'ca.crt'), 'utf8').trimEnd());
    expect(argv[argv.indexOf('--client-key') + 1]).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('notary: the config.json printed is JSON with remote_server url, root_ca, tls_client_cert, tls_client_key', async () => {
    const r = await recipe('notary');
    const conf = JSON.parse(r.j.configFile!.content) as { remote_server: Record<string, string> };
    expect(conf.remote_server).toEqual({ url: `https://${HOST}`, root_ca: path.join(r.folder, 'ca.crt'), tls_client_cert: path.join(r.folder, 'client.cert'), tls_client_key: path.join(r.folder, 'client.key') });
    expect(r.j.configFile!.path).toMatch(/\/\.notary\/config\.json$/);
    expect(r.j.configFile!.mode).toBe(0o644);
  });

  it.each([
    ['crane', /v0\.20\.7 cmd\/crane\/cmd\/root\.go/],
    ['notation', /v1\.3\.2 cmd\/notation\/registry\.go/],
  ])('%s: says it cannot present a certificate, with the reason and the source file, and a warning', async (tool, source) => {
    const r = await recipe(tool);
    expect(r.j.presentsCertificate).toBe(false);
    expect(r.j.commands).toEqual([]);
    expect(r.j.limit).toMatch(/never sends a client certificate/);
    expect(r.j.source).toMatch(source);
    expect(r.text).toMatch(/SSL_CERT_FILE=/);
  });

  it.each(['docker', 'podman', 'containerd'])('%s: the recipe is install-host --runtime with that runtime (its own certs.d root)', async (tool) => {
    const r = await recipe(tool, ['--client', 'alice', '--dir', pki]);
    expect(r.j.setup.argv).toEqual(['regcert', 'install-host', HOST, '--runtime', tool, '--certs-dir', r.certsDir, '--cert', path.join(pki, 'alice.crt'), '--key', path.join(pki, 'alice.key'), '--ca', path.join(pki, 'ca.crt')]);
  });
});

describe('config client: every input install-host takes', () => {
  it('--p12 with --password-file: the setup line carries both, and run as printed writes a plain key', async () => {
    const r = await recipe('oras', ['--p12', path.join(T, 'alice.p12'), '--password-file', path.join(T, 'pw'), '--ca', path.join(pki, 'ca.crt')]);
    expect(r.j.setup.argv).toEqual(expect.arrayContaining(['--p12', path.join(T, 'alice.p12'), '--password-file', path.join(T, 'pw')]));
    await cliOk(r.j.setup.argv.slice(1));
    expect(readFileSync(path.join(r.folder, 'client.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('--bundle: its ca.pem is the CA (no --ca needed)', async () => {
    const r = await recipe('cosign', ['--bundle', path.join(T, 'bundle')]);
    expect(r.j.setup.argv).toEqual(expect.arrayContaining(['--bundle', path.join(T, 'bundle')]));
    expect(r.j.setup.argv).not.toContain('--ca');
    await cliOk(r.j.setup.argv.slice(1));
    expect(readFileSync(path.join(r.folder, 'ca.crt'), 'utf8')).toBe(readFileSync(path.join(pki, 'ca.crt'), 'utf8'));
  });

  it('--cert/--key relative paths come out absolute, so the recipe runs from anywhere', async () => {
    const r = await runCli(['config', 'client', '--tool', 'skopeo', '--host', HOST, '--cert', 'pki/alice.crt', '--key', 'pki/alice.key', '--ca', 'pki/ca.crt', '--json'], { cwd: T });
    expect(r.code, r.stderr).toBe(0);
    const setup = (JSON.parse(r.stdout) as Json).client.setup.argv;
    expect(setup).toEqual(expect.arrayContaining(['--cert', path.join(T, 'pki/alice.crt'), '--certs-dir', path.join(T, 'certs.d')]));
    expect(existsSync(path.join(T, 'certs.d'))).toBe(false);
  });
});

describe('config client hostile inputs: exit 2, nothing on stdout, nothing written', () => {
  const base = ['config', 'client', '--host', HOST];
  it.each([
    [['--client', 'alice', '--dir', pki], /no --tool given/],
    [['--tool', 'curl', '--client', 'alice', '--dir', pki], /unknown --tool "curl"/],
    [['--tool', 'oras', '--cert', `${pki}/alice.crt`, '--key', `${pki}/alice.key`], /no registry CA given/],
    [['--tool', 'oras', '--client', 'alice', '--cert', `${pki}/alice.crt`, '--dir', pki], /--client cannot be combined/],
    [['--tool', 'oras', '--cert', `${pki}/alice.crt`, '--key', `${pki}/web.key`, '--ca', `${pki}/ca.crt`], /does not match|not belong/],
    [['--tool', 'oras', '--client', 'web', '--dir', pki], /lacks the clientAuth EKU/],
    [['--tool', 'oras', '--client', '../alice', '--dir', pki], /./],
    [['--tool', 'oras', '--client', 'nobody', '--dir', pki], /not found|no such|cannot read/i],
    [['--tool', 'oras', '--client', 'alice', '--dir', pki, '--ca', path.join(T, 'pw')], /./],
    [['--tool', 'oras', '--client', 'alice', '--dir', pki, '--p12', path.join(T, 'alice.p12')], /--client cannot be combined/],
  ])('%j', async (args, message) => {
    const r = await runCli([...base, ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it.each(['a/b', '../etc', 'host name', 'h:0', '[zz::1]'])('--host %j is refused by the registry-host rule', async (host) => {
    const r = await runCli(['config', 'client', '--tool', 'oras', '--host', host, '--client', 'alice', '--dir', pki]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid --host/);
  });

  it('--out FILE writes the recipe; an existing file is not replaced without --force', async () => {
    const out = path.join(T, 'recipe.txt');
    const args = ['config', 'client', '--tool', 'oras', '--host', HOST, '--client', 'alice', '--dir', pki, '--out', out];
    await cliOk(args);
    const first = readFileSync(out, 'utf8');
    expect(first).toMatch(/^# oras 1\.3\.3/);
    writeFileSync(out, 'mine\n');
    const again = await runCli(args);
    expect(again.code).not.toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('mine\n');
    await cliOk([...args, '--force']);
    expect(readFileSync(out, 'utf8')).toBe(first);
    expect(readdirSync(T).filter((f) => f.startsWith('recipe.txt.'))).toEqual([]);
  });
});
