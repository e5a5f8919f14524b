/**
 * The trust rules, in one place: does a certificate (with the
 * intermediates that came with it) reach one of a set of trust anchors,
 * and may it be used for TLS client or server authentication? Every command
 * that judges a chain (doctor, install-host, verify, inspect, to-p12,
 * issue, issue --batch, config, serve, trust-ca) asks here. Pure: the clock
 * is a parameter.
 *
 * The rules follow Go's crypto/x509 (verify.go), which CNCF distribution,
 * Docker, containerd and containers/image verify with:
 * - each issuer's name must be the child's issuer name and its key must
 *   verify the child's signature;
 * - every certificate on the path must be inside its validity period;
 * - an intermediate must be a CA (basicConstraints CA:TRUE); an anchor is
 *   trusted as given (a v1 root has no basicConstraints);
 * - a pathLenConstraint bounds the intermediates below it (anchors too);
 * - a CA with a keyUsage extension must carry keyCertSign (RFC 5280
 *   4.2.1.3; OpenSSL refuses it too, Go does not look);
 * - usage (checkChainForKeyUsage): a certificate without an EKU extension
 *   may be used for any purpose (RFC 5280 4.2.1.12), anyExtendedKeyUsage
 *   too; otherwise its EKUs must name the usage, and that holds for EVERY
 *   certificate on the path, so a CA whose own EKU extension omits
 *   clientAuth makes Go refuse every client certificate under it
 *   ("x509: certificate specifies an incompatible key usage").
 * - at most MAX_CHAIN_DEPTH certificates above the leaf, and a bounded
 *   number of signature checks while searching (Go stops at 100).
 */
import { KEY_USAGE_KEY_CERT_SIGN } from './cert-asn.js';
import { certificateExtensions, isCa, isSelfSigned, isSignedBy, nameDer, sameCertificate, type Certificate } from './certificates.js';
import { ekuNames } from './describe.js';
import { inputError } from './errors.js';

export { issuerKeyId } from './certificates.js';

/** Certificates above the leaf, the anchor included. */
export const MAX_CHAIN_DEPTH = 8;
/** Signature checks one verification may make while it looks for a path. */
const MAX_SIGNATURE_CHECKS = 100;

export type Usage = 'clientAuth' | 'serverAuth';

const USAGE_OID: Record<Usage, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };
const ANY_EKU = '2.5.29.37.0';
/** Go counts Netscape's and Microsoft's Server Gated Crypto as serverAuth. */
const SERVER_GATED_CRYPTO = ['2.16.840.1.113730.4.1', '1.3.6.1.4.1.311.10.3.3'];

/** May this one certificate be used for `usage`? No EKU extension (or an empty one, as Go reads it) means any purpose. */
export function permitsUsage(cert: Certificate, usage: Usage): boolean {
  const ekus = certificateExtensions(cert).ekus;
  if (ekus === undefined || ekus.length === 0 || ekus.includes(ANY_EKU) || ekus.includes(USAGE_OID[usage])) return true;
  return usage === 'serverAuth' && ekus.some((e) => SERVER_GATED_CRYPTO.includes(e));
}

/** The first certificate of a path (leaf first) that does not permit `usage`, with its index: Go's rule that every certificate on the chain must. */
function usageRefusedBy(path: readonly Certificate[], usage: Usage): { cert: Certificate; index: number } | undefined {
  const index = path.findIndex((c) => !permitsUsage(c, usage));
  return index < 0 ? undefined : { cert: path[index]!, index };
}

export type ChainFault = 'empty' | 'no-issuer' | 'bad-signature' | 'not-ca' | 'key-usage' | 'path-length' | 'expired' | 'not-yet-valid' | 'usage' | 'too-long';

export interface ChainCheck {
  ok: boolean;
  /** Subjects from the leaf up to the anchor (when ok), or as far as the walk got. */
  path: string[];
  /** The certificates of `path`. */
  certificates: Certificate[];
  /** What is wrong, when !ok. */
  fault?: ChainFault;
  /** Why not, when !ok: a sentence naming the certificate. */
  reason?: string;
  /** The index in `certificates` of the certificate the fault is about. */
  at?: number;
}

export interface ChainOptions {
  /** The clock (validity periods). */
  now?: Date;
  /** Check that the path may be used for this (Go's rule: every certificate on it). */
  usage?: Usage;
  maxDepth?: number;
}


function validityFault(cert: Certificate, now: Date): { fault: ChainFault; reason: string } | undefined {
  if (now < cert.notBefore) return { fault: 'not-yet-valid', reason: `"${cert.subject}" is not valid before ${cert.notBefore.toISOString()}` };
  if (now > cert.notAfter) return { fault: 'expired', reason: `"${cert.subject}" expired on ${cert.notAfter.toISOString()}` };
  return undefined;
}

/** Why `issuer` may not sign the certificate `below` certificates above the leaf, or undefined. */
function issuerFault(issuer: Certificate, anchor: boolean, below: number): { fault: ChainFault; reason: string } | undefined {
  const ext = certificateExtensions(issuer);
  if (!anchor && !isCa(issuer)) return { fault: 'not-ca', reason: `"${issuer.subject}" signs certificates but is not a CA (no basicConstraints CA:TRUE)` };
  if (!anchor && ext.keyUsage !== undefined && (ext.keyUsage & KEY_USAGE_KEY_CERT_SIGN) === 0) {
    return { fault: 'key-usage', reason: `"${issuer.subject}" signs certificates but its key usage lacks keyCertSign` };
  }
  const pathLen = ext.basicConstraints?.pathLength;
  if (pathLen !== undefined && below > pathLen) {
    return { fault: 'path-length', reason: `"${issuer.subject}" allows ${pathLen} intermediate(s) below it (pathlen), the chain has ${below}` };
  }
  return undefined;
}

/**
 * Builds a path from `chain[0]` through the intermediates in `chain` (any
 * order) to a certificate in `anchors` and checks it: signatures, validity,
 * CA and key usage of each issuer, pathLen, depth and, with `usage`, the
 * EKU of every certificate on it. An anchor equal to the leaf itself counts
 * (a pinned self-signed certificate). When several issuers fit, each is
 * tried; the verdict names the first fault of the path that got furthest.
 */
export async function verifyChain(chain: readonly Certificate[], anchors: readonly Certificate[], o: ChainOptions = {}): Promise<ChainCheck> {
  const now = o.now ?? new Date();
  const maxDepth = o.maxDepth ?? MAX_CHAIN_DEPTH;
  const leaf = chain[0];
  if (!leaf) return { ok: false, path: [], certificates: [], fault: 'empty', reason: 'no certificate' };
  const pool = chain.slice(1).filter((c) => !sameCertificate(c, leaf));
  let checks = 0;
  let best: (ChainCheck & { rank: number }) | undefined;
  const fail = (path: Certificate[], at: number, f: { fault: ChainFault; reason: string }, complete = false): undefined => {
    // A path that reached an anchor explains best, then the one that got furthest; among equals, the first found.
    const rank = (complete ? 1000 : 0) + path.length;
    if (!best || rank > best.rank) best = { ok: false, path: path.map((c) => c.subject), certificates: path, fault: f.fault, reason: f.reason, at, rank };
    return undefined;
  };
  const finish = (path: Certificate[]): ChainCheck | undefined => {
    // The leaf's own validity last, so that a path fault is not hidden behind it.
    const v = validityFault(leaf, now);
    if (v) return fail(path, 0, v, true);
    if (o.usage) {
      const refused = usageRefusedBy(path, o.usage);
      if (refused) {
        const what = refused.index === 0 ? `"${refused.cert.subject}"` : `the CA "${refused.cert.subject}" on its chain`;
        return fail(path, refused.index, { fault: 'usage', reason: `${what} does not permit ${o.usage} (extended key usage: ${describeEkus(refused.cert)})` }, true);
      }
    }
    return { ok: true, path: path.map((c) => c.subject), certificates: path };
  };
  const walk = async (path: Certificate[]): Promise<ChainCheck | undefined> => {
    const current = path[path.length - 1]!;
    if (path.length - 1 >= maxDepth) return fail(path, path.length - 1, { fault: 'too-long', reason: `the chain is longer than ${maxDepth} certificates above the leaf` });
    const issuerName = nameDer(current, 'issuer');
    const candidates = [...anchors.map((c) => ({ c, anchor: true })), ...pool.map((c) => ({ c, anchor: false }))].filter(
      ({ c, anchor }) => !path.some((p) => sameCertificate(p, c)) && (anchor || !isSelfSigned(c)) && nameDer(c, 'subject').equals(issuerName),
    );
    if (candidates.length === 0) return fail(path, path.length - 1, { fault: 'no-issuer', reason: `no certificate given signs "${current.subject}" (issuer "${current.issuer}")` });
    for (const { c, anchor } of candidates) {
      if (++checks > MAX_SIGNATURE_CHECKS) return fail(path, path.length - 1, { fault: 'too-long', reason: `more than ${MAX_SIGNATURE_CHECKS} candidate issuers tried` });
      const next = [...path, c];
      if (!(await isSignedBy(current, c))) {
        // Key identifiers that differ say "another CA with the same name" (e.g. two PKIs made with the same CN), not a damaged signature.
        const aki = certificateExtensions(current).authorityKeyId;
        const ski = certificateExtensions(c).subjectKeyId;
        fail(
          next,
          path.length - 1,
          aki !== undefined && ski !== undefined && aki !== ski
            ? { fault: 'no-issuer', reason: `no certificate given signs "${current.subject}": "${c.subject}" has its issuer's name but another key` }
            : { fault: 'bad-signature', reason: `the signature of "${current.subject}" does not verify with the key of "${c.subject}"` },
        );
        continue;
      }
      const f = validityFault(c, now) ?? issuerFault(c, anchor, path.length - 1);
      if (f) {
        fail(next, next.length - 1, f);
        continue;
      }
      const done = anchor ? finish(next) : await walk(next);
      if (done) return done;
    }
    return undefined;
  };
  const found = anchors.some((a) => sameCertificate(a, leaf)) ? finish([leaf]) : await walk([leaf]);
  if (found) return found;
  const { rank: _rank, ...verdict } = best!;
  return verdict;
}

/**
 * A verdict that only says "this chain leads to none of these anchors" (no
 * issuer of that name among them, or one with another key): the
 * certificate may belong to another PKI, which commands that are not sure
 * of the anchor (install-host's --ca is the registry's CA) only warn about.
 * Every other failure means the chain reached the anchor and is broken.
 */
export function reachesNoAnchor(v: ChainCheck): boolean {
  return !v.ok && v.fault === 'no-issuer';
}

/** --purpose client|server, as a usage. */
export function parsePurpose(value: string | undefined): Usage | undefined {
  if (value === undefined) return undefined;
  if (value === 'client') return 'clientAuth';
  if (value === 'server') return 'serverAuth';
  throw inputError('BAD_PURPOSE', `invalid --purpose "${value}"`, 'pass --purpose client (TLS client authentication) or --purpose server');
}

/**
 * `others` as a chain file carries them after `leaf`: each issuer found
 * among them (the walk of verifyChain, signatures checked), then the rest in
 * their order. For a PKCS#12 whose bags come in any order.
 */
export async function orderChain(leaf: Certificate, others: readonly Certificate[]): Promise<Certificate[]> {
  const v = await verifyChain([leaf, ...others], others.filter((c) => isSelfSigned(c)));
  const path = v.certificates.length > 0 ? v.certificates : [leaf];
  return [...path, ...others.filter((c) => !path.includes(c))];
}

/**
 * Refuses to issue from a CA whose certificates would not verify for
 * `usages`: the CA's chain (ca.crt, then the parents from ca-chain.crt) must
 * reach its root (or the last certificate given) and, by Go's rule, every
 * CA on it must permit each usage (a CA whose EKU omits clientAuth issues
 * client certificates every registry refuses). `where` names the CA in the
 * message (its directory).
 */
export async function assertCanIssue(caChain: readonly Certificate[], usages: readonly Usage[], where: string, now?: Date): Promise<void> {
  const roots = caChain.filter((c) => isSelfSigned(c));
  const anchors = roots.length > 0 ? roots : caChain.slice(-1);
  for (const usage of usages.length > 0 ? usages : [undefined]) {
    const v = await verifyChain(caChain, anchors, { now, usage });
    if (!v.ok) {
      throw inputError('CA_CHAIN_REFUSED', `certificates from the CA in ${where} would be refused${usage ? ` for ${usage}` : ''}: ${v.reason}`, 'renew or recreate the CA (regcert init-ca), or use another --dir');
    }
  }
}

/**
 * Why a certificate cannot be trusted as an anchor (trust-ca): not a CA,
 * outside its validity period, or self-signed with a signature its own key
 * does not verify (a damaged root). undefined when it can.
 */
export async function anchorProblem(cert: Certificate, now: Date = new Date()): Promise<{ fault: ChainFault; reason: string } | undefined> {
  if (!isCa(cert)) return { fault: 'not-ca', reason: `"${cert.subject}" is not a CA certificate (no basicConstraints CA:TRUE)` };
  if (isSelfSigned(cert) && !(await isSignedBy(cert, cert))) return { fault: 'bad-signature', reason: `the self-signature of "${cert.subject}" does not verify` };
  return validityFault(cert, now);
}

/** The EKUs of a certificate as a phrase ("clientAuth, serverAuth"; "none" without the extension). */
export function describeEkus(cert: Certificate): string {
  return certificateExtensions(cert).ekus === undefined ? 'none' : ekuNames(cert).join(', ');
}

/** "not yet valid" / "expired" / undefined when `now` is inside the validity period. */
export function validityProblem(cert: Certificate, now: Date = new Date()): string | undefined {
  if (now < cert.notBefore) return `not valid before ${cert.notBefore.toISOString()}`;
  if (now > cert.notAfter) return `expired on ${cert.notAfter.toISOString()}`;
  return undefined;
}

/** The leaf plus every non-self-signed certificate after it: what a client.cert or server chain file carries. */
export function leafAndIntermediates(chain: readonly Certificate[]): Certificate[] {
  return chain.filter((c, i) => i === 0 || !isSelfSigned(c));
}

/**
 * verifyChain to the highest of several anchors: the path from `chain[0]`
 * that verifies to one of `anchors`, carried on while another of them
 * verifies above the one it reached (given an intermediate and its root
 * as anchors, the path ends at the root). fetch-ca asks this of the CAs a
 * registry's /ca serves, about the chain the server presented. When no
 * anchor verifies, the verdict of the first search.
 */
export async function verifyChainToHighest(chain: readonly Certificate[], anchors: readonly Certificate[], o: ChainOptions = {}): Promise<ChainCheck> {
  let v = await verifyChain(chain, anchors, o);
  let left = anchors;
  while (v.ok) {
    const reached = v.certificates;
    left = left.filter((a) => !reached.some((c) => sameCertificate(a, c)));
    // A self-signed anchor ends every path: verifyChain never climbs past one.
    if (left.length === 0 || isSelfSigned(reached[reached.length - 1]!)) return v;
    const higher = await verifyChain([...chain, ...anchors], left, o);
    if (!higher.ok) return v;
    v = higher;
  }
  return v;
}
