/**
 * End to end with the real CNCF registry (docker-registry 2.8.2, which
 * requires and verifies client certificates when clientcas is set) and
 * skopeo, which reads a certs.d host folder as Docker and Podman do.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, run, runCli } from '../helpers/cli.js';
import { requireBinary, type Server } from '../helpers/proc.js';
import { issue, makeOciLayout, makePki, startDistribution } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-skopeo-');
requireBinary('docker-registry');
const SKOPEO = requireBinary('skopeo');
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function startRegistry(name: string, serverCrt: string, serverKey: string, clientCa: string): Promise<number> {
  const { port, server } = await startDistribution(path.join(T, name), { cert: serverCrt, key: serverKey, clientCa });
  servers.push(server);
  return port;
}

function skopeoCopy(layout: string, port: number, repo: string, certDir?: string) {
  const args = ['--insecure-policy', 'copy', '--command-timeout', '60s', '--retry-times', '0'];
  if (certDir) args.push('--dest-cert-dir', certDir);
  args.push(`oci:${layout}:v1`, `docker://127.0.0.1:${port}/${repo}:v1`);
  return run(SKOPEO, args, { timeoutMs: 90_000 });
}

let layout: string;
beforeAll(() => {
  layout = makeOciLayout(path.join(T, 'oci'));
});

describe('root CA: install-host + skopeo push to docker-registry with clientcas', () => {
  let port: number;
  let certsD: string;
  let alice: { crt: string; key: string };
  let mallory: { crt: string; key: string };
  let caPath: string;

  beforeAll(async () => {
    const pki = await makePki(path.join(T, 'pki'), 'Skopeo Root CA');
    caPath = pki.ca;
    const server = await issue(pki, 'registry', ['--server', '--san', '127.0.0.1']);
    alice = await issue(pki, 'alice', ['--client']);
    const other = await makePki(path.join(T, 'other'), 'Other CA');
    mallory = await issue(other, 'mallory', ['--client']);
    port = await startRegistry('reg-root', server.crt, server.key, pki.ca);
    certsD = path.join(T, 'certs.d');
    await cliOk(['install-host', `127.0.0.1:${port}`, '--certs-dir', certsD, '--cert', alice.crt, '--key', alice.key, '--ca', pki.ca]);
  });

  it('pushes with the installed certs.d folder', async () => {
    const r = await skopeoCopy(layout, port, 'test/hello', path.join(certsD, `127.0.0.1:${port}`));
    expect(r.code, r.stderr).toBe(0);
    const tags = await run(SKOPEO, ['list-tags', '--cert-dir', path.join(certsD, `127.0.0.1:${port}`), `docker://127.0.0.1:${port}/test/hello`]);
    expect(tags.code, tags.stderr).toBe(0);
    expect(JSON.parse(tags.stdout).Tags).toEqual(['v1']);
  });

  it('fails without the cert dir, and with only the CA (no client certificate)', async () => {
    const none = await skopeoCopy(layout, port, 'test/none');
    expect(none.code).not.toBe(0);
    const caOnly = path.join(T, 'ca-only', `127.0.0.1:${port}`);
    mkdirSync(caOnly, { recursive: true });
    cpSync(caPath, path.join(caOnly, 'ca.crt'));
    const r = await skopeoCopy(layout, port, 'test/caonly', caOnly);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/certificate|tls|handshake/i);
  });

  it('fails with a client certificate from another CA', async () => {
    const root = path.join(T, 'certs.d-other');
    await cliOk(['install-host', `127.0.0.1:${port}`, '--certs-dir', root, '--cert', mallory.crt, '--key', mallory.key, '--ca', caPath]);
    const r = await skopeoCopy(layout, port, 'test/other', path.join(root, `127.0.0.1:${port}`));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad certificate|certificate required|unknown authority|tls/i);
  });

  it('verify probes /v2/ (no /basic_info): exit 0 with the certificate', async () => {
    const r = await runCli(['verify', `https://127.0.0.1:${port}`, '--cert', alice.crt, '--key', alice.key, '--ca', caPath, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    // a plain registry reports no login method or user: regcert does not invent them
    expect(doc).toMatchObject({ ok: true, probe: 'v2', authnMethod: null, user: null });
    expect(doc.checks.find((c: { name: string }) => c.name === 'v2-without-cert').detail).toMatch(/handshake refused/);
    const human = await runCli(['verify', `https://127.0.0.1:${port}`, '--cert', alice.crt, '--key', alice.key, '--ca', caPath]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/not a registry login/);
  });

  it('verify: exit 1 with a certificate from another CA, naming the probe', async () => {
    // Locally: --ca is the registry's CA and the certificate does not chain to it.
    const local = await runCli(['verify', `https://127.0.0.1:${port}`, '--cert', mallory.crt, '--key', mallory.key, '--ca', caPath]);
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/does not chain to/);
    // On the wire: a --ca bundle holding both CAs passes the local check; the registry refuses the handshake.
    const bundle = path.join(T, 'both-cas.crt');
    writeFileSync(bundle, readFileSync(caPath, 'utf8') + readFileSync(path.join(T, 'other', 'ca.crt'), 'utf8'));
    const r = await runCli(['verify', `https://127.0.0.1:${port}`, '--cert', mallory.crt, '--key', mallory.key, '--ca', bundle]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the TLS handshake/);
    expect(r.stderr).toMatch(/\/basic_info/);
    const forced = await runCli(['verify', `https://127.0.0.1:${port}`, '--api', 'registry', '--cert', mallory.crt, '--key', mallory.key, '--ca', bundle]);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toMatch(/\/v2\/.*refused the TLS handshake/);
  });
});

describe('intermediate CA: client.cert carries leaf + intermediate, ca.crt is the root', () => {
  it('pushes', async () => {
    const root = await makePki(path.join(T, 'iroot'), 'Skopeo Root');
    const inter = path.join(T, 'iinter');
    await cliOk(['init-ca', '--intermediate', '--parent-dir', root.dir, '--dir', inter, '--cn', 'Skopeo Intermediate']);
    const ipki = { dir: inter, ca: path.join(inter, 'ca.crt') };
    const server = await issue(ipki, 'registry', ['--server', '--san', '127.0.0.1']);
    const bob = await issue(ipki, 'bob', ['--client']);
    const port = await startRegistry('reg-inter', server.crt, server.key, root.ca);
    const certsD = path.join(T, 'certs.d-inter');
    const res = await cliOk(['install-host', `127.0.0.1:${port}`, '--certs-dir', certsD, '--cert', bob.crt, '--key', bob.key, '--ca', root.ca, '--json']);
    expect(JSON.parse(res.stdout).chainLength).toBe(2);
    const r = await skopeoCopy(layout, port, 'test/inter', path.join(certsD, `127.0.0.1:${port}`));
    expect(r.code, r.stderr).toBe(0);

    // Regression: the leaf alone (no intermediate) is not sent by Go clients, because its issuer is
    // not among the CAs the registry names; install-host warns, and the push fails.
    const leafOnly = path.join(T, 'bob-leaf-only.crt');
    writeFileSync(leafOnly, readFileSync(bob.crt, 'utf8').split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);
    const leafDir = path.join(T, 'certs.d-leaf-only');
    const warned = await cliOk(['install-host', `127.0.0.1:${port}`, '--certs-dir', leafDir, '--cert', leafOnly, '--key', bob.key, '--ca', root.ca]);
    expect(warned.stderr).toMatch(/does not chain to .* carries no intermediate/);
    const refused = await skopeoCopy(layout, port, 'test/leafonly', path.join(leafDir, `127.0.0.1:${port}`));
    expect(refused.code).not.toBe(0);
    const v = await runCli(['verify', `https://127.0.0.1:${port}`, '--cert', bob.crt, '--key', bob.key, '--ca', root.ca]);
    expect(v.code, v.stderr).toBe(0);
  });
});
