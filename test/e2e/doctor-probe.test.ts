/**
 * `doctor --probe`: a TLS handshake to each registry with exactly the files
 * its runtime would present, and the registry's answer. Real peers: nginx
 * shaped like MSR (requires a client certificate, /basic_info names the
 * user it saw), CNCF distribution with clientcas (refuses in the
 * handshake), both on loopback; the folders are copied trees given with
 * --certs-dir KIND=ROOT.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, runCli } from '../helpers/cli.js';
import { startNginx } from '../helpers/nginx.js';
import { waitFor } from '../helpers/daemons.js';
import { freePort, type Server } from '../helpers/proc.js';
import { issue, makePki, startDistribution, type Pki } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-doctor-probe-');
const servers: Server[] = [];
let pki: Pki;
let other: Pki;
let msrPort = 0;
let dist: { port: number; server: Server };
let dist6: { port: number; server: Server };

interface ProbeJson {
  hosts: Array<{ name: string; kind: string; probe?: { ok: boolean; answer: string; user?: string; authnMethod?: string; presented: { subject: string | null; source: string } }; problems: Array<{ code: string; message: string }> }>;
}

const install = (host: string, runtime: string, root: string, who: { crt: string; key: string }) =>
  cliOk(['install-host', host, '--runtime', runtime, '--certs-dir', root, '--cert', who.crt, '--key', who.key, '--ca', pki.ca, '--daemon-json', path.join(T, 'none.json')]);
const doctor = async (host: string, certsDir: string, extra: string[] = []) => {
  const r = await runCli(['doctor', host, '--certs-dir', certsDir, '--daemon-json', path.join(T, 'none.json'), '--probe', '--json', ...extra]);
  return { code: r.code, j: JSON.parse(r.stdout) as ProbeJson, stderr: r.stderr };
};

beforeAll(async () => {
  pki = await makePki(path.join(T, 'pki'), 'Probe Test CA');
  other = await makePki(path.join(T, 'other'), 'Other CA');
  await issue(pki, 'registry', ['--server', '--san', '127.0.0.1', '--san', '::1']);
  const tls = { cert: path.join(pki.dir, 'registry.crt'), key: path.join(pki.dir, 'registry.key'), clientCa: pki.ca };
  msrPort = await freePort();
  servers.push(
    await startNginx(
      path.join(T, 'nginx'),
      `
  map $ssl_client_s_dn $client_cn { "~CN=(?<cn>[^,]+)" $cn; default ""; }
  server {
    listen 127.0.0.1:${msrPort} ssl; ssl_certificate ${tls.cert}; ssl_certificate_key ${tls.key};
    ssl_client_certificate ${pki.ca}; ssl_verify_client on;
    location = /v2/ { default_type application/json; return 200 '{}'; }
    location = /basic_info { default_type application/json; return 200 '{"CurrentVersion":"2.7.0","User":{"name":"$client_cn","id":"x","fullName":"","isOrg":false,"isAdmin":false,"isActive":true,"isImported":false},"IsAdmin":false,"AuthnMethod":"TLSClientCertificate"}'; }
  }`,
      msrPort,
    ),
  );
  dist = await startDistribution(path.join(T, 'dist'), tls);
  dist6 = await startDistribution(path.join(T, 'dist6'), tls, '::1');
  servers.push(dist.server, dist6.server);
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('doctor --probe', { timeout: 60_000 }, () => {
  it('a good folder: ok, with the user name the registry saw', async () => {
    const alice = await issue(pki, 'alice', ['--client']);
    const host = `127.0.0.1:${msrPort}`;
    await install(host, 'podman', path.join(T, 'good'), alice);
    const { code, j, stderr } = await doctor(host, `podman=${path.join(T, 'good')}`);
    expect(code, stderr).toBe(0);
    expect(j.hosts[0]!.probe).toMatchObject({ ok: true, user: 'alice', authnMethod: 'TLSClientCertificate', presented: { subject: 'CN=alice', source: 'certs.d files' } });
    expect(j.hosts[0]!.probe!.answer).toMatch(/^200/);
    const human = await runCli(['doctor', host, '--certs-dir', `podman=${path.join(T, 'good')}`, '--daemon-json', path.join(T, 'none.json'), '--probe']);
    expect(human.stdout).toContain('the registry saw user alice (TLSClientCertificate)');
  });

  it("a client from another CA: the server's alert is named, with the issuer", async () => {
    const mallory = await issue(other, 'mallory', ['--client']);
    const host = `127.0.0.1:${dist.port}`;
    await install(host, 'containerd', path.join(T, 'bad'), mallory);
    const { code, j } = await doctor(host, `containerd=${path.join(T, 'bad')}`);
    expect(code).toBe(1);
    const h = j.hosts[0]!;
    expect(h.probe).toMatchObject({ ok: false, presented: { subject: 'CN=mallory', source: `hosts.toml [host."https://${host}"]` } });
    expect(h.probe!.answer).toMatch(/refused the handshake for the client certificate CN=mallory \(issued by CN=Other CA\): the registry sent TLS alert 42 \(bad_certificate\)/);
    expect(h.problems.map((p) => p.code)).toContain('probe-refused');
  });

  it.each([
    ['127.0.0.1', () => dist, [], /127\.0\.0\.1 is in 127\.0\.0\.0\/8/],
    ['[::1]', () => dist6, ['--runtime-version', 'docker=28.5.2'], /::1 is in ::1\/128, which Docker 28\.5\.2 always treats as an insecure registry/],
  ] as const)('a Docker folder for %s: the runtime presents nothing, and the rule is named', async (addr, reg, extra, rule) => {
    const alice = await issue(pki, `alice-${addr.replace(/\W/g, '')}`, ['--client']);
    const host = `${addr}:${reg().port}`;
    const root = path.join(T, `docker-${addr.replace(/\W/g, '')}`);
    await install(host, 'docker', root, alice);
    const { code, j } = await doctor(host, `docker=${root}`, [...extra]);
    expect(code).toBe(1);
    const h = j.hosts[0]!;
    expect(h.probe).toMatchObject({ ok: false, presented: { subject: null } });
    expect(h.probe!.answer).toMatch(/refused the handshake \(TLS alert \d+ \(\w+\)\): the runtime presented no client certificate, because/);
    expect(h.probe!.answer).toMatch(rule);
    expect(h.problems.map((p) => p.code)).toEqual(['insecure-registry', 'probe-refused']);
    // The registry logs the refusal from its own goroutine: wait (bounded) for the line to reach its output.
    await waitFor("the registry's refusal in its log", () => reg().server.output().includes("client didn't provide a certificate"), 10_000);
  });
});
