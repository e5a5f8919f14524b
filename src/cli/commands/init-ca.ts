import type { Command } from 'commander';
import type { InitCaOptions, InitCaResult } from '../../commands/init-ca.js';
import { renderCertificate, renderFiles, renderNext, renderWarnings } from '../render-common.js';
import type { Out } from '../output.js';
import { dirOption, addSecretOptions, addCommonOptions, addForceOption, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

export function renderInitCa(r: InitCaResult, out: Out): void {
  out.line(`${out.style.green(out.style.ok)} ${r.intermediate ? 'Intermediate' : 'Root'} CA created in ${r.dir}${r.keyEncrypted ? ' (key encrypted)' : ''}`);
  renderFiles(out, r.files);
  renderCertificate(out, r.certificate);
  renderWarnings(out, r.warnings);
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('init-ca')
    .summary('create a root (or intermediate) certificate authority')
    .description('Create a certificate authority: DIR/ca.crt and DIR/ca.key (0600).\nWith --intermediate, sign it with PARENT/ca.key and also write DIR/ca-chain.crt.')
    .addOption(dirOption('directory for ca.crt and ca.key'))
    .option('--cn <name>', 'common name of the CA')
    .option('--org <org>', 'organization (O)')
    .option('--ou <ou>', 'organizational unit (OU)')
    .option('--country <cc>', 'two-letter country code (C)')
    .option('--key-type <type>', 'ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519', 'ecdsa-p256')
    .option('--days <n>', 'validity in days (root 3650, intermediate 1825)', parseInteger)
    .option('--path-len <n>', 'basicConstraints pathLenConstraint', parseInteger)
    .option('--intermediate', 'create an intermediate CA signed by --parent-dir')
    .option('--parent-dir <dir>', 'directory of the parent CA (with --intermediate)');
  addSecretOptions(cmd, 'key-password', 'encrypt the CA key with the passphrase');
  addSecretOptions(cmd, 'ca-password', 'passphrase of the parent CA key');
  addForceOption(addCommonOptions(cmd));
  cmd.addHelpText(
    'after',
    examples([
      ['regcert init-ca', 'a root CA in ./pki (ECDSA P-256, 10 years)'],
      ['regcert init-ca --dir pki --cn "ACME Registry CA" --org ACME --key-type rsa-4096', 'an RSA root with a name of your own'],
      ['regcert init-ca --intermediate --parent-dir pki --dir pki-int', 'an intermediate CA signed by the root in ./pki'],
    ]),
  );
  cmd.action(async (o: InitCaOptions) => {
    await runCommand(
      rt,
      cmd,
      async (ctx) => (await import('../../commands/init-ca.js')).initCa(o, ctx),
      renderInitCa,
    );
  });
}
