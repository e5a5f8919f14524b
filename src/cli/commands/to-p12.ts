import type { Command } from 'commander';
import type { ToP12Options, ToP12Result } from '../../commands/to-p12.js';
import { renderCertificate, renderFiles, renderWarnings } from '../render-common.js';
import type { Out } from '../output.js';
import { addBundleOption, addPurposeOption, addSecretOptions, addCommonOptions, addForceOption, collect, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

const MODE_LABEL = { modern: 'modern (PBES2, AES-256-CBC, HMAC-SHA256)', legacy: 'legacy (3DES, SHA-1 MAC)' } as const;

export function renderToP12(r: ToP12Result, out: Out): void {
  renderWarnings(out, r.warnings);
  const forWhat = r.target ? ` for ${r.target}` : '';
  out.line(`${out.style.green(out.style.ok)} Wrote PKCS#12${forWhat}: ${MODE_LABEL[r.mode]}, "${r.friendlyName}", ${r.chainLength} certificate(s)`);
  renderFiles(out, r.files);
  renderCertificate(out, r.certificate);
  out.line();
  for (const l of r.encryption) out.line(`  ${l}`);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('to-p12')
    .summary('bundle a certificate, its chain and its key as PKCS#12 (.p12)')
    .description(
      'Bundle a certificate and its key as PKCS#12 for browsers, macOS Keychain, Windows, Java and curl.\n' +
        'Default (modern): PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, MAC HMAC-SHA256.\n' +
        '--legacy: pbeWithSHAAnd3-KeyTripleDES-CBC and a SHA-1 MAC, for older macOS Keychain, Windows and Java 8.\n' +
        'The file is written with mode 0600.',
    )
    .option('--cert <file>', 'certificate (PEM or DER); intermediates in the file are bundled too')
    .option('--key <file>', 'its private key')
    .option('--p12 <file>', 'read the key and chain from this PKCS#12 instead (re-encrypt; needs --out)');
  addBundleOption(cmd)
    .option('--ca <file>', 'further chain certificates to bundle; repeatable', collect)
    .option('--out <file>', 'where to write (default: --cert with the extension replaced by .p12)')
    .option('--name <friendly>', "friendlyName of the key and certificate (default: the certificate's CN)")
    .option('--legacy', 'legacy 3DES/SHA-1 encryption (older macOS Keychain, Windows Server 2016, Java 8)')
    .option('--for <importer>', 'pick the encryption for macos, windows (legacy) or java, browser, curl (modern)')
    .option('--iterations <n>', 'PBKDF2 / KDF and MAC iterations (default 2048, the minimum)', parseInteger);
  addPurposeOption(cmd);
  addSecretOptions(cmd, 'in-password', 'password of --p12');
  addSecretOptions(cmd, 'password', 'the .p12 password');
  addSecretOptions(cmd, 'key-password', 'passphrase of an encrypted --key');
  addForceOption(addCommonOptions(cmd));
  cmd.addHelpText(
    'after',
    examples([
      ['regcert to-p12 --cert pki/alice.crt --key pki/alice.key --password-file pw.txt', 'pki/alice.p12 for Firefox/Chromium, Java 11+, curl'],
      ['regcert to-p12 --cert alice.crt --key alice.key --for macos --password-file pw.txt', 'legacy encryption that macOS Keychain imports'],
      ['regcert to-p12 --cert alice.crt --key alice.key --ca pki/ca.crt --out alice-full.p12 --password-file pw.txt', 'include the root CA too'],
      ['regcert to-p12 --p12 old.p12 --in-password-file old.pw --out new.p12 --password-file pw.txt', 're-encrypt an old RC2/3DES export with AES'],
    ]),
  );
  cmd.action(async (o: ToP12Options) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/to-p12.js')).toP12(o, ctx), renderToP12);
  });
}
