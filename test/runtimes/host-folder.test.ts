import { describe, expect, it } from 'vitest';
import { hostsTomlFiles, parseHostsToml } from '../../src/runtimes/hosts-toml.js';

describe('hostsTomlFiles', () => {
  it.each([
    ['ca = "ca.crt"\nclient = [["client.cert", "client.key"]]', ['ca.crt', 'client.cert', 'client.key']],
    ['server = "https://r"\n[host."https://r"]\n  ca = ["a.crt", "/etc/b.crt"]\n  client = "c.pem"\n  skip_verify = false', ['a.crt', '/etc/b.crt', 'c.pem']],
    ['[host."https://r"]\n  client = [\n    ["x.cert", "x.key"],\n    ["y.cert", "y.key"],\n  ]\n  ca = \'lit.crt\'\n', ['lit.crt', 'x.cert', 'x.key', 'y.cert', 'y.key']],
    ['# ca = "commented.crt"\nserver = "https://r"', []],
    // Keys that only look like ca/client (inside strings, other keys, headers) are not references.
    ['server = "https://r"\n[host."https://r".header]\n  ca = "x"\n', []],
    ['server = "ca = \\"no.crt\\""\n', []],
    ['ca = [1, 2]', []],
    ['not toml [', []],
  ])('%j', (toml, want) => expect(hostsTomlFiles(toml)).toEqual(want));

  it.each([
    ['ca = 5', /invalid type for "ca"/],
    ['client = [["only-one"]]', /invalid "client"/],
    ['[host]\nx = 1', /host."x" is not a table/],
    ['a = [', /not valid TOML/],
  ])('%j is refused as containerd refuses it', (toml, re) => {
    const r = parseHostsToml(toml);
    expect('error' in r && r.error).toMatch(re);
  });
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
