/**
 * The one TLS client regcert uses (fetch-ca, verify, install-host
 * --fetch-ca): a GET over Node's tls + http with a client certificate when
 * given, bounded by a timeout, whose failures come back as typed causes.
 *
 * Trust is checked by us after the handshake and before the request is
 * sent, so one code path serves both "verify against --ca or the system
 * roots" and "fetch-ca, which cannot verify yet but keeps the peer chain".
 */
import http from 'node:http';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { MAX_RESPONSE_BYTES } from '../core/defaults.js';
import { operationError, type RegcertError } from '../core/errors.js';

export type TlsFailure =
  | 'UNTRUSTED_SERVER'
  | 'HOSTNAME_MISMATCH'
  | 'CLIENT_CERT_REFUSED'
  | 'HTTP_STATUS'
  | 'NOT_JSON'
  | 'TIMEOUT'
  | 'RESPONSE_TOO_LARGE'
  | 'CONNECTION_REFUSED'
  | 'CONNECTION_FAILED';

export interface TlsGetOptions {
  url: URL;
  /** Trust anchors (PEM). Undefined: Node's bundled roots. */
  ca?: string | undefined;
  /** Skip the trust and host-name checks (fetch-ca only: the caller verifies the chain itself). */
  insecure?: boolean;
  /** Client certificate chain (leaf + intermediates, PEM) and its key (PEM). */
  cert?: string | undefined;
  key?: string | undefined;
  timeoutMs: number;
  /** Largest body read; a longer one fails with RESPONSE_TOO_LARGE. Default MAX_RESPONSE_BYTES. */
  maxBodyBytes?: number | undefined;
}

export interface TlsGetResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** DER of each certificate the server sent, leaf first. */
  peerChain: Buffer[];
  protocol: string | null;
}

/** RFC 8446 section 6 / RFC 5246 alert descriptions a registry sends about a client certificate. */
const ALERT_NAMES: Record<string, string> = {
  '40': 'handshake_failure',
  '42': 'bad_certificate',
  '43': 'unsupported_certificate',
  '44': 'certificate_revoked',
  '45': 'certificate_expired',
  '46': 'certificate_unknown',
  '48': 'unknown_ca',
  '116': 'certificate_required',
};

/** "TLS alert 42 (bad_certificate)" from what Node reported for a refused handshake. */
export function describeAlert(reported: string): string {
  const n = /(?:alert number |\()(\d+)\)?/.exec(reported)?.[1];
  if (n) return `TLS alert ${n}${ALERT_NAMES[n] ? ` (${ALERT_NAMES[n]})` : ''}`;
  const named = Object.values(ALERT_NAMES).find((a) => reported.toLowerCase().includes(a));
  return named ? `TLS alert ${named}` : reported;
}

function fail(code: TlsFailure, message: string, hint: string, details: Record<string, unknown> = {}): RegcertError {
  return operationError(code, message, hint, { details: { cause: code, ...details } });
}

/** The DER of the server's certificates in the order it sent them (leaf first). */
function peerChainOf(socket: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let c: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate;
  const seen = new Set<string>();
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(c.raw);
    c = c.issuerCertificate;
  }
  return out;
}

function sansOfPeer(cert: tls.PeerCertificate): string[] {
  return (cert.subjectaltname ?? '').split(/,\s*/).filter(Boolean);
}

function classifySocketError(e: NodeJS.ErrnoException, url: URL): RegcertError {
  const code = e.code ?? '';
  const where = `${url.hostname}:${url.port || 443}`;
  if (code === 'ECONNREFUSED') {
    return fail('CONNECTION_REFUSED', `connection refused by ${where}`, 'check that the registry is running and the URL (host and port) is right');
  }
  if (/ALERT/.test(code) || /alert/i.test(e.message)) {
    const alert = (/alert number (\d+)/.exec(e.message)?.[1] ?? code.replace(/^ERR_SSL_/, '').toLowerCase()) || e.message;
    return fail(
      'CLIENT_CERT_REFUSED',
      `${url.origin}${url.pathname}: the server refused the TLS handshake (${alert}): it did not accept the client certificate`,
      'check that the server trusts the CA that issued the certificate (clientcas / ssl_client_certificate), that it carries clientAuth, and that it has not expired',
      { alert: code },
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return fail('CLIENT_CERT_REFUSED', `${url.origin}${url.pathname}: the server closed the connection during or right after the TLS handshake`, 'the server most likely refused the client certificate; check its logs', { alert: code });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return fail('CONNECTION_FAILED', `cannot resolve ${url.hostname}`, 'check the host name in the URL');
  }
  return fail('CONNECTION_FAILED', `connection to ${where} failed: ${e.message}`, 'check the URL and that the registry speaks HTTPS on that port');
}

/** GET `url` over TLS. Throws a RegcertError whose details.cause is a TlsFailure. */
export function tlsGet(opts: TlsGetOptions): Promise<TlsGetResult> {
  const { url } = opts;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 443);
  const maxBody = opts.maxBodyBytes ?? MAX_RESPONSE_BYTES;
  return new Promise<TlsGetResult>((resolve, reject) => {
    let settled = false;
    let socket: tls.TLSSocket | undefined;
    const done = (e: RegcertError | undefined, r?: TlsGetResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      if (e) reject(e);
      else resolve(r!);
    };
    const timer = setTimeout(() => {
      done(fail('TIMEOUT', `no answer from ${url.host} within ${opts.timeoutMs / 1000} s`, 'check that the registry is up and reachable, or raise --timeout'));
    }, opts.timeoutMs);

    socket = tls.connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    socket.on('error', (e) => done(classifySocketError(e as NodeJS.ErrnoException, url)));
    socket.once('secureConnect', () => {
      const s = socket!;
      const peer = s.getPeerCertificate(true);
      const peerChain = peerChainOf(s);
      if (!opts.insecure) {
        // Node checks the host name too and reports it as an authorization error: tell it apart.
        const altnameOnly = String(s.authorizationError) === 'ERR_TLS_CERT_ALTNAME_INVALID';
        if (!s.authorized && !altnameOnly) {
          const why = String(s.authorizationError ?? 'unknown reason');
          done(
            fail('UNTRUSTED_SERVER', `the server certificate of ${url.host} is not trusted (${why})`, opts.ca ? 'pass the CA that issued the registry certificate with --ca' : `pass the registry CA with --ca, or download it with "regcert fetch-ca https://${url.host}"`, {
              reason: why,
            }),
          );
          return;
        }
        const idErr = tls.checkServerIdentity(host, peer);
        if (idErr) {
          const sans = sansOfPeer(peer);
          done(
            fail('HOSTNAME_MISMATCH', `${host} is not in the server certificate's SANs (${sans.length ? sans.join(', ') : 'it has none'})`, 'use a URL whose host is one of those names, or reissue the server certificate with --san ' + host, {
              sans,
            }),
          );
          return;
        }
      }
      const req = http.request(
        {
          createConnection: () => s,
          host: url.host,
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: { host: url.host, accept: 'application/json, */*', 'user-agent': 'regcert' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const tooLarge = () =>
            fail('RESPONSE_TOO_LARGE', `${url.href} answered with more than ${maxBody} bytes`, `regcert reads at most ${maxBody} bytes from a registry: check the URL (it should answer with a CA, /basic_info or /v2/, not a download)`, {
              limit: maxBody,
            });
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBody) {
            done(tooLarge());
            return;
          }
          res.on('data', (d: Buffer) => {
            size += d.length;
            if (size > maxBody) done(tooLarge());
            else chunks.push(d);
          });
          res.on('end', () =>
            done(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), peerChain, protocol: s.getProtocol() }),
          );
          res.on('error', (e) => done(classifySocketError(e as NodeJS.ErrnoException, url)));
        },
      );
      req.on('error', (e) => done(classifySocketError(e as NodeJS.ErrnoException, url)));
      req.end();
    });
  });
}

/** Parses a JSON body or throws NOT_JSON naming what came back. */
export function parseJsonBody(r: TlsGetResult, url: URL): unknown {
  try {
    return JSON.parse(r.body.toString('utf8'));
  } catch {
    const ct = String(r.headers['content-type'] ?? 'no content type');
    const start = r.body.toString('utf8').slice(0, 80).replace(/\s+/g, ' ');
    throw fail('NOT_JSON', `${url.href} answered ${r.status} with a body that is not JSON (${ct}: "${start}")`, 'check that the URL points at the registry (MSR serves /basic_info), not a proxy or web page');
  }
}

export function httpStatusError(r: TlsGetResult, url: URL, hint: string): RegcertError {
  const body = r.body.toString('utf8', 0, Math.min(r.body.length, 2000));
  // nginx with ssl_verify_client optional answers a certificate it cannot verify with this page.
  if (r.status === 400 && /SSL certificate error|No required SSL certificate/i.test(body)) {
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim() ?? 'SSL certificate error';
    return fail('CLIENT_CERT_REFUSED', `${url.href} answered HTTP 400 (${title}): the server did not accept the client certificate`, 'check that the server trusts the CA that issued the certificate (ssl_client_certificate / clientcas)', { status: r.status });
  }
  return fail('HTTP_STATUS', `${url.href} answered HTTP ${r.status}`, hint, { status: r.status });
}
