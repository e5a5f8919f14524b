import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cliOk, run, runCli, runOk } from '../helpers/cli.js';
import { freePort, requireBinary, startServer, type Server } from '../helpers/proc.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('regcert-config-');
const pki = path.join(dir, 'pki');
const p = (...s: string[]) => path.join(dir, ...s);
const ESC = '\u001b[';
const servers: Server[] = [];

beforeAll(async () => {
  await cliOk(['init-ca', '--dir', pki]);
  await cliOk(['issue', '127.0.0.1', '--server', '--dir', pki]);
  await cliOk(['issue', 'alice', '--client', '--dir', pki]);
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function render(target: string, extra: string[] = []): Promise<string> {
  const r = await cliOk(['config', target, '--dir', pki, '--host', '127.0.0.1', ...extra]);
  expect(r.stdout).not.toContain(ESC);
  return r.stdout;
}

describe('regcert config', () => {
  it('registry: valid YAML whose http.tls block makes the real docker-registry require client certificates', async () => {
    requireBinary('docker-registry');
    requireBinary('curl');
    const port = await freePort();
    const doc = parseYaml(await render('registry', ['--port', String(port)])) as { http: { addr: string; tls: Record<string, unknown> } };
    expect(doc.http.addr).toBe(`:${port}`);
    expect(doc.http.tls).toEqual({
      certificate: path.join(pki, '127.0.0.1.crt'),
      key: path.join(pki, '127.0.0.1.key'),
      clientcas: [path.join(pki, 'ca.crt')],
    });
    const config = {
      version: 0.1,
      log: { level: 'warn' },
      storage: { filesystem: { rootdirectory: p('storage') } },
      http: { addr: `127.0.0.1:${port}`, secret: 'test-secret', tls: doc.http.tls },
    };
    writeFileSync(p('registry.yml'), JSON.stringify(config));
    servers.push(await startServer('docker-registry', ['serve', p('registry.yml')], port));
    const url = `https://127.0.0.1:${port}/v2/`;
    const ok = await runOk('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', p('pki/ca.crt'), '--cert', p('pki/alice.crt'), '--key', p('pki/alice.key'), url]);
    expect(ok.stdout).toBe('200');
    const anonymous = await run('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', p('pki/ca.crt'), url]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stdout).toBe('000');
  });

  it('nginx: the server block passes nginx -t inside a minimal nginx.conf', async () => {
    requireBinary('nginx');
    const block = await render('nginx', ['--port', '8443', '--upstream', 'http://127.0.0.1:5000']);
    expect(block).toContain(`ssl_certificate         "${path.join(pki, '127.0.0.1.crt')}";`);
    expect(block).toMatch(/ssl_client_certificate\s+"[^"]+ca\.crt";/);
    expect(block).toMatch(/ssl_verify_client\s+on;/);
    const prefix = p('nginx');
    mkdirSync(prefix, { recursive: true });
    writeFileSync(path.join(prefix, 'server.conf'), block);
    writeFileSync(
      path.join(prefix, 'nginx.conf'),
      [
        `pid ${prefix}/nginx.pid;`,
        `error_log ${prefix}/error.log;`,
        'events {}',
        'http {',
        `  access_log ${prefix}/access.log;`,
        `  client_body_temp_path ${prefix}/body;`,
        `  proxy_temp_path ${prefix}/proxy;`,
        `  fastcgi_temp_path ${prefix}/fastcgi;`,
        `  uwsgi_temp_path ${prefix}/uwsgi;`,
        `  scgi_temp_path ${prefix}/scgi;`,
        `  include ${prefix}/server.conf;`,
        '}',
        '',
      ].join('\n'),
    );
    const t = await run('nginx', ['-t', '-p', prefix, '-e', `${prefix}/error.log`, '-c', path.join(prefix, 'nginx.conf')]);
    expect(t.stderr).toContain('syntax is ok');
    expect(t.stderr).toContain('test is successful');
    expect(t.code).toBe(0);
  });

  it('containerd: a hosts.toml that TOML parses, naming ca.crt, client.cert and client.key', async () => {
    requireBinary('python3');
    const toml = await render('containerd', ['--port', '5000']);
    writeFileSync(p('hosts.toml'), toml);
    const r = await runOk('python3', ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1],"rb"))))', p('hosts.toml')]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      server: 'https://127.0.0.1:5000',
      host: { 'https://127.0.0.1:5000': { ca: 'ca.crt', client: [['client.cert', 'client.key']] } },
    });
  });

  it('mke-trust: JSON with the CA PEM on one line, and the curl upload line on stderr', async () => {
    const r = await cliOk(['config', 'mke-trust', '--dir', pki, '--host', 'msr.example.com', '--mke', 'https://mke.example.com']);
    const lines = r.stdout.trim().split('\n');
    expect(lines.every((l) => !l.includes('-----BEGIN') || l.includes('-----END'))).toBe(true);
    const j = JSON.parse(r.stdout) as { hostAddress: string; caBundle: string };
    expect(j.hostAddress).toBe('msr.example.com');
    expect(j.caBundle).toBe(readFileSync(path.join(pki, 'ca.crt'), 'utf8').trimEnd());
    expect(r.stderr).toContain('-d @\'mke-trust.json\' \'https://mke.example.com/api/config/trustedregistry_\'');
    expect(r.stderr).toContain('-H "Content-Type: application/json"');
  });

  it('msr-enable: a shell script that parses, with --enable-client-cert-auth and the CA file', async () => {
    const out = p('msr-enable.sh');
    const r = await cliOk(['config', 'msr-enable', '--dir', pki, '--host', 'msr.example.com', '--out', out]);
    expect(r.stdout).toContain(out);
    expect(statSync(out).mode & 0o777).toBe(0o755);
    const script = readFileSync(out, 'utf8');
    expect(script).toContain('--enable-client-cert-auth');
    expect(script).toContain(`--client-cert-auth-ca "$(cat '${path.join(pki, 'ca.crt')}')"`);
    await runOk('sh', ['-n', out]);
    const again = await runCli(['config', 'msr-enable', '--dir', pki, '--host', 'msr.example.com', '--out', out, '--port', '444']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists\nhint: pass --force/);
    expect(readFileSync(out, 'utf8')).toBe(script);
  });

  it('--json prints one document with the content', async () => {
    const r = await cliOk(['config', 'containerd', '--host', 'registry.example.com:5000', '--json']);
    const j = JSON.parse(r.stdout) as { ok: boolean; target: string; host: string; content: string };
    expect(j).toMatchObject({ ok: true, target: 'containerd', host: 'registry.example.com:5000' });
    expect(j.content).toContain('[host."https://registry.example.com:5000"]');
  });

  it('bad input is exit 2: unknown target, invalid host, missing server certificate', async () => {
    const target = await runCli(['config', 'apache', '--host', 'x.example.com']);
    expect(target.code).toBe(2);
    expect(target.stderr).toMatch(/^regcert: unknown config target "apache"\nhint: use one of: registry, nginx/);
    const host = await runCli(['config', 'containerd', '--host', '../etc']);
    expect(host.code).toBe(2);
    expect(host.stderr).toMatch(/^regcert: invalid --host/);
    const missing = await runCli(['config', 'registry', '--dir', pki, '--host', 'other.example.com']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/server certificate not found at .*other\.example\.com\.crt\nhint: run "regcert issue other\.example\.com --server/);
  });

  it('warns when the host is not in the server certificate', async () => {
    const r = await cliOk(['config', 'registry', '--dir', pki, '--host', 'localhost', '--server-cert', '127.0.0.1']);
    expect(r.stderr).toMatch(/does not name localhost in its SANs/);
  });

  it('--help ends with examples', async () => {
    const r = await cliOk(['config', '--help']);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ regcert config registry /);
  });
});
