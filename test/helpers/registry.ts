/**
 * Fixtures for the registry e2e tests: PKIs made with the built CLI, an
 * OCI layout for skopeo, and expired / non-client certificates made with
 * the core API (the CLI cannot backdate).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { certificateToPem, createLeaf, parseCertificates } from '../../src/core/certificates.js';
import { exportPrivateKeyPem, generatePrivateKey, parsePrivateKey, publicKeyDer } from '../../src/core/keys.js';
import { buildName } from '../../src/core/names.js';
import { cliOk } from './cli.js';
import { freePort, requireBinary, startServer, type Server } from './proc.js';

export interface Pki {
  dir: string;
  ca: string;
}

/** A root CA in DIR with the named certificates issued by it. */
export async function makePki(dir: string, cn: string): Promise<Pki> {
  await cliOk(['init-ca', '--dir', dir, '--cn', cn]);
  return { dir, ca: path.join(dir, 'ca.crt') };
}

export async function issue(pki: Pki, name: string, args: string[]): Promise<{ crt: string; key: string }> {
  await cliOk(['issue', name, '--dir', pki.dir, ...args]);
  return { crt: path.join(pki.dir, `${name}.crt`), key: path.join(pki.dir, `${name}.key`) };
}

/** A leaf signed by the CA in `dir` with a clock in the past, written as PEM files. */
export async function makeLeafAt(
  dir: string,
  name: string,
  opts: { now: Date; days: number; client: boolean; server: boolean; out: string },
): Promise<{ crt: string; key: string }> {
  const caCert = parseCertificates(new Uint8Array(readFileSync(path.join(dir, 'ca.crt'))))[0]!;
  const { key: caKey } = await parsePrivateKey(new Uint8Array(readFileSync(path.join(dir, 'ca.key'))), { source: 'ca.key', passwordFlag: '--ca-password-file' });
  const key = await generatePrivateKey('ecdsa-p256');
  const cert = await createLeaf(
    { subject: buildName({ cn: name }), publicKey: publicKeyDer(key), rsa: false, server: opts.server, client: opts.client, sans: [], days: opts.days },
    { cert: caCert, key: caKey },
    { now: opts.now },
  );
  const crt = path.join(opts.out, `${name}.crt`);
  const keyPath = path.join(opts.out, `${name}.key`);
  writeFileSync(crt, certificateToPem(cert));
  writeFileSync(keyPath, exportPrivateKeyPem(key), { mode: 0o600 });
  return { crt, key: keyPath };
}

/** A tiny OCI image layout (one gzip layer holding hello.txt) for skopeo copy oci:DIR:v1. */
export function makeOciLayout(dir: string): string {
  const blobs = path.join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer) => {
    const digest = createHash('sha256').update(data).digest('hex');
    writeFileSync(path.join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };
  // A minimal tar with one file, gzipped.
  const content = Buffer.from('hello from regcert\n');
  const header = Buffer.alloc(512);
  header.write('hello.txt', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\x0000', 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.concat([content, Buffer.alloc(512 - content.length)]);
  const tar = Buffer.concat([header, body, Buffer.alloc(1024)]);
  const layer = put(gzipSync(tar));
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const config = put(
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'regcert test' }] })),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }],
    }),
  );
  return dir;
}

/**
 * Starts the real CNCF distribution registry (`docker-registry serve`) on
 * 127.0.0.1 and a free port with TLS from the given files and, when clientCa
 * is given, `http.tls.clientcas` (2.8.2: require and verify). Stop it by PID
 * with the returned server's stop().
 */
export async function startDistribution(
  dir: string,
  tls: { cert: string; key: string; clientCa?: string },
  listen = '127.0.0.1',
): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const addr = listen.includes(':') ? `"[${listen}]:${port}"` : `${listen}:${port}`;
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: info }',
      'storage:',
      `  filesystem: { rootdirectory: ${path.join(dir, 'storage')} }`,
      'http:',
      `  addr: ${addr}`,
      '  secret: regcert-test-secret',
      '  tls:',
      `    certificate: ${tls.cert}`,
      `    key: ${tls.key}`,
      ...(tls.clientCa ? [`    clientcas: [ ${tls.clientCa} ]`] : []),
      '',
    ].join('\n'),
  );
  const server = await startServer(requireBinary('docker-registry'), ['serve', config], port, { host: listen });
  return { port, server };
}
