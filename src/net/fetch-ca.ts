/**
 * Downloading a registry's CA from its /ca endpoint, and checking it
 * against the TLS certificate the server presented on that same connection.
 */
import { chainsTo } from '../core/chain.js';
import { certificateToPem, parseCertificates, type Certificate } from '../core/certificates.js';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError, operationError } from '../core/errors.js';
import { x509 } from '../core/x509.js';
import { httpStatusError, tlsGet } from './tls-client.js';

export interface FetchedCa {
  url: string;
  /** The fetched certificates, as PEM text (what gets written). */
  pem: string;
  certificates: CertificateSummary[];
  /** Subjects of the server's chain, leaf first. */
  serverChain: string[];
}

/** https://host[:port] → https://host[:port]/ca; a URL with a path is kept. */
export function caUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `https://${input}`);
  } catch {
    throw inputError('BAD_URL', `invalid URL "${input}"`, 'pass a URL such as https://registry.example.com');
  }
  if (url.protocol !== 'https:') throw inputError('BAD_URL', `${input} is not an https:// URL`, 'the CA is fetched over TLS: use https://');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ca';
  return url;
}

/** Normalizes a SHA-256 fingerprint: hex, colons optional, optional "sha256:" prefix. */
export function parseFingerprint(value: string): string {
  const hex = value.trim().replace(/^sha256:/i, '').replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw inputError('BAD_FINGERPRINT', `invalid --fingerprint "${value}"`, 'pass the SHA-256 fingerprint as 64 hex digits (colons and a "sha256:" prefix are allowed)');
  }
  return hex.match(/../g)!.join(':');
}

export async function fetchCa(input: string, timeoutMs: number): Promise<FetchedCa> {
  const url = caUrl(input);
  const r = await tlsGet({ url, insecure: true, timeoutMs });
  if (r.status !== 200) throw httpStatusError(r, url, 'check that the server serves its CA at this path (MSR/MKE: /ca)');
  let certs: Certificate[];
  try {
    certs = parseCertificates(new Uint8Array(r.body), url.href);
  } catch (e) {
    throw operationError('NOT_A_CERTIFICATE', `${url.href} did not answer with a certificate`, 'check the URL: it should return the CA in PEM', { cause: e });
  }
  const peer = r.peerChain.map((der) => new x509.X509Certificate(new Uint8Array(der)));
  if (peer.length === 0) throw operationError('NO_PEER_CERT', `${url.host} presented no certificate`, 'check that the URL is an HTTPS registry');
  const check = await chainsTo(peer, certs);
  if (!check.ok) {
    throw operationError(
      'CA_DOES_NOT_MATCH_SERVER',
      `the CA served at ${url.href} does not verify the TLS certificate the server presented ("${peer[0]!.subject}", issuer "${peer[0]!.issuer}")`,
      'do not trust this CA: the endpoint may be intercepted, or /ca serves a different CA than the one that issued the registry certificate',
      { details: { serverChain: peer.map((c) => c.subject) } },
    );
  }
  return {
    url: url.href,
    // Re-encoded: only the certificates are written, whatever text or DER came around them.
    pem: certs.map(certificateToPem).join(''),
    certificates: certs.map(summarizeCertificate),
    serverChain: peer.map((c) => c.subject),
  };
}

/** Throws when no fetched certificate has the pinned fingerprint. */
export function assertFingerprint(fetched: FetchedCa, fingerprint: string): void {
  const want = parseFingerprint(fingerprint);
  if (!fetched.certificates.some((c) => c.sha256 === want)) {
    throw operationError(
      'FINGERPRINT_MISMATCH',
      `no certificate from ${fetched.url} has the SHA-256 fingerprint ${want} (got ${fetched.certificates.map((c) => c.sha256).join(', ')})`,
      'nothing was written: compare the fingerprint with the one your registry administrator published',
    );
  }
}

/**
 * Trust-on-first-use policy shared by fetch-ca and install-host --fetch-ca:
 * a pinned fingerprint, --yes, or a TTY confirmation.
 */
export async function acceptFetchedCa(
  fetched: FetchedCa,
  opts: { fingerprint?: string | undefined; yes?: boolean | undefined },
  ctx: { interactive: boolean; confirm?: ((m: string) => Promise<boolean>) | undefined },
): Promise<'fingerprint' | 'yes' | 'confirmed'> {
  if (opts.fingerprint !== undefined) {
    assertFingerprint(fetched, opts.fingerprint);
    return 'fingerprint';
  }
  if (opts.yes) return 'yes';
  if (!ctx.interactive || !ctx.confirm) {
    throw inputError('NEEDS_CONFIRMATION', `refusing to trust the CA from ${fetched.url} without a fingerprint or confirmation`, 'pass --fingerprint SHA256 (from your registry administrator) or --yes to trust it on first use');
  }
  const shown = fetched.certificates.map((c) => `  ${c.subject}\n    valid  ${c.notBefore} .. ${c.notAfter}\n    sha256 ${c.sha256}`).join('\n');
  if (!(await ctx.confirm(`${fetched.url} served:\n${shown}\nTrust this CA for ${new URL(fetched.url).host}?`))) {
    throw operationError('NOT_CONFIRMED', 'the CA was not accepted', 'nothing was written; compare the fingerprint out of band and pass --fingerprint');
  }
  return 'confirmed';
}
