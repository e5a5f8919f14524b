import type { Command } from 'commander';
import type { CertificateDetails } from '../../core/inspect.js';
import type { InspectOptions, InspectResult } from '../../commands/inspect.js';
import type { Out } from '../output.js';
import { daysLeftStyle } from '../render-common.js';
import { addBundleOption, addPurposeOption, addSecretOptions, addCommonOptions, collect, examples, runCommand, type Runtime } from '../runner.js';

function row(out: Out, k: string, v: string): void {
  out.line(`  ${out.style.dim(k.padEnd(12))} ${v}`);
}

function validity(out: Out, c: CertificateDetails): string {
  const s = out.style;
  const span = `${c.notBefore.replace('.000Z', 'Z')} ${s.arrow} ${c.notAfter.replace('.000Z', 'Z')}`;
  if (c.expired) return `${span} ${s.red(`(expired ${-c.daysLeft} days ago)`)}`;
  return `${span} ${daysLeftStyle(out, `(${c.daysLeft} days left)`, c.daysLeft, false)}`;
}

function renderCert(out: Out, c: CertificateDetails, signedBy: string | null): void {
  row(out, 'subject', c.subject || '(empty)');
  row(out, 'issuer', c.issuer);
  row(out, 'serial', c.serial);
  row(out, 'valid', validity(out, c));
  if (c.sans.length) row(out, 'SANs', c.sans.join(', '));
  if (c.keyUsage.length) row(out, 'key usage', c.keyUsage.join(', '));
  if (c.ekus.length) row(out, 'EKUs', c.ekus.join(', '));
  row(out, 'CA', c.isCa ? `yes (pathlen ${c.pathLen ?? 'unlimited'})` : 'no (leaf)');
  row(out, 'key', `${c.keyType}${c.keyBits ? ` (${c.keyBits} bits)` : ''}`);
  row(out, 'sha256', c.sha256);
  row(out, 'sha1', c.sha1);
  row(out, 'signed by', c.selfSigned ? 'itself (self-signed)' : (signedBy ?? out.style.dim('not among the inspected files')));
}

function kindOf(c: CertificateDetails): string {
  if (c.isCa) return c.selfSigned ? 'root CA' : 'intermediate CA';
  const eku = c.ekus.filter((e) => e === 'serverAuth' || e === 'clientAuth').join(' + ');
  return `leaf${eku ? `, ${eku}` : ''}`;
}

export function renderInspect(r: InspectResult, out: Out): void {
  const s = out.style;
  r.items.forEach((item, n) => {
    if (n > 0) out.line();
    switch (item.type) {
      case 'certificate':
        out.line(`${s.bold(item.label)}: X.509 certificate (${kindOf(item)})`);
        renderCert(out, item, item.signedBy);
        break;
      case 'csr':
        out.line(`${s.bold(item.label)}: PKCS#10 certificate request`);
        row(out, 'subject', item.subject || '(empty)');
        if (item.sans.length) row(out, 'SANs', item.sans.join(', '));
        row(out, 'key', `${item.keyType}${item.keyBits ? ` (${item.keyBits} bits)` : ''}`);
        row(out, 'signature', item.signatureValid ? s.green('valid') : s.red('does not verify'));
        break;
      case 'private-key': {
        const what = item.encrypted ? `encrypted ${item.encryption?.startsWith('traditional') ? 'PEM' : 'PKCS#8'} (${item.encryption})` : 'private key';
        out.line(`${s.bold(item.label)}: ${what}`);
        if (item.decrypted) {
          row(out, 'key', `${item.keyType}${item.keyBits ? ` (${item.keyBits} bits)` : ''}`);
          row(out, 'matches', item.matches.length ? item.matches.join(', ') : s.dim('no inspected certificate'));
        } else {
          row(out, 'key', s.dim('not decrypted: pass --key-password-file F (or --key-password-env VAR) to read it'));
        }
        break;
      }
      case 'pkcs12':
        out.line(`${s.bold(item.label)}: PKCS#12 bundle, key ${item.key.keyType}${item.key.keyBits ? ` (${item.key.keyBits} bits)` : ''}, ${item.keyMatchesCertificate ? 'matches its certificate' : s.red('does NOT match its certificate')}`);
        for (const c of item.certificates) {
          out.line(`  ${s.bold(c.label)}: X.509 certificate (${kindOf(c)})`);
          renderCert(out, c, c.signedBy);
        }
        break;
    }
  });
  if (r.verdicts) {
    out.line();
    out.line(s.bold('Chain to --ca:'));
    for (const v of r.verdicts) {
      const what = v.usage ? ` for ${v.usage}` : '';
      if (v.ok) out.line(`  ${s.green(s.ok)} ${v.certificate}: verifies${what} (${v.path.join(` ${s.arrow} `)})`);
      else out.line(`  ${s.red(s.fail)} ${v.certificate}: refused${what}: ${v.reason}`);
    }
  }
  const chained = r.links.filter((l) => l.signedBy !== null && !l.selfSigned);
  if (chained.length > 0) {
    out.line();
    out.line(s.bold('Signatures:'));
    for (const l of chained) out.line(`  ${l.signedBy} ${s.arrow} ${l.certificate}  ${s.dim(`(${l.subject})`)}`);
  }
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('inspect')
    .summary('show what certificates, chains, CSRs, keys and .p12 files hold')
    .description(
      'Show subject, issuer, serial, validity (days left), SANs, key usage, EKUs, CA or leaf, key type and fingerprints of each certificate, CSR, private key or PKCS#12 file, and which of the given certificates signed which. An encrypted key without its passphrase is described as far as its envelope tells.',
    )
    .argument('[file...]', 'PEM or DER files: certificates, chains, CSRs, private keys, .p12/.pfx');
  addBundleOption(cmd);
  cmd.option('--ca <file>', "trust anchors: judge each leaf's chain against them (signatures, validity, CA, pathlen, depth); repeatable; exit 1 if refused", collect);
  addPurposeOption(cmd, ', with --ca');
  addSecretOptions(cmd, 'key-password', 'passphrase of encrypted private keys');
  addSecretOptions(cmd, 'password', 'password of .p12 files');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['regcert inspect pki/ca.crt pki/alice.crt pki/alice.key', 'both certificates, who signed whom, and whether the key matches'],
      ['regcert inspect pki/ca-chain.crt --json', 'every certificate of a chain file, as one JSON document'],
      ['regcert inspect alice.p12 --password-file pw.txt', 'the certificates and key inside a PKCS#12 bundle'],
      ['regcert inspect alice.crt --ca pki/ca.crt --purpose client', 'would a registry that trusts pki/ca.crt accept alice as a client?'],
    ]),
  );
  cmd.action(async (files: string[], o: Omit<InspectOptions, 'files'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/inspect.js')).inspect({ ...o, files }, ctx), renderInspect);
  });
}
