/**
 * Chain checks: does a certificate (with the intermediates that came with
 * it) reach one of a set of trust anchors? Pure: the clock is a parameter.
 */
import { isCa, isSignedBy, isSelfSigned, type Certificate } from './certificates.js';

export interface ChainCheck {
  ok: boolean;
  /** Subjects from the leaf up to the anchor that signed the last one (when ok). */
  path: string[];
  /** Why not, when !ok. */
  reason?: string;
}

/**
 * Walks from `chain[0]` through the intermediates in `chain` (any order) to
 * a certificate in `anchors`. An anchor equal to the leaf itself counts
 * (a pinned self-signed server certificate).
 */
export async function chainsTo(chain: readonly Certificate[], anchors: readonly Certificate[], maxDepth = 8): Promise<ChainCheck> {
  const leaf = chain[0];
  if (!leaf) return { ok: false, path: [], reason: 'no certificate' };
  const same = (a: Certificate, b: Certificate) => Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
  if (anchors.some((a) => same(a, leaf))) return { ok: true, path: [leaf.subject] };
  const path: string[] = [leaf.subject];
  let current = leaf;
  for (let depth = 0; depth < maxDepth; depth++) {
    for (const a of anchors) {
      if (await isSignedBy(current, a)) return { ok: true, path: [...path, a.subject] };
    }
    let next: Certificate | undefined;
    for (const c of chain) {
      if (same(c, current) || isSelfSigned(c)) continue;
      if (await isSignedBy(current, c)) {
        next = c;
        break;
      }
    }
    if (!next) return { ok: false, path, reason: `no certificate given signs "${current.subject}" (issuer "${current.issuer}")` };
    path.push(next.subject);
    current = next;
  }
  return { ok: false, path, reason: 'chain too long' };
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
 * The chain a server presented, as it verifies: from `presented[0]` (the
 * leaf) up through issuers found in `presented` and `pool`, each a CA
 * (basicConstraints CA:TRUE) whose signature verifies, until a self-signed
 * certificate or no issuer is found. Issuers from `pool` are preferred, so
 * the path ends on the certificates the caller was given when they fit.
 */
export async function verifiedPath(presented: readonly Certificate[], pool: readonly Certificate[], maxDepth = 8): Promise<Certificate[]> {
  const leaf = presented[0];
  if (!leaf) return [];
  const key = (c: Certificate) => Buffer.from(c.rawData).toString('base64');
  const candidates = [...pool, ...presented.slice(1)];
  const path: Certificate[] = [leaf];
  const seen = new Set([key(leaf)]);
  let current = leaf;
  // Self-issued is not enough to stop (a leaf may carry its CA's name): it must also verify with its own key.
  for (let depth = 0; depth < maxDepth && !(isSelfSigned(current) && (await isSignedBy(current, current))); depth++) {
    let next: Certificate | undefined;
    for (const c of candidates) {
      if (seen.has(key(c)) || !isCa(c)) continue;
      if (await isSignedBy(current, c)) {
        next = c;
        break;
      }
    }
    if (!next) break;
    path.push(next);
    seen.add(key(next));
    current = next;
  }
  return path;
}
