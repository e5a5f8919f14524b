/**
 * The client identity install-host, export and config client lay out or
 * check: --client NAME in a PKI directory, the certificate/key/bundle files,
 * and which registry CA they are judged against (core/chain.ts).
 */
import path from 'node:path';
import { describeEkus, leafAndIntermediates, permitsUsage, reachesNoAnchor, validityProblem, verifyChain } from '../core/chain.js';
import { certificateToPem, parseCertificates, type Certificate } from '../core/certificates.js';
import { DEFAULT_PKI_DIR } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import { exportPrivateKeyPem } from '../core/keys.js';
import { validateCertName } from '../core/leaf-request.js';
import { readCertificateFile, readCredentials, type CredentialOptions, type Credentials } from './credentials.js';
import type { SecretContext } from './secrets.js';

/**
 * --client NAME [--dir PKI]: the certificate and key `regcert issue NAME --client` wrote in the PKI
 * directory (its ca.crt as the registry CA is registryCaSource's rule).
 */
function withPkiClient<T extends CredentialOptions & { client?: string | undefined; dir?: string | undefined }>(opts: T): T {
  if (opts.client === undefined) return opts;
  if (opts.cert !== undefined || opts.key !== undefined || opts.p12 !== undefined || opts.bundle !== undefined) {
    throw inputError('CLIENT_AND_FILES', '--client cannot be combined with --cert/--key/--p12/--bundle', 'pass either --client NAME (with --dir PKI) or the files');
  }
  const name = validateCertName(opts.client);
  const dir = opts.dir ?? DEFAULT_PKI_DIR;
  return { ...opts, cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

/**
 * The client identity install-host, export and config client lay out: key
 * matches, valid now (as verify checks it: an expired leaf is refused by
 * every registry, whichever CA it trusts), usable for clientAuth
 * (core/chain.ts), leaf + intermediates as PEM, key unencrypted.
 */
export async function readClientIdentity(opts: CredentialOptions, ctx: SecretContext & { now?: Date | undefined }) {
  const creds = await readCredentials(opts, ctx);
  const problem = validityProblem(creds.leaf, ctx.now ?? new Date());
  if (problem) {
    throw inputError('CLIENT_CERT_EXPIRED', `the client certificate ${creds.source} is ${problem}: registries refuse it`, 'renew it (regcert renew NAME --dir PKI) or issue a new one (regcert issue NAME --client), then run this again');
  }
  if (!permitsUsage(creds.leaf, 'clientAuth')) {
    throw inputError('NO_CLIENT_AUTH', `${creds.source} lacks the clientAuth EKU (it has: ${describeEkus(creds.leaf)}); registries refuse it`, 'issue a client certificate: regcert issue NAME --client');
  }
  const chain = leafAndIntermediates(creds.chain);
  return { creds, chain, clientCert: chain.map(certificateToPem).join(''), clientKey: exportPrivateKeyPem(creds.key) };
}

/**
 * export and config client: the client identity (--client NAME [--dir PKI] or
 * the files) and the registry CA (registryCaSource, with --client's
 * PKI/ca.crt), each read and judged as install-host judges them. `input` is
 * the options with --client's files filled in; `caFile` the CA file, if any.
 */
export async function readClientAndRegistryCa<T extends CredentialOptions & RegistryCaOptions>(opts: T, ctx: SecretContext & { now?: Date | undefined }, warnings: string[]) {
  const input = withPkiClient(opts);
  const source = registryCaSource(opts, { client: true });
  const id = await readClientIdentity(input, ctx);
  const ca = await source.read(id, warnings, ctx.now);
  return { input, id, ca, caFile: source.file };
}

/** The options that name the registry CA; a command has only some of them (RegistryCaOffer). */
interface RegistryCaOptions {
  ca?: string | undefined;
  /** --client NAME [--dir PKI]: PKI/ca.crt unless --ca. */
  client?: string | undefined;
  dir?: string | undefined;
  /** --fetch-ca: download it (install-host). */
  fetchCa?: boolean | undefined;
  /** A client bundle: its ca.pem. */
  bundle?: string | undefined;
}

/** The ways besides --ca and --bundle a command offers to name the registry CA: the hint names only these. */
interface RegistryCaOffer {
  /** The command takes --client NAME --dir PKI (export, config client). */
  client?: boolean | undefined;
  /** The command takes --fetch-ca (install-host): how it downloads the CA, called only when --fetch-ca is given. */
  fetch?: (() => Promise<{ pem: string; from: string }>) | undefined;
}

/** The registry CA, read and judged. */
interface RegistryCa {
  pem: string;
  /** Where it came from, for messages: the file, "the ca.pem of BUNDLE" or the URL. */
  from: string;
}

/** Where the registry CA comes from, decided from the options alone; `read` reads it and judges the client chain against it. */
interface RegistryCaSource {
  /** The CA file (--ca, or --client's PKI/ca.crt), when the CA is a file. */
  file?: string | undefined;
  read(id: { creds: Credentials; chain: Certificate[] }, warnings: string[], now?: Date): Promise<RegistryCa>;
}

/**
 * Which registry CA install-host (renew --install, quickstart), export and
 * config client use, decided in this one place, from the options alone: so
 * a command with no CA refuses before any file is read or any passphrase
 * asked for. In order: --ca FILE; --client NAME's PKI/ca.crt; --fetch-ca
 * (exclusive with --ca); a --bundle's ca.pem. `offer` says which of those
 * the command takes, so the hint names only its own flags.
 *
 * The client chain is judged (core/chain.ts, for clientAuth) against a CA
 * file or a downloaded CA: one that reaches it but would be refused (expired
 * or non-CA intermediate, bad signature, a CA whose EKU omits clientAuth,
 * too long) is refused; one that does not reach it at all only warns, since
 * the registry may trust another client CA. A bundle's own ca.pem is judged
 * the same way, without that warning (it is the CA of the bundle's server).
 */
export function registryCaSource(opts: RegistryCaOptions, offer: RegistryCaOffer): RegistryCaSource {
  const fetch = opts.fetchCa === true ? offer.fetch : undefined;
  if (opts.ca !== undefined && fetch) throw inputError('CA_SOURCE', '--ca and --fetch-ca are exclusive', 'pass --ca FILE, or --fetch-ca with --fingerprint SHA256 (or --yes)');
  const pki = offer.client && opts.client !== undefined && !fetch ? path.join(opts.dir ?? DEFAULT_PKI_DIR, 'ca.crt') : undefined;
  const file = opts.ca ?? pki;
  if (file !== undefined) {
    const hint = opts.ca !== undefined ? 'check the path given to --ca' : `check --dir (regcert init-ca --dir ${opts.dir ?? DEFAULT_PKI_DIR} writes ca.crt there), or pass --ca FILE`;
    return judged(file, async () => {
      const certs = await readCertificateFile(file, 'CA certificate', hint, 'bundle');
      return { certs, pem: certs.map(certificateToPem).join(''), from: file, warnUnreached: true };
    });
  }
  if (fetch) {
    return judged(undefined, async () => {
      const fetched = await fetch();
      return { ...fetched, certs: parseCertificates(new TextEncoder().encode(fetched.pem), fetched.from), warnUnreached: true };
    });
  }
  if (opts.bundle !== undefined) {
    return judged(undefined, (id) => {
      // readCredentials refuses a bundle without ca.pem: this is the bundle's own CA, judged as any other.
      if (id.creds.ca === undefined) throw missingRegistryCa(offer);
      // A bundle's ca.pem is the CA of the server it was made for, which need not be the client's
      // issuer (a chain that does not reach it is the bundle's own business: no warning).
      return Promise.resolve({ certs: id.creds.ca, pem: id.creds.ca.map(certificateToPem).join(''), from: `the ca.pem of ${id.creds.source}`, warnUnreached: false });
    });
  }
  throw missingRegistryCa(offer);
}

function missingRegistryCa(offer: RegistryCaOffer) {
  const ways = ["--ca FILE (the CA that issued the registry's server certificate)"];
  if (offer.client) ways.push('--client NAME --dir PKI to use PKI/ca.crt');
  if (offer.fetch) ways.push('--fetch-ca with --fingerprint SHA256 (or --yes)');
  return inputError('CA_SOURCE', 'no registry CA given', `pass ${ways.join(', or ')}`);
}

/** A source's CA as it loads it: the certificates the chain is judged against, and whether a chain that does not reach them warns. */
interface LoadedRegistryCa extends RegistryCa {
  certs: Certificate[];
  warnUnreached: boolean;
}

/** The one judging of every source: the client chain against the CA `load` gives (registryCaSource's rule). */
function judged(file: string | undefined, load: (id: { creds: Credentials }) => Promise<LoadedRegistryCa>): RegistryCaSource {
  return {
    file,
    async read(id, warnings, now) {
      const { certs, pem, from, warnUnreached } = await load(id);
      const certLabel = id.creds.source;
      const verdict = await verifyChain(id.chain, certs, { now, usage: 'clientAuth' });
      if (!verdict.ok && !reachesNoAnchor(verdict)) {
        throw inputError('CHAIN_REFUSED', `${certLabel} would be refused by a registry that trusts ${from}: ${verdict.reason}`, 'issue a new client certificate: regcert issue NAME --client (and fix the CA chain it was issued from)');
      }
      // Usually one PKI issues both; a leaf from an intermediate without that intermediate is the common mistake.
      if (!verdict.ok && warnUnreached) {
        warnings.push(
          `${certLabel} does not chain to ${from}${id.chain.length === 1 ? ' and carries no intermediate' : ''}: fine if the registry trusts another client CA, otherwise put the leaf and its intermediates in --cert (Go clients only send a certificate whose chain reaches a CA the server names)`,
        );
      }
      return { pem, from };
    },
  };
}
