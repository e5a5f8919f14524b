/**
 * `regcert verify`: prove that a registry authenticates this client by its
 * certificate. Local checks first, then GET URL/basic_info (MSR); when the
 * server has no /basic_info (a plain CNCF registry answers 404), a /v2/
 * probe with and without the certificate shows whether TLS client
 * authentication is enforced and passes with it.
 */
import { describeEkus, leafAndIntermediates, permitsUsage, validityProblem, verifyChain } from '../core/chain.js';
import { certificateToPem } from '../core/certificates.js';
import { inputError, isRegcertError, operationError, type RegcertError } from '../core/errors.js';
import { exportPrivateKeyPem } from '../core/keys.js';
import { timeoutMs } from '../core/time.js';
import { parseHttpsUrl } from '../core/registry-host.js';
import { readCredentials, type CredentialOptions, readCertificateFile } from '../io/credentials.js';
import { httpStatusError, parseJsonBody, tlsGet } from '../net/tls-client.js';
import type { CommandContext } from './context.js';

export interface VerifyOptions extends CredentialOptions {
  url: string;
  ca?: string | undefined;
  timeout?: number | undefined;
  api?: string | undefined;
}

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyResult {
  command: 'verify';
  ok: boolean;
  exitCode?: number;
  url: string;
  /** basic_info (MSR) or v2 (TLS probe of a plain registry). */
  probe: 'basic_info' | 'v2' | null;
  authnMethod: string | null;
  user: string | null;
  isAdmin: boolean | null;
  version: string | null;
  checks: VerifyCheck[];
  error?: { code: string; message: string; hint: string | null };
}

function baseUrl(input: string): URL {
  const url = parseHttpsUrl(input, 'TLS client authentication needs https://');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

export async function verify(opts: VerifyOptions, ctx: CommandContext): Promise<VerifyResult> {
  const base = baseUrl(opts.url);
  const ms = timeoutMs(opts.timeout);
  if (opts.api !== undefined && opts.api !== 'msr' && opts.api !== 'registry') {
    throw inputError('BAD_API', `invalid --api "${opts.api}"`, 'pass --api msr (GET /basic_info) or --api registry (probe /v2/)');
  }
  const result: VerifyResult = { command: 'verify', ok: false, url: base.href, probe: null, authnMethod: null, user: null, isAdmin: null, version: null, checks: [] };
  const failWith = (e: RegcertError): VerifyResult => {
    result.ok = false;
    result.exitCode = e.exitCode;
    result.error = { code: e.code, message: e.message, hint: e.hint ?? null };
    return result;
  };
  const check = (name: string, ok: boolean, detail: string) => result.checks.push({ name, ok, detail });

  // Local checks: nothing goes on the wire with a certificate that cannot work.
  let creds;
  try {
    creds = await readCredentials(opts, ctx);
  } catch (e) {
    if (isRegcertError(e) && e.code === 'KEY_MISMATCH') {
      check('key-matches', false, e.message);
      return failWith(operationError(e.code, e.message, e.hint));
    }
    throw e;
  }
  check('key-matches', true, 'the key belongs to the certificate');
  const leaf = creds.leaf;
  const problem = validityProblem(leaf, ctx.now ?? new Date());
  if (problem) {
    check('validity', false, `client certificate ${problem}`);
    return failWith(operationError('CLIENT_CERT_EXPIRED', `the client certificate ${creds.source} is ${problem}`, 'issue a new one: regcert issue NAME --client'));
  }
  check('validity', true, `valid until ${leaf.notAfter.toISOString()}`);
  if (!permitsUsage(leaf, 'clientAuth')) {
    check('client-auth-eku', false, `EKUs: ${describeEkus(leaf)}`);
    return failWith(operationError('NO_CLIENT_AUTH', `the certificate ${creds.source} lacks the clientAuth EKU (it has: ${describeEkus(leaf)})`, 'issue a client certificate: regcert issue NAME --client'));
  }
  check('client-auth-eku', true, describeEkus(leaf) === 'none' ? 'no EKU extension: any purpose' : 'clientAuth');
  let caPem: string | undefined;
  // --ca wins; a client bundle's ca.pem is the CA otherwise.
  const caCerts = opts.ca !== undefined ? await readCertificateFile(opts.ca, 'CA certificate', 'check the path given to --ca', 'bundle') : creds.ca;
  if (caCerts !== undefined) {
    const caLabel = opts.ca ?? `the ca.pem of ${creds.source}`;
    caPem = caCerts.map(certificateToPem).join('');
    const c = await verifyChain(creds.chain, caCerts, { now: ctx.now, usage: 'clientAuth' });
    if (!c.ok) {
      check('chains-to-ca', false, c.reason ?? 'does not chain');
      if (c.fault === 'usage') return failWith(operationError('NO_CLIENT_AUTH', `the client certificate's chain to ${caLabel} does not permit clientAuth: ${c.reason}`, 'issue the client certificate from a CA whose extended key usage allows clientAuth (or has none)'));
      return failWith(operationError('NOT_ISSUED_BY_CA', `the client certificate does not chain to ${caLabel}: ${c.reason}`, 'pass the CA that issued it (with its intermediates in the --cert file), or the right certificate'));
    }
    check('chains-to-ca', true, c.path.join(' <- '));
  }

  const cert = leafAndIntermediates(creds.chain).map(certificateToPem).join('');
  const key = exportPrivateKeyPem(creds.key);
  try {
    if (opts.api !== 'registry') {
      const url = new URL('basic_info', base);
      const r = await tlsGet({ url, ca: caPem, cert, key, timeoutMs: ms });
      check('tls-handshake', true, `${r.protocol ?? 'TLS'} with client certificate`);
      if (r.status === 404 && opts.api === undefined) {
        check('basic-info', false, '404: no /basic_info (not MSR); probing /v2/');
      } else {
        result.probe = 'basic_info';
        if (r.status !== 200) {
          throw httpStatusError(r, url, r.status === 401 || r.status === 403 ? 'the server did not accept the client certificate as a login: check that its CA is configured as a client CA on the registry' : 'check the URL and the registry logs');
        }
        const body = parseJsonBody(r, url) as Record<string, unknown>;
        const user = (body.User ?? {}) as Record<string, unknown>;
        result.authnMethod = typeof body.AuthnMethod === 'string' ? body.AuthnMethod : null;
        result.user = typeof user.name === 'string' ? user.name : null;
        result.isAdmin = typeof body.IsAdmin === 'boolean' ? body.IsAdmin : typeof user.isAdmin === 'boolean' ? user.isAdmin : null;
        result.version = typeof body.CurrentVersion === 'string' ? body.CurrentVersion : null;
        if (result.authnMethod !== 'TLSClientCertificate') {
          check('authn-method', false, String(result.authnMethod));
          return failWith(
            operationError(
              'NOT_CERT_LOGIN',
              `the server answered, but did not log in with the client certificate (AuthnMethod ${JSON.stringify(result.authnMethod)}, user ${JSON.stringify(result.user)})`,
              'the registry did not request or did not verify the client certificate: enable client-certificate authentication and add the CA that issued it',
            ),
          );
        }
        check('authn-method', true, 'TLSClientCertificate');
        result.ok = true;
        return result;
      }
    }
    // Plain registry: /v2/ with the certificate must succeed, and without it must be refused.
    result.probe = 'v2';
    const url = new URL('v2/', base);
    const withCert = await tlsGet({ url, ca: caPem, cert, key, timeoutMs: ms });
    check('tls-handshake', true, `${withCert.protocol ?? 'TLS'} with client certificate`);
    if (withCert.status !== 200 && withCert.status !== 401) throw httpStatusError(withCert, url, 'check that the URL is a registry (GET /v2/)');
    result.version = typeof withCert.headers['docker-distribution-api-version'] === 'string' ? withCert.headers['docker-distribution-api-version'] : null;
    // Only a refused handshake or 401/403 shows that the registry demands the certificate:
    // any other anonymous answer (a 500, a redirect) proves nothing, so it fails closed.
    let anonymous: string;
    try {
      const r = await tlsGet({ url, ca: caPem, timeoutMs: ms });
      anonymous = `HTTP ${r.status}`;
      if (r.status !== 401 && r.status !== 403) {
        check('v2-without-cert', false, `HTTP ${r.status} without a client certificate`);
        return failWith(
          operationError(
            'CERT_NOT_REQUIRED',
            `${url.href} answers HTTP ${r.status} without a client certificate, so the probe cannot show that the certificate is what lets this client in`,
            'configure the registry to require client certificates (distribution: http.tls.clientcas), or use --api msr against an MSR',
          ),
        );
      }
    } catch (e) {
      if (isRegcertError(e) && e.code === 'CLIENT_CERT_REFUSED') anonymous = 'handshake refused';
      else throw e;
    }
    check('v2-without-cert', true, `refused without a client certificate (${anonymous})`);
    if (withCert.status !== 200) {
      check('v2-with-cert', false, `HTTP ${withCert.status}`);
      throw httpStatusError(withCert, url, 'the TLS handshake passed but the registry wants another login (token or basic auth) on top');
    }
    check('v2-with-cert', true, 'HTTP 200: the server asked for the client certificate and completed the handshake with it');
    // The registry reports no login method or user here: authnMethod and user stay null.
    result.ok = true;
    return result;
  } catch (e) {
    if (isRegcertError(e)) {
      check(String((e.details as { cause?: string } | undefined)?.cause ?? e.code).toLowerCase(), false, e.message);
      return failWith(e);
    }
    throw e;
  }
}
