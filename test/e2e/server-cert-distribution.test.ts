/**
 * Issue 2 acceptance: a regcert server certificate serves TLS for the real
 * CNCF distribution registry (Go's verifier on the server side, curl on the
 * client side), for every key type Go's TLS stack serves.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliOk, run } from '../helpers/cli.js';
import { requireBinary, type Server } from '../helpers/proc.js';
import { startDistribution } from '../helpers/registry.js';
import { tmpDir } from '../helpers/tmp.js';

requireBinary('docker-registry');
requireBinary('curl');

describe('regcert server certificate in docker-registry', () => {
  const cwd = tmpDir();
  let server: Server | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it.each(['ecdsa-p256', 'rsa-2048', 'ed25519'])('curl --cacert ca.crt https://127.0.0.1:PORT/v2/ succeeds (%s)', async (keyType) => {
    const dir = path.join(cwd, keyType);
    mkdirSync(dir);
    await cliOk(['init-ca', '--dir', 'pki', '--key-type', keyType], { cwd: dir });
    await cliOk(['issue', 'localhost', '--dir', 'pki', '--server', '--san', 'localhost,127.0.0.1', '--key-type', keyType], { cwd: dir });
    const started = await startDistribution(dir, { cert: path.join(dir, 'pki/localhost.crt'), key: path.join(dir, 'pki/localhost.key') });
    server = started.server;
    const port = started.port;
    const ok = await run('curl', ['-sS', '--max-time', '10', '--cacert', 'pki/ca.crt', `https://127.0.0.1:${port}/v2/`], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe('{}');
    // and by name: the DNS SAN is what makes the certificate match
    const byName = await run('curl', ['-sS', '--max-time', '10', '--cacert', 'pki/ca.crt', '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/v2/`], { cwd: dir });
    expect(byName.code, byName.stderr).toBe(0);
    // without the CA, curl must refuse: the trust really comes from regcert's CA
    const untrusted = await run('curl', ['-sS', '--max-time', '10', `https://127.0.0.1:${port}/v2/`], { cwd: dir });
    expect(untrusted.code).toBe(60);
  });
});
