/**
 * zot logs a client in by its certificate: with `http.tls.cacert` set it asks
 * for a client certificate (tls.VerifyClientCertIfGiven: a client without one
 * is anonymous, pkg/api/controller.go), and `http.auth.mtls` picks the user
 * name from the certificate (pkg/api/authn.go extractIdentityFromCertificate):
 * CommonName (the default), Subject (Go's pkix.Name.String()), Email, URI
 * (optionally through uriSanPattern's first capture group) or DNSName, each
 * from the first SAN of its kind. identityAttributes exists since zot 2.1.12.
 *
 * Keys and types are those of zot v2.1.20 pkg/api/config/config.go
 * (TLSConfig, AuthConfig, MTLSConfig, AccessControlConfig, PolicyGroup, Policy).
 */
import { subjectAttributes, type Certificate } from './certificates.js';
import { certificateSans } from './describe.js';
import { inputError } from './errors.js';

export const ZOT_IDENTITIES = ['cn', 'subject', 'email', 'uri', 'dns'] as const;
export type ZotIdentity = (typeof ZOT_IDENTITIES)[number];

/** The names zot's config.go lists for identityAttributes (matched case-insensitively by authn.go). */
export const ZOT_IDENTITY_ATTRIBUTE: Record<ZotIdentity, string> = {
  cn: 'CommonName',
  subject: 'Subject',
  email: 'Email',
  uri: 'URI',
  dns: 'DNSName',
};

/** zot's permission names (pkg/api/constants/consts.go). */
export const ZOT_ACTIONS = ['read', 'create', 'update', 'delete'] as const;

/** A bound on --uri-pattern: zot compiles it on every request. */
const MAX_PATTERN = 512;

export function parseZotIdentity(value: string | undefined): ZotIdentity {
  const v = value ?? 'cn';
  if ((ZOT_IDENTITIES as readonly string[]).includes(v)) return v as ZotIdentity;
  throw inputError('BAD_IDENTITY', `unknown --identity "${v}"`, `use one of: ${ZOT_IDENTITIES.join(', ')}`);
}

/**
 * --uri-pattern: a regular expression zot compiles with Go's regexp (RE2) and
 * whose first capture group becomes the user name. Refused: what RE2 lacks
 * (look-around, back-references), no capture group, control characters.
 */
export function parseUriPattern(value: string | undefined, identity: ZotIdentity): { source: string; regex: RegExp } | undefined {
  if (value === undefined) return undefined;
  if (identity !== 'uri') throw inputError('PATTERN_WITHOUT_URI', '--uri-pattern only applies to --identity uri', 'add --identity uri, or drop --uri-pattern');
  const hint = 'pass a pattern with one capture group, e.g. --uri-pattern "^spiffe://example.org/ci/(.+)$"';
  if (value === '' || value.length > MAX_PATTERN) throw inputError('BAD_PATTERN', `--uri-pattern must be 1 to ${MAX_PATTERN} characters`, hint);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw inputError('BAD_PATTERN', '--uri-pattern holds a control character', hint);
  if (/\(\?<?[=!]|\\[1-9]|\\k</.test(value)) throw inputError('BAD_PATTERN', `--uri-pattern ${JSON.stringify(value)} uses look-around or a back-reference, which Go's regexp (zot) does not support`, hint);
  let regex: RegExp;
  try {
    regex = new RegExp(value);
  } catch (e) {
    throw inputError('BAD_PATTERN', `--uri-pattern ${JSON.stringify(value)} is not a regular expression: ${(e as Error).message}`, hint);
  }
  const groups = new RegExp(`${value}|`).exec('')!.length - 1;
  if (groups < 1) throw inputError('BAD_PATTERN', `--uri-pattern ${JSON.stringify(value)} has no capture group: zot takes the user name from the first one`, hint);
  return { source: value, regex };
}

const GO_TYPE_NAMES: Record<string, string> = {
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
};
/** pkix.Name.ToRDNSequence's order; String() prints it reversed. */
const GO_RDN_ORDER = ['2.5.4.6', '2.5.4.8', '2.5.4.7', '2.5.4.9', '2.5.4.17', '2.5.4.10', '2.5.4.11'];

/** RFC 2253 escaping as Go's RDNSequence.String() does it. */
function goEscape(v: string): string {
  const chars = [...v];
  return chars
    .map((c, k) => {
      const esc = ',+"\\<>;'.includes(c) || (c === ' ' && (k === 0 || k === chars.length - 1)) || (c === '#' && k === 0);
      return esc ? `\\${c}` : c;
    })
    .join('');
}

/**
 * The subject as zot's "Subject" identity prints it: Go's pkix.Name.String()
 * of the parsed name (C, ST, L, STREET, POSTALCODE, O, OU grouped by type,
 * then CN, then SERIALNUMBER; printed in reverse, "," between RDNs, "+"
 * inside one). Other attribute types are refused: Go releases print them
 * differently.
 */
export function goSubjectString(cert: Certificate): string {
  const name = subjectAttributes(cert);
  const values = new Map<string, string[]>();
  for (const rdn of name) {
    for (const atv of rdn) {
      if (GO_TYPE_NAMES[atv.type] === undefined) {
        throw inputError('SUBJECT_ATTRIBUTE', `the certificate's subject holds attribute ${atv.type}, which zot's Subject identity prints by Go version`, 'use --identity cn (or email, uri, dns) for this certificate');
      }
      values.set(atv.type, [...(values.get(atv.type) ?? []), atv.value]);
    }
  }
  const rdns: string[][] = [];
  for (const oid of GO_RDN_ORDER) if (values.has(oid)) rdns.push(values.get(oid)!.map((v) => `${GO_TYPE_NAMES[oid]}=${goEscape(v)}`));
  // A single-valued field: the last one read wins (FillFromRDNSequence).
  for (const oid of ['2.5.4.3', '2.5.4.5']) {
    const v = values.get(oid)?.at(-1);
    if (v !== undefined && v !== '') rdns.push([`${GO_TYPE_NAMES[oid]}=${goEscape(v)}`]);
  }
  return rdns
    .reverse()
    .map((r) => r.join('+'))
    .join(',');
}

/** The user name zot derives from this certificate, or an input error saying why it derives none. */
export function zotIdentityOf(cert: Certificate, identity: ZotIdentity, pattern: RegExp | undefined, source: string): string {
  const sans = certificateSans(cert);
  const first = (type: 'dns' | 'email' | 'uri') => sans.find((s) => s.type === type)?.value;
  const none = (what: string, hint: string): never => {
    throw inputError('NO_IDENTITY', `${source} has no ${what}: zot would log it in as nobody with --identity ${identity}`, hint);
  };
  switch (identity) {
    case 'cn': {
      const cn = subjectAttributes(cert)
        .flatMap((rdn) => rdn.filter((a) => a.type === '2.5.4.3').map((a) => a.value))
        .at(-1);
      return cn !== undefined && cn !== '' ? cn : none('common name', 'reissue with --cn NAME');
    }
    case 'subject':
      return goSubjectString(cert);
    case 'email':
      return first('email') ?? none('email SAN', 'reissue with --san user@example.com');
    case 'dns':
      return first('dns') ?? none('DNS SAN', 'reissue with --san name.example.com');
    case 'uri': {
      const uri = first('uri') ?? none('URI SAN', 'reissue with --san spiffe://example.org/ci/NAME');
      if (pattern === undefined) return uri;
      const m = pattern.exec(uri);
      if (!m || m[1] === undefined) throw inputError('NO_IDENTITY', `--uri-pattern does not match ${source}'s URI SAN ${uri}: zot would refuse the login`, 'fix the pattern or the SAN');
      return m[1];
    }
  }
}

export interface ZotHttpBlock {
  tls: { cert: string; key: string; cacert: string };
  auth: { mtls: { identityAttributes: string[]; uriSanPattern?: string } };
  accessControl: {
    repositories: Record<string, { policies: Array<{ users: string[]; actions: string[] }>; defaultPolicy: string[]; anonymousPolicy: string[] }>;
  };
}

/**
 * zot's http.tls, http.auth.mtls and an accessControl example: the one user
 * gets every action on every repository ("**"), other logged-in users and
 * anonymous clients (no certificate) get nothing.
 */
export function buildZotHttp(o: { cert: string; key: string; cacert: string; identity: ZotIdentity; uriPattern?: string | undefined; user: string }): { http: ZotHttpBlock } {
  const mtls: ZotHttpBlock['auth']['mtls'] = { identityAttributes: [ZOT_IDENTITY_ATTRIBUTE[o.identity]] };
  if (o.uriPattern !== undefined) mtls.uriSanPattern = o.uriPattern;
  return {
    http: {
      tls: { cert: o.cert, key: o.key, cacert: o.cacert },
      auth: { mtls },
      accessControl: { repositories: { '**': { policies: [{ users: [o.user], actions: [...ZOT_ACTIONS] }], defaultPolicy: [], anonymousPolicy: [] } } },
    },
  };
}
