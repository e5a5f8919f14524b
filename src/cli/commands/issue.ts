import type { Command } from 'commander';
import type { IssueBatchOptions, IssueBatchResult } from '../../commands/issue-batch.js';
import type { IssueOptions, IssueResult } from '../../commands/issue.js';
import { inputError } from '../../core/errors.js';
import { renderCertificate, renderFiles, renderNext, renderWarnings } from '../render-common.js';
import type { Out } from '../output.js';
import { dirOption, addSecretOptions, addCommonOptions, addForceOption, collect, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

export function renderIssue(r: IssueResult, out: Out): void {
  const what = r.certificate.ekus.filter((e) => e === 'serverAuth' || e === 'clientAuth').join(' + ') || 'token signing, no EKU';
  renderWarnings(out, r.warnings);
  out.line(`${out.style.green(out.style.ok)} Issued ${r.name} (${what})${r.fromCsr ? ' from CSR' : ''}${r.keyEncrypted ? ', key encrypted' : ''}`);
  renderFiles(out, r.files);
  renderCertificate(out, r.certificate);
  if (r.chainLength > 1) out.line(`  ${out.style.dim('chain'.padEnd(8))} leaf + ${r.chainLength - 1} intermediate(s)`);
  renderNext(out, r.next);
}

export function renderIssueBatch(r: IssueBatchResult, out: Out): void {
  const repaired = r.repaired > 0 ? `, ${r.repaired} of them left incomplete by an earlier run` : '';
  const recorded = r.recorded > 0 ? ` (${r.recorded} of them now recorded in the CA's inventory)` : '';
  out.line(`${out.style.green(out.style.ok)} Issued ${r.issued} of ${r.rows} certificates from ${r.batch}${repaired}; ${r.skipped} already complete${recorded}`);
  for (const f of r.files) out.line(`  ${f.path}  ${f.mode}  ${f.kind} (${f.count})`);
  if (r.manifest) out.line(`  ${r.manifest}  0600  PKCS#12 passwords`);
  out.line(`  ${out.style.dim('time'.padEnd(8))} ${r.elapsedSeconds.toFixed(1)} s, ${r.perSecond}/s on ${r.workers} worker thread(s)`);
  renderNext(out, r.next);
}

const ROWS_CARRY = 'each row gives its name, SANs, profile and days; keys are written unencrypted (use --p12 for protected copies)';
/** What --batch does not honour (each row carries these, or a batch makes no such certificates): refused, never ignored. */
const NOT_WITH_BATCH: Array<[Exclude<keyof IssueOptions, 'name'>, string, string]> = [
  ['server', '--server', ROWS_CARRY],
  ['client', '--client', ROWS_CARRY],
  ['san', '--san', ROWS_CARRY],
  ['cn', '--cn', ROWS_CARRY],
  ['csr', '--csr', ROWS_CARRY],
  ['keyPasswordFile', '--key-password-file', ROWS_CARRY],
  ['keyPasswordEnv', '--key-password-env', ROWS_CARRY],
  ['tokenSigning', '--token-signing', 'a batch makes TLS certificates (profile client, server or client+server): issue a token-signing certificate alone with "regcert issue NAME --token-signing"'],
  ['allowWeak', '--allow-weak', 'a batch makes its own keys, which are never weak; --allow-weak is for signing a --csr'],
];

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('issue')
    .summary('issue a server and/or client certificate')
    .description('Issue a certificate signed by the CA in --dir: OUT/NAME.crt (leaf + intermediates) and OUT/NAME.key (0600).\nWith --csr, sign an existing PKCS#10 request instead and write only OUT/NAME.crt.')
    .argument('[name]', 'file name of the certificate; also the CN, and a SAN of a server certificate (always when NAME has a dot or is an IP address; otherwise when no DNS or IP SAN is given)')
    .addOption(dirOption('CA directory (ca.crt, ca.key)'))
    .option('--out-dir <dir>', 'where to write NAME.crt and NAME.key (default: --dir)')
    .option('--server', 'TLS server certificate (EKU serverAuth)')
    .option('--client', 'TLS client certificate (EKU clientAuth)')
    .option('--token-signing', 'JWT signing certificate for a registry token server (docker_auth): digitalSignature only, no EKU')
    .option('--san <value>', 'subject alternative name; repeatable, comma-separated; typed by shape or dns:/ip:/email:/uri: (URIs: https:, spiffe:, urn:; no wildcards with --client)', collect)
    .option('--no-name-san', 'with --server: do not add NAME as a SAN (a NAME with a dot, or an IP address, is always one by default)')
    .option('--cn <cn>', 'common name (default: NAME)')
    .option('--org <org>', 'organization (O)')
    .option('--ou <ou>', 'organizational unit (OU)')
    .option('--country <cc>', 'two-letter country code (C)')
    .option('--days <n>', 'validity in days (default 397, never past the CA)', parseInteger)
    .option('--key-type <type>', 'ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519')
    .option('--csr <file>', 'sign this PKCS#10 request instead of making a key')
    .option('--allow-weak', 'with --csr: sign a request with an RSA key under 2048 bits or a SHA-1/MD5 signature (with a warning)')
    .option('--batch <file>', 'one certificate per row of FILE: CSV with the header name,sans,profile,days (profile client, server or client+server) or JSON lines with those fields')
    .option('--p12', 'with --batch: also write OUT/NAME.p12, each with a generated password listed in OUT/p12-passwords.tsv (0600)')
    .option('--workers <n>', 'with --batch: worker threads (default: one per core)', parseInteger);
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
      ['regcert issue --batch users.csv --out-dir users --p12', 'a certificate, key and .p12 for every row; rerun to finish an interrupted run'],
    ]),
  );
  cmd.action(async (name: string | undefined, o: Omit<IssueOptions, 'name'> & Omit<IssueBatchOptions, 'batch'> & { batch?: string }) => {
    if (o.batch !== undefined) {
      const batch = o.batch;
      if (name !== undefined) throw inputError('USAGE', 'NAME and --batch cannot be combined', 'each row of the --batch file names its certificate');
      for (const [k, flag, hint] of NOT_WITH_BATCH) {
        if (o[k] !== undefined) throw inputError('USAGE', `${flag} cannot be combined with --batch`, hint);
      }
      await runCommand(rt, cmd, async (ctx) => (await import('../../commands/issue-batch.js')).issueBatch({ ...o, batch }, ctx), renderIssueBatch);
      return;
    }
    if (name === undefined) throw inputError('USAGE', "missing required argument 'name'", 'run "regcert issue --help"');
    if (o.p12 || o.workers !== undefined) throw inputError('USAGE', `${o.p12 ? '--p12' : '--workers'} needs --batch`, 'for one certificate use "regcert to-p12" after "regcert issue"');
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/issue.js')).issue({ ...o, name }, ctx), renderIssue);
  });
}
