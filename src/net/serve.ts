/**
 * A built-in HTTPS endpoint that answers like MSR for client-certificate
 * logins: GET /ca, /basic_info and /v2/. It requests (does not require) a
 * client certificate and verifies it against the PKI's CA, so verified and
 * anonymous clients both get an answer and the difference is visible.
 *
 * The server certificate: PKI/<NAME>.crt + PKI/<NAME>.key when a name is
 * given (it must carry serverAuth); otherwise a fresh in-memory certificate
 * for the listen host (+ localhost, 127.0.0.1, ::1), signed by the PKI's CA
 * key, valid for one day and never written to disk.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import path from 'node:path';
import { certificateToPem, createLeaf, isSelfSigned, type Certificate } from '../core/certificates.js';
import { permitsUsage, reachesNoAnchor, verifyChain } from '../core/chain.js';
import { inputError, operationError } from '../core/errors.js';
import { exportPrivateKeyPem, generatePrivateKey, isRsaKey, publicKeyDer } from '../core/keys.js';
import { readKeyPair } from '../io/credentials.js';
import { readCa, readCaChain, type LoadedCa } from '../io/pki.js';
import type { SecretContext, SecretSource } from '../io/secrets.js';
import type { San } from '../core/san.js';
import { buildName } from '../core/names.js';

export interface ServeOptions {
  dir: string;
  host?: string | undefined;
  port?: number | undefined;
  serverCert?: string | undefined;
  caPassword?: SecretSource | undefined;
  /** The passphrase of NAME.key when --server-cert names an encrypted key. */
  keyPassword?: SecretSource | undefined;
  /** One line per request (and startup notes). */
  log?: ((line: string) => void) | undefined;
}

export interface ServeHandle {
  url: string;
  port: number;
  host: string;
  /** Where the server certificate came from. */
  serverCertificate: string;
  close(): Promise<void>;
}

const VERSION = '2.7.0-regcert';

/** `ca`: the PKI's CA with its key, read once by startServe when there is no --server-cert (it signs the in-memory certificate); undefined: --server-cert NAME. */
async function serverIdentity(opts: ServeOptions, ctx: SecretContext, host: string, anchors: Certificate[], ca: LoadedCa | undefined): Promise<{ cert: string; key: string; source: string }> {
  if (ca === undefined) {
    const crtPath = path.join(opts.dir, `${opts.serverCert}.crt`);
    const keyPath = path.join(opts.dir, `${opts.serverCert}.key`);
    const { chain, key } = await readKeyPair(
      crtPath,
      keyPath,
      {
        what: 'server key',
        certWhat: 'server certificate',
        certHint: `issue one with "regcert issue ${opts.serverCert} --server --dir ${opts.dir}"`,
        secret: opts.keyPassword,
        passwordFlag: '--key-password-file',
      },
      ctx,
    );
    if (!permitsUsage(chain[0]!, 'serverAuth')) {
      throw inputError('NOT_SERVER_CERT', `${crtPath} has no serverAuth EKU`, `issue a server certificate: regcert issue ${opts.serverCert} --server`);
    }
    // A certificate from another PKI (a public one) is the admin's choice; one from this CA must verify.
    const verdict = await verifyChain(chain, anchors, { usage: 'serverAuth' });
    if (!verdict.ok && !reachesNoAnchor(verdict)) {
      throw inputError('CHAIN_REFUSED', `${crtPath} would be refused by clients that trust ${path.join(opts.dir, 'ca.crt')}: ${verdict.reason}`, `issue a new one: regcert issue ${opts.serverCert} --server --dir ${opts.dir}`);
    }
    return { cert: chain.map(certificateToPem).join(''), key: exportPrivateKeyPem(key), source: crtPath };
  }
  const key = await generatePrivateKey('ecdsa-p256');
  const sans: San[] = [{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }, { type: 'ip', value: '::1' }];
  if (isIP(host)) {
    if (!sans.some((s) => s.value === host)) sans.push({ type: 'ip', value: host });
  } else if (host !== 'localhost') sans.unshift({ type: 'dns', value: host });
  const leaf = await createLeaf(
    { subject: buildName({ cn: `regcert serve ${host}` }), publicKey: publicKeyDer(key), rsa: isRsaKey(key), server: true, client: false, sans, days: 1 },
    ca,
  );
  return { cert: [leaf, ...ca.intermediates].map(certificateToPem).join(''), key: exportPrivateKeyPem(key), source: `in-memory, signed by ${path.join(opts.dir, 'ca.crt')}` };
}

function cnOf(subject: unknown): string | undefined {
  if (!subject || typeof subject !== 'object') return undefined;
  const cn = (subject as Record<string, unknown>).CN;
  return Array.isArray(cn) ? String(cn[0]) : typeof cn === 'string' ? cn : undefined;
}

export async function startServe(opts: ServeOptions, ctx: SecretContext = { interactive: false }): Promise<ServeHandle> {
  const host = opts.host ?? '127.0.0.1';
  // Trust anchors for client certificates: the CA and its parents (ca-chain.crt, checked to start with ca.crt),
  // read once: with the CA key when it signs the in-memory server certificate, alone otherwise.
  const ca = opts.serverCert ? undefined : await readCa(opts.dir, opts.caPassword ?? {}, ctx);
  const anchors = ca?.chain ?? (await readCaChain(opts.dir)).chain;
  const root = anchors.find(isSelfSigned) ?? anchors[anchors.length - 1]!;
  const rootPem = certificateToPem(root);
  const id = await serverIdentity(opts, ctx, host, anchors, ca);
  const log = opts.log ?? (() => {});

  const server = https.createServer(
    { cert: id.cert, key: id.key, ca: anchors.map(certificateToPem), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const sock = req.socket as TLSSocket;
      const peer = sock.getPeerCertificate();
      const presented = peer && Object.keys(peer).length > 0;
      const verified = sock.authorized === true && presented;
      const user = verified ? (cnOf(peer.subject) ?? 'unknown') : undefined;
      const send = (status: number, body: string, type = 'application/json', extra: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
        res.end(body);
        const who = verified ? `client=${user}` : presented ? `client-cert-rejected(${sock.authorizationError})` : 'anonymous';
        log(`${req.method} ${req.url} ${status} ${who}`);
      };
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: 'method not allowed' }] }));
      if (url === '/ca') return send(200, rootPem, 'application/x-pem-file');
      if (url === '/basic_info') {
        if (!verified) {
          return send(401, JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: presented ? `client certificate not verified: ${sock.authorizationError}` : 'no client certificate' }] }));
        }
        const admin = user === 'admin';
        return send(
          200,
          JSON.stringify({
            CurrentVersion: VERSION,
            User: { name: user, id: peer.fingerprint256, fullName: '', isOrg: false, isAdmin: admin, isActive: true, isImported: false },
            IsAdmin: admin,
            AuthnMethod: 'TLSClientCertificate',
          }),
        );
      }
      if (url === '/v2/' || url === '/v2') {
        if (!verified) return send(401, JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }), 'application/json', { 'Docker-Distribution-API-Version': 'registry/2.0' });
        return send(200, '{}', 'application/json', { 'Docker-Distribution-API-Version': 'registry/2.0' });
      }
      return send(404, JSON.stringify({ errors: [{ code: 'NOT_FOUND', message: `no route for ${url}` }] }));
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? operationError('PORT_IN_USE', `${host}:${opts.port ?? 0} is already in use`, 'pick another --port (0 picks a free one)')
          : operationError('LISTEN_FAILED', `cannot listen on ${host}:${opts.port ?? 0}: ${e.message}`, 'check --host and --port'),
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;
  return {
    url: `https://${urlHost}:${port}`,
    port,
    host,
    serverCertificate: id.source,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
