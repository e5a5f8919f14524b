import { describe, expect, it } from 'vitest';
import { hostsTomlFiles } from '../../src/runtimes/host-folder.js';

describe('hostsTomlFiles', () => {
  it.each([
    ['ca = "ca.crt"\nclient = [["client.cert", "client.key"]]', ['ca.crt', 'client.cert', 'client.key']],
    ['server = "https://r"\n[host."https://r"]\n  ca = ["a.crt", "/etc/b.crt"]\n  client = "c.pem"\n  skip_verify = false', ['a.crt', '/etc/b.crt', 'c.pem']],
    ['[host."https://r"]\n  client = [\n    ["x.cert", "x.key"],\n    ["y.cert", "y.key"],\n  ]\n  ca = \'lit.crt\'\n', ['x.cert', 'x.key', 'y.cert', 'y.key', 'lit.crt']],
    ['# ca = "commented.crt"\nserver = "https://r"', []],
  ])('%j', (toml, want) => expect(hostsTomlFiles(toml)).toEqual(want));
});

describe('examineHostDir', async () => {
  const { certificateToPem, createLeaf, createRootCa } = await import('../../src/core/certificates.js');
  const { exportPrivateKeyPem, generatePrivateKey, publicKeyDer } = await import('../../src/core/keys.js');
  const { examineHostDir } = await import('../../src/runtimes/host-folder.js');
  const caKey = await generatePrivateKey('ecdsa-p256');
  const ca = await createRootCa({ subject: [{ CN: ['Unit CA'] }], key: caKey, days: 3650 });
  const key = await generatePrivateKey('ecdsa-p256');
  const leaf = await createLeaf({ subject: [{ CN: ['u'] }], publicKey: publicKeyDer(key), rsa: false, server: false, client: true, sans: [], days: 100 }, { cert: ca, key: caKey });
  const enc = new TextEncoder();
  const dir = (files: Record<string, [string, number]>) => ({
    root: '/r',
    kind: 'docker' as const,
    name: 'reg.example.com',
    path: '/r/reg.example.com',
    existing: [],
    files: Object.entries(files).map(([name, [text, mode]]) => ({ name, mode, data: enc.encode(text) })),
  });

  it('a healthy folder has no problems', async () => {
    expect(await examineHostDir(dir({ 'ca.crt': [certificateToPem(ca), 0o644], 'client.cert': [certificateToPem(leaf), 0o644], 'client.key': [exportPrivateKeyPem(key), 0o600] }))).toEqual([]);
  });

  it('an encrypted client key is reported once (Go cannot load it)', async () => {
    const problems = await examineHostDir(dir({ 'ca.crt': [certificateToPem(ca), 0o644], 'client.cert': [certificateToPem(leaf), 0o644], 'client.key': [exportPrivateKeyPem(key, 'pw'), 0o600] }));
    expect(problems.map((p) => p.code)).toEqual(['key-unreadable']);
  });

  it('a CA key under another name is recognised as a stray CA key by its public key', async () => {
    const problems = await examineHostDir(dir({ 'ca.crt': [certificateToPem(ca), 0o644], 'client.cert': [certificateToPem(leaf), 0o644], 'client.key': [exportPrivateKeyPem(key), 0o600], 'root.key': [exportPrivateKeyPem(caKey), 0o600] }));
    expect(problems.map((p) => p.code)).toEqual(['stray-ca-key']);
  });
});
