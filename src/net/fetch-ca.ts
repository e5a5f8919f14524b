/**
 * Downloading a registry's CA from its /ca endpoint, and deciding what of
 * it to trust: only a CA certificate that anchors the chain the server
 * presented on that same connection (the pinned one, when pinned), plus the
 * intermediates of that chain that /ca carried. Everything else is refused,
 * or with --allow-extra dropped and named.
 */
import { verifyChainToHighest } from '../core/chain.js';
import { certificateFromDer, certificateToPem, isCa, isSelfSigned, isSignedBy, parseCertificates, sameCertificate, sha256Fingerprint, type Certificate } from '../core/certificates.js';
import { MAX_CA_CERTIFICATES } from '../core/defaults.js';
import { summarizeCertificate, type CertificateSummary } from '../core/describe.js';
import { inputError, operationError } from '../core/errors.js';
import { countPemBlocks } from '../core/pem.js';
import { parseHttpsUrl } from '../core/registry-host.js';
import { httpStatusError, tlsGet } from './tls-client.js';

export interface DroppedCertificate {
  subject: string;
  sha256: string;
  reason: string;
}

export interface FetchedCa {
  url: string;
  /** The certificates to write (the anchor and the intermediates /ca carried for it), as PEM text. */
  pem: string;
  /** What gets written, in the order /ca served it. */
  certificates: CertificateSummary[];
  /** SHA-256 of the CA that anchors the server's chain. */
  anchor: string;
  /** What /ca served and is not written, with the reason. */
  dropped: DroppedCertificate[];
  /** Subjects of the server's chain as it verifies, leaf first, up to the anchor. */
  serverChain: string[];
  /** How the CA was accepted. */
  accepted: Acceptance;
}

export interface TrustOptions {
  fingerprint?: string | undefined;
  yes?: boolean | undefined;
  /** Drop (and name) certificates of /ca that are not on the server's chain, instead of refusing. */
  allowExtra?: boolean | undefined;
}

export interface TrustContext {
  interactive: boolean;
  confirm?: ((question: string, details?: readonly string[]) => Promise<boolean>) | undefined;
}

/** https://host[:port] → https://host[:port]/ca; a URL with a path is kept. */
export function caUrl(input: string): URL {
  const url = parseHttpsUrl(input, 'the CA is fetched over TLS: use https://');
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

function timeoutError(url: URL, timeoutMs: number) {
  return operationError('TIMEOUT', `no complete answer from ${url.host} within ${timeoutMs / 1000} s`, 'check that the registry is up and reachable, or raise --timeout', {
    details: { cause: 'TIMEOUT' },
  });
}

function needsConfirmation(url: string) {
  return inputError('NEEDS_CONFIRMATION', `refusing to trust the CA from ${url} without a fingerprint or confirmation`, 'pass --fingerprint SHA256 (from your registry administrator) or --yes to trust it on first use');
}

/** Rejects with TIMEOUT when `work` does not settle before `deadline` (ms since the epoch). */
function beforeDeadline<T>(work: Promise<T>, deadline: number, url: URL, timeoutMs: number): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) return Promise.reject(timeoutError(url, timeoutMs));
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeoutError(url, timeoutMs)), left);
    }),
  ]).finally(() => clearTimeout(timer));
}

const label = (c: Certificate) => `"${c.subject}" (sha256 ${sha256Fingerprint(c.rawData)})`;

/**
 * The trust decision, given what /ca served and the chain the server
 * presented: the anchor (the pinned CA, or without a pin the highest CA of
 * the verified chain that /ca served), what to write, and what to drop.
 * Throws (exit 1) when the pin is not that anchor, when no served CA anchors
 * the chain, and (without allowExtra) when /ca carries anything else than
 * the anchor and the chain's intermediates.
 */
async function selectServedCa(
  served: readonly Certificate[],
  presented: readonly Certificate[],
  opts: { fingerprint?: string | undefined; allowExtra?: boolean | undefined; url: URL },
): Promise<{ anchor: Certificate; write: Certificate[]; dropped: DroppedCertificate[]; path: Certificate[] }> {
  const { url } = opts;
  const unique = served.filter((c, i) => served.findIndex((d) => sameCertificate(c, d)) === i);
  // The chain as it verifies (core/chain.ts, the rules the runtimes apply) to the highest CA /ca served; when none does, as far as it verifies.
  const v = await verifyChainToHighest([...presented, ...unique], unique.filter(isCa));
  const path = v.ok ? v.certificates : v.certificates.slice(0, (v.at ?? 0) + 1);
  const onPath = (c: Certificate) => path.findIndex((p) => sameCertificate(p, c));
  const chainText = path.map((c) => `"${c.subject}"`).join(' <- ');
  const why = v.ok ? '' : `: ${v.reason}`;
  // A CA on the verified chain that /ca served; the leaf only when it is its own CA (self-signed, verified).
  const leafIsOwnCa = v.ok && path.length === 1 && isSelfSigned(path[0]!) && (await isSignedBy(path[0]!, path[0]!));
  const anchors = v.ok ? unique.filter((c) => isCa(c) && onPath(c) >= 0 && (onPath(c) > 0 || leafIsOwnCa)) : [];
  let anchor: Certificate;
  if (opts.fingerprint !== undefined) {
    const want = parseFingerprint(opts.fingerprint);
    const pinned = unique.find((c) => sha256Fingerprint(c.rawData) === want);
    if (!pinned) {
      throw operationError(
        'FINGERPRINT_MISMATCH',
        `no certificate from ${url.href} has the SHA-256 fingerprint ${want} (got ${unique.map((c) => sha256Fingerprint(c.rawData)).join(', ')})`,
        'nothing was written: compare the fingerprint with the one your registry administrator published',
      );
    }
    if (!anchors.some((a) => sameCertificate(a, pinned))) {
      throw operationError(
        'PIN_NOT_ANCHOR',
        `the pinned certificate ${label(pinned)} ${isCa(pinned) ? 'does not anchor' : 'is not a CA certificate (CA:FALSE) and cannot anchor'} the chain ${url.host} presented on this connection (${chainText})${why}`,
        'nothing was written: the connection may be intercepted (a man in the middle can serve your CA next to its own), or the registry certificate was not issued by the pinned CA',
        { details: { serverChain: path.map((c) => c.subject) } },
      );
    }
    anchor = pinned;
  } else {
    const top = anchors.sort((a, b) => onPath(b) - onPath(a))[0];
    if (!top) {
      throw operationError(
        'CA_DOES_NOT_MATCH_SERVER',
        `the CA served at ${url.href} does not verify the TLS certificate the server presented (${chainText}, issuer "${path[path.length - 1]!.issuer}")${why}`,
        'do not trust this CA: the endpoint may be intercepted, or /ca serves a different CA than the one that issued the registry certificate',
        { details: { serverChain: path.map((c) => c.subject) } },
      );
    }
    anchor = top;
  }
  const anchorAt = onPath(anchor);
  const write: Certificate[] = [];
  const dropped: DroppedCertificate[] = [];
  const extra: string[] = [];
  for (const c of unique) {
    const at = onPath(c);
    const drop = (reason: string) => dropped.push({ subject: c.subject, sha256: sha256Fingerprint(c.rawData), reason });
    if (sameCertificate(c, anchor) || (at > 0 && at < anchorAt && isCa(c))) write.push(c);
    else if (at > anchorAt) drop('above the pinned CA in the chain: the pinned CA is the anchor');
    else if (!isCa(c)) {
      drop('not a CA certificate (CA:FALSE)');
      extra.push(`${label(c)}: not a CA certificate`);
    } else {
      drop(`not on the chain ${url.host} presented`);
      extra.push(`${label(c)}: not on the chain the server presented`);
    }
  }
  if (extra.length > 0 && !opts.allowExtra) {
    throw operationError(
      'EXTRA_CERTIFICATES',
      `${url.href} carries ${extra.length} certificate(s) besides the CA that anchors the server's chain (${chainText}): ${extra.join('; ')}`,
      'nothing was written: a man in the middle can add its own CA to /ca; ask the registry administrator, or pass --allow-extra to write only the anchoring CA and drop the rest',
      { details: { serverChain: path.map((c) => c.subject), extra } },
    );
  }
  return { anchor, write, dropped, path };
}

/**
 * Fetches /ca and decides what to trust, all inside `timeoutMs` (connect,
 * TLS, body, parsing and chain checks), then applies the pin, --yes or a
 * TTY confirmation. The one entry point of fetch-ca and install-host --fetch-ca.
 */
export async function fetchTrustedCa(input: string, opts: TrustOptions, timeoutMs: number, ctx: TrustContext): Promise<FetchedCa> {
  const url = caUrl(input);
  if (opts.fingerprint !== undefined) parseFingerprint(opts.fingerprint);
  if (opts.fingerprint === undefined && !opts.yes && !(ctx.interactive && ctx.confirm)) throw needsConfirmation(url.href);
  const deadline = Date.now() + timeoutMs;
  const r = await tlsGet({ url, insecure: true, timeoutMs });
  if (r.status !== 200) throw httpStatusError(r, url, 'check that the server serves its CA at this path (MSR/MKE: /ca)');
  const decided = beforeDeadline(
    (async () => {
      if (countPemBlocks(r.body, MAX_CA_CERTIFICATES) > MAX_CA_CERTIFICATES) {
        throw operationError('TOO_MANY_CERTIFICATES', `${url.href} answered with more than ${MAX_CA_CERTIFICATES} PEM blocks`, 'nothing was written: a registry CA is one certificate, or a handful with intermediates; check the URL');
      }
      let served: Certificate[];
      try {
        served = parseCertificates(new Uint8Array(r.body), url.href);
      } catch (e) {
        throw operationError('NOT_A_CERTIFICATE', `${url.href} did not answer with a certificate`, 'check the URL: it should return the CA in PEM', { cause: e });
      }
      // Parsing is synchronous: the race below cannot interrupt it, so look at the clock after it.
      if (Date.now() > deadline) throw timeoutError(url, timeoutMs);
      let presented: Certificate[];
      try {
        presented = r.peerChain.map((der) => certificateFromDer(new Uint8Array(der)));
      } catch (e) {
        throw operationError('BAD_PEER_CERT', `${url.host} presented a TLS certificate regcert cannot parse`, 'check that the URL is the registry; nothing was written', { cause: e });
      }
      if (presented.length === 0) throw operationError('NO_PEER_CERT', `${url.host} presented no certificate`, 'check that the URL is an HTTPS registry');
      return selectServedCa(served, presented, { fingerprint: opts.fingerprint, allowExtra: opts.allowExtra, url });
    })(),
    deadline,
    url,
    timeoutMs,
  );
  const { anchor, write, dropped, path } = await decided;
  const fetched: Omit<FetchedCa, 'accepted'> = {
    url: url.href,
    // Re-encoded: only the certificates are written, whatever text or DER came around them.
    pem: write.map(certificateToPem).join(''),
    certificates: write.map(summarizeCertificate),
    anchor: sha256Fingerprint(anchor.rawData),
    dropped,
    serverChain: path.slice(0, path.findIndex((c) => sameCertificate(c, anchor)) + 1).map((c) => c.subject),
  };
  return { ...fetched, accepted: await acceptFetchedCa(fetched, opts, ctx) };
}

export type Acceptance = 'fingerprint' | 'yes' | 'confirmed';

/**
 * Trust-on-first-use policy shared by fetch-ca and install-host --fetch-ca:
 * a pinned fingerprint (already checked to be the anchor), --yes, or a TTY confirmation.
 */
async function acceptFetchedCa(fetched: Omit<FetchedCa, 'accepted'>, opts: TrustOptions, ctx: TrustContext): Promise<Acceptance> {
  if (opts.fingerprint !== undefined) return 'fingerprint';
  if (opts.yes) return 'yes';
  if (!ctx.interactive || !ctx.confirm) throw needsConfirmation(fetched.url);
  const details = [`${fetched.url} served:`];
  for (const c of fetched.certificates) details.push(`  subject ${c.subject}`, `    valid  ${c.notBefore} .. ${c.notAfter}`, `    sha256 ${c.sha256}`);
  for (const d of fetched.dropped) details.push(`  dropped ${d.subject}`, `    sha256 ${d.sha256} (${d.reason})`);
  if (!(await ctx.confirm(`Trust this CA for ${new URL(fetched.url).host}?`, details))) {
    throw operationError('NOT_CONFIRMED', 'the CA was not accepted', 'nothing was written; compare the fingerprint out of band and pass --fingerprint');
  }
  return 'confirmed';
}
