import type { Command } from 'commander';
import type { IssueOptions, IssueResult } from '../../commands/issue.js';
import { renderCertificate, renderFiles, renderNext } from '../render-common.js';
import type { Out } from '../output.js';
import { addSecretOptions, addCommonOptions, addForceOption, collect, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

export function renderIssue(r: IssueResult, out: Out): void {
  const what = r.certificate.ekus.filter((e) => e === 'serverAuth' || e === 'clientAuth').join(' + ') || 'token signing, no EKU';
  for (const w of r.warnings) out.note(`${out.style.yellow(out.style.warn)} ${w}`);
  out.line(`${out.style.green(out.style.ok)} Issued ${r.name} (${what})${r.fromCsr ? ' from CSR' : ''}${r.keyEncrypted ? ', key encrypted' : ''}`);
  renderFiles(out, r.files);
  renderCertificate(out, r.certificate);
  if (r.chainLength > 1) out.line(`  ${out.style.dim('chain'.padEnd(8))} leaf + ${r.chainLength - 1} intermediate(s)`);
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('issue')
    .summary('issue a server and/or client certificate')
    .description('Issue a certificate signed by the CA in --dir: OUT/NAME.crt (leaf + intermediates) and OUT/NAME.key (0600).\nWith --csr, sign an existing PKCS#10 request instead and write only OUT/NAME.crt.')
    .argument('<name>', 'file name of the certificate; also the CN, and the DNS SAN of a server certificate when no SAN is given')
    .option('--dir <dir>', 'CA directory (ca.crt, ca.key)', 'pki')
    .option('--out-dir <dir>', 'where to write NAME.crt and NAME.key (default: --dir)')
    .option('--server', 'TLS server certificate (EKU serverAuth)')
    .option('--client', 'TLS client certificate (EKU clientAuth)')
    .option('--token-signing', 'JWT signing certificate for a registry token server (docker_auth): digitalSignature only, no EKU')
    .option('--san <value>', 'subject alternative name; repeatable, comma-separated; typed by shape or dns:/ip:/email:/uri: (URIs: https:, spiffe:, urn:; no wildcards with --client)', collect)
    .option('--cn <cn>', 'common name (default: NAME)')
    .option('--org <org>', 'organization (O)')
    .option('--ou <ou>', 'organizational unit (OU)')
    .option('--country <cc>', 'two-letter country code (C)')
    .option('--days <n>', 'validity in days (default 397, never past the CA)', parseInteger)
    .option('--key-type <type>', 'ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519')
    .option('--csr <file>', 'sign this PKCS#10 request instead of making a key')
    .option('--allow-weak', 'with --csr: sign a request with an RSA key under 2048 bits or a SHA-1/MD5 signature (with a warning)');
  addSecretOptions(cmd, 'key-password', 'encrypt the new key with the passphrase');
  addSecretOptions(cmd, 'ca-password', 'passphrase of the CA key');
  addForceOption(addCommonOptions(cmd));
  cmd.addHelpText(
    'after',
    examples([
      ['regcert issue registry.example.com --server --san 10.0.0.5', 'a registry certificate for a host name and an IP'],
      ['regcert issue alice --client --san alice@example.com', 'a client certificate for the user alice'],
      ['regcert issue build-bot --client --csr bot.csr', 'sign a CSR made elsewhere (openssl req -new)'],
      ['regcert issue token-signing --token-signing', 'the key and certificate a token server signs JWTs with (see "regcert config token-auth")'],
    ]),
  );
  cmd.action(async (name: string, o: Omit<IssueOptions, 'name'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/issue.js')).issue({ ...o, name }, ctx), renderIssue);
  });
}
