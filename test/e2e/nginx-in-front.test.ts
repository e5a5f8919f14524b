/**
 * Issue 22: the proxy-in-front recipe for a registry that checks no client
 * certificate (Harbor, MSR 4, Artifactory, Nexus): `regcert config nginx
 * --upstream URL` in front of a real docker-registry WITHOUT TLS client auth
 * (plain HTTP on 127.0.0.1). With the certificate, skopeo pushes through
 * nginx; without it, nginx refuses.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, run } from '../helpers/cli.js';
import { startNginx } from '../helpers/nginx.js';
import { freePort, requireBinary, startServer, type Server } from '../helpers/proc.js';
import { makeOciLayout } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

const T = tmpDir('regcert-nginx-front-');
const SKOPEO = requireBinary('skopeo');
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('config nginx --upstream: nginx requires the certificate in front of a registry that does not', () => {
  let front: number;
  let upstream: number;
  let certDir: string;
  let layout: string;

  beforeAll(async () => {
    const p = (...s: string[]) => path.join(T, ...s);
    await cliOk(['init-ca', '--dir', p('pki')]);
    await cliOk(['issue', '127.0.0.1', '--server', '--dir', p('pki')]);
    await cliOk(['issue', 'alice', '--client', '--dir', p('pki')]);

    // docker-registry on 127.0.0.1, plain HTTP: no TLS, so no client-certificate check at all.
    upstream = await freePort();
    mkdirSync(p('storage'));
    writeFileSync(
      p('registry.yml'),
      `version: 0.1\nlog: { level: info }\nstorage:\n  filesystem: { rootdirectory: ${p('storage')} }\nhttp:\n  addr: 127.0.0.1:${upstream}\n  secret: regcert-test\n`,
    );
    servers.push(await startServer(requireBinary('docker-registry'), ['serve', p('registry.yml')], upstream));

    front = await freePort();
    const block = (await cliOk(['config', 'nginx', '--dir', p('pki'), '--host', `127.0.0.1:${front}`, '--upstream', `http://127.0.0.1:${upstream}`])).stdout;
    expect(block).toMatch(/ssl_verify_client\s+on;/);
    expect(block).toContain(`proxy_pass                          http://127.0.0.1:${upstream};`);
    // The only change: listen on 127.0.0.1 (tests bind nothing else).
    const listen = `listen ${front} ssl;`;
    expect(block).toContain(listen);
    servers.push(await startNginx(p('nginx'), block.replace(listen, `listen 127.0.0.1:${front} ssl;`), front));

    certDir = p('certs.d', `127.0.0.1:${front}`);
    await cliOk(['install-host', `127.0.0.1:${front}`, '--certs-dir', p('certs.d'), '--cert', p('pki/alice.crt'), '--key', p('pki/alice.key'), '--ca', p('pki/ca.crt')]);
    layout = makeOciLayout(p('oci'));
  });

  const push = (repo: string, dir?: string) =>
    run(SKOPEO, ['--insecure-policy', 'copy', '--command-timeout', '60s', '--retry-times', '0', ...(dir ? ['--dest-cert-dir', dir] : []), `oci:${layout}:v1`, `docker://127.0.0.1:${front}/${repo}:v1`], {
      timeoutMs: 90_000,
    });

  it('skopeo pushes through nginx with the client certificate, and the image is in the registry behind', async () => {
    const r = await push('test/hello', certDir);
    expect(r.code, r.stderr).toBe(0);
    const tags = await run('curl', ['-sS', `http://127.0.0.1:${upstream}/v2/test/hello/tags/list`]);
    expect(JSON.parse(tags.stdout)).toEqual({ name: 'test/hello', tags: ['v1'] });
  });

  it('without a client certificate nginx refuses: skopeo fails, curl gets 400 "No required SSL certificate was sent"', async () => {
    const caOnly = path.join(T, 'ca-only', `127.0.0.1:${front}`);
    mkdirSync(caOnly, { recursive: true });
    writeFileSync(path.join(caOnly, 'ca.crt'), readFileSync(path.join(T, 'pki/ca.crt')));
    const r = await push('test/refused', caOnly);
    expect(r.code).not.toBe(0);
    const c = await run('curl', ['-sS', '-o', '-', '-w', '%{http_code}', '--cacert', path.join(T, 'pki/ca.crt'), `https://127.0.0.1:${front}/v2/`]);
    expect(c.stdout).toMatch(/No required SSL certificate was sent/);
    expect(c.stdout).toMatch(/400$/);
    const tags = await run('curl', ['-sS', `http://127.0.0.1:${upstream}/v2/test/refused/tags/list`]);
    expect(tags.stdout).toMatch(/NAME_UNKNOWN/);
  });
});
