/**
 * What can be wrong in a certs.d tree, and how to fix it. Pure: the tree is
 * read by src/io/certs-d.ts and handed in as a snapshot; the clock is a
 * parameter.
 *
 * Docker (moby registry/config.go ReadCertsDirectory) and containers/image
 * (pkg/tlsclientconfig) read a HOST[:PORT] folder the same way: every
 * "*.crt" is a CA root, every "X.cert" is a client certificate that needs
 * "X.key" (and the reverse); the pair is loaded with Go's
 * tls.LoadX509KeyPair, so the key must be unencrypted and match.
 */
import { keyMatchesCertificate, parseCertificates, type Certificate } from '../core/certificates.js';
import { describeEkus, permitsUsage, verifyChain } from '../core/chain.js';
import { EXPIRY_WARNING_DAYS } from '../core/defaults.js';
import { daysUntil } from '../core/time.js';
import { tryParseRegistryHost } from '../core/registry-host.js';
import { isEncryptedPrivateKey, parsePrivateKey } from '../core/keys.js';
import type { KeyObject } from 'node:crypto';

import { missingPartner } from './certs-d.js';
import { endpointFiles, hostsTomlPath, parseHostsToml } from './hosts-toml.js';
import type { HostDirSnapshot, Problem } from './types.js';

export interface DoctorContext {
  now?: Date;
}

function join(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

function tryCerts(data: Uint8Array): Certificate[] | undefined {
  try {
    return parseCertificates(data);
  } catch {
    return undefined;
  }
}

function expiryProblem(cert: Certificate, file: string, what: string, now: Date, fix: string): Problem | undefined {
  const left = daysUntil(cert.notAfter, now);
  if (cert.notAfter.getTime() <= now.getTime()) {
    return { code: 'expired', path: file, message: `${what} ${file} expired on ${cert.notAfter.toISOString().slice(0, 10)}`, fix };
  }
  if (left <= EXPIRY_WARNING_DAYS) {
    return { code: 'expiring', path: file, message: `${what} ${file} expires in ${left} days (${cert.notAfter.toISOString().slice(0, 10)})`, fix };
  }
  return undefined;
}

/** Every problem of one HOST[:PORT] folder, each reported once. */
export async function examineHostDir(d: HostDirSnapshot, ctx: DoctorContext = {}): Promise<Problem[]> {
  const now = ctx.now ?? new Date();
  const problems: Problem[] = [];
  const hp = tryParseRegistryHost(d.name);
  if (!hp && !(d.kind === 'containerd' && d.name === '_default')) {
    problems.push({
      code: 'bad-host-name',
      path: d.path,
      message: `${d.path}: "${d.name}" is not a valid HOST[:PORT], so no runtime will ever use this folder`,
      fix: `rename it to the registry's host name as written in image references (e.g. registry.example.com:5000), or use "regcert install-host"`,
    });
  }
  if (d.unreadable !== undefined) {
    problems.push(unreadableProblem(d.path, d.unreadable));
    return problems;
  }
  for (const f of d.files.filter((f) => f.unreadable !== undefined)) problems.push(unreadableProblem(join(d.path, f.name), f.unreadable!));
  const byName = new Map(d.files.map((f) => [f.name, f]));
  const names = new Set(byName.keys());
  const readable = d.files.filter((f) => f.unreadable === undefined);
  const cas: Array<{ file: string; cert: Certificate }> = [];
  for (const f of readable.filter((f) => f.name.endsWith('.crt'))) {
    const file = join(d.path, f.name);
    const certs = tryCerts(f.data);
    if (!certs) {
      problems.push({ code: 'bad-certificate', path: file, message: `${file} is not a PEM certificate`, fix: 'replace it with the registry CA certificate (PEM)' });
      continue;
    }
    for (const c of certs) cas.push({ file, cert: c });
    const p = expiryProblem(certs[0]!, file, 'CA certificate', now, 'get the renewed CA certificate and replace this file');
    if (p) problems.push(p);
  }

  // Client certificate/key pairs.
  for (const f of readable.filter((f) => f.name.endsWith('.cert'))) {
    const file = join(d.path, f.name);
    const base = f.name.slice(0, -'.cert'.length);
    const keyFile = missingPartner(f.name, names) === undefined ? byName.get(`${base}.key`) : undefined;
    const certs = tryCerts(f.data);
    if (!certs) {
      problems.push({ code: 'bad-certificate', path: file, message: `${file} is not a PEM certificate`, fix: 'reinstall the client certificate with "regcert install-host"' });
      continue;
    }
    const leaf = certs[0]!;
    if (!keyFile) {
      problems.push({
        code: 'cert-without-key',
        path: file,
        message: `${file} has no ${base}.key next to it: Docker refuses to use the folder`,
        fix: `copy the matching key to ${join(d.path, `${base}.key`)} (mode 0600), or remove ${f.name}`,
      });
    } else if (keyFile.unreadable === undefined) {
      const keyPath = join(d.path, keyFile.name);
      let key: KeyObject | undefined;
      try {
        key = (await parsePrivateKey(keyFile.data, { source: keyPath })).key;
      } catch {
        problems.push({
          code: 'key-unreadable',
          path: keyPath,
          message: `${keyPath} ${isEncryptedPrivateKey(keyFile.data) ? 'is encrypted' : 'is not a private key'}: Go's tls.LoadX509KeyPair cannot read it`,
          fix: `write it unencrypted with "regcert install-host … --key-password-file F" (it decrypts), mode 0600`,
        });
      }
      if (key && !keyMatchesCertificate(key, leaf)) {
        problems.push({
          code: 'key-mismatch',
          path: keyPath,
          message: `${keyPath} does not belong to ${file}`,
          fix: `install the key that was generated with this certificate (regcert inspect ${file} KEY shows which matches)`,
        });
      }
      if ((keyFile.mode & 0o077) !== 0) {
        problems.push({
          code: 'key-permissions',
          path: keyPath,
          message: `${keyPath} is readable by group or others (mode 0${keyFile.mode.toString(8)})`,
          fix: `chmod 600 ${keyPath}`,
        });
      }
    }
    if (!permitsUsage(leaf, 'clientAuth')) {
      problems.push({
        code: 'no-client-auth',
        path: file,
        message: `${file} lacks the clientAuth extended key usage (has ${describeEkus(leaf)}): the registry will refuse it in the handshake`,
        fix: `issue a client certificate: regcert issue NAME --client, then regcert install-host ${d.name} …`,
      });
    }
    const exp = expiryProblem(leaf, file, 'client certificate', now, `issue a new one (regcert issue NAME --client) and reinstall it with "regcert install-host ${d.name} … --force"`);
    if (exp) problems.push(exp);
    const verdict = cas.length > 0 ? await verifyChain(certs, cas.map((c) => c.cert), { now, usage: 'clientAuth' }) : undefined;
    // The leaf's own EKU and validity are reported above, once.
    const reported = verdict?.at === 0 && ['usage', 'expired', 'not-yet-valid'].includes(verdict.fault ?? '');
    if (verdict && !verdict.ok && !reported) {
      problems.push(
        verdict.fault === 'usage'
          ? {
              code: 'no-client-auth',
              path: file,
              message: `${file}: ${verdict.reason}: Go (the registry) refuses the client certificate in the handshake ("incompatible key usage")`,
              fix: 'issue the client certificate from a CA without an extended key usage extension, or with clientAuth in it',
            }
          : {
              code: 'untrusted-chain',
              path: file,
              message: `${file} does not chain to any CA in this folder (${cas.map((c) => c.file.split('/').pop()).filter((v, i, a) => a.indexOf(v) === i).join(', ')}): ${verdict.reason}`,
              fix: 'install the CA that issued the client certificate as ca.crt, or a client certificate issued by this CA (add intermediates to the .cert file)',
            },
      );
    }
  }

  // Keys without a certificate: a stray CA key is worse than a leftover.
  for (const f of readable.filter((f) => f.name.endsWith('.key'))) {
    const base = f.name.slice(0, -'.key'.length);
    if (missingPartner(f.name, names) === undefined) continue;
    const file = join(d.path, f.name);
    let key: KeyObject | undefined;
    try {
      key = (await parsePrivateKey(f.data, { source: file })).key;
    } catch {
      key = undefined;
    }
    const isCaKey = base === 'ca' || (key !== undefined && cas.some((c) => keyMatchesCertificate(key!, c.cert)));
    if (isCaKey) {
      problems.push({
        code: 'stray-ca-key',
        path: file,
        message: `${file} is a CA private key: whoever can read it can issue trusted certificates, and no runtime needs it here`,
        fix: `remove ${file} (keep the CA key only on the machine that issues certificates)`,
      });
    } else {
      problems.push({
        code: 'key-without-cert',
        path: file,
        message: `${file} has no ${base}.cert next to it: Docker refuses to use the folder`,
        fix: `copy the matching client certificate to ${join(d.path, `${base}.cert`)}, or remove ${f.name}`,
      });
    }
  }

  // containerd: hosts.toml must name files that exist.
  const toml = byName.get('hosts.toml');
  if (toml && toml.unreadable === undefined) {
    const tomlPath = join(d.path, 'hosts.toml');
    const text = Buffer.from(toml.data).toString('utf8');
    const parsed = parseHostsToml(text);
    if ('error' in parsed) {
      problems.push({
        code: 'bad-hosts-toml',
        path: tomlPath,
        message: `${tomlPath} is ${parsed.error.startsWith('not valid') ? parsed.error : `not what containerd reads: ${parsed.error}`}: containerd fails every pull from ${d.name}`,
        fix: `fix it, or write it anew with "regcert install-host ${d.name} --runtime containerd … --force"`,
      });
    }
    for (const ref of 'error' in parsed ? [] : endpointFiles(parsed.endpoints)) {
      if (!d.existing.includes(hostsTomlPath(d.path, ref))) {
        problems.push({
          code: 'hosts-toml-missing-file',
          path: tomlPath,
          message: `${tomlPath} names ${ref}, which does not exist`,
          fix: `put the file at ${ref.startsWith('/') ? ref : join(d.path, ref)}, or run "regcert install-host ${d.name} --runtime containerd …"`,
        });
      }
    }
  }
  return problems;
}

/** Present but not readable: never reported as missing (doctor fails closed). */
export function unreadableProblem(file: string, why: string): Problem {
  return {
    code: 'unreadable',
    path: file,
    message: `cannot read ${file} (${why}): it exists, but doctor could not examine it`,
    fix: `run doctor as a user that can read it (sudo regcert doctor), or check its permissions and the disk`,
  };
}
