import type { Command } from 'commander';
import type { RevokeOptions, RevokeResult } from '../../commands/revoke.js';
import type { Out } from '../output.js';
import { renderNext } from '../render-common.js';
import { renderCrlSummary } from './crl.js';
import { dirOption, addCommonOptions, addSecretOptions, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

export function renderRevoke(r: RevokeResult, out: Out): void {
  const s = out.style;
  for (const x of r.revoked) out.line(`${s.green(s.ok)} Revoked ${x.name} (serial ${x.serial}, ${x.reason})`);
  for (const x of r.alreadyRevoked) out.line(`${s.dim('=')} ${x.name} (serial ${x.serial}) was already revoked on ${x.revokedAt} (${x.reason}): nothing changed`);
  if (r.skippedExpired.length) out.line(s.dim(`  left alone (already expired): ${r.skippedExpired.join(', ')}`));
  if (r.revoked.length === 0 && r.alreadyRevoked.length === 0) out.line('Nothing to revoke: every certificate of that name has expired.');
  for (const n of r.notes) out.note(s.dim(n));
  if (r.crl) renderCrlSummary(out, r.crl);
  if (r.revoked.length) {
    out.note(s.bold('Who checks the CRL:'));
    for (const e of r.enforcement) out.note(`  ${e.checks ? s.green('checks    ') : s.red('IGNORES IT')} ${e.server}: ${e.how}`);
  }
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('revoke')
    .summary('revoke certificates and refresh the CRL')
    .description(
      'Mark certificates revoked in the inventory of --dir and refresh DIR/crl.pem, both in one atomic set. By NAME, every ' +
        'unexpired certificate of that name (a renewed one shares the key of the old); by SERIAL, exactly that one. Several ' +
        'NAMEs/SERIALs, or --batch FILE (one per line), are one inventory write and one signed CRL; one that the inventory does ' +
        'not know refuses the whole run (exit 2, nothing written). Revoking twice changes nothing. ' +
        'Only servers that check the CRL refuse it: nginx (ssl_crl), HAProxy, Envoy. CNCF distribution 2.x, MKE/MSR and ' +
        'Harbor do not: front them with one that does.',
    )
    .argument('[name|serial...]', 'certificate NAMEs or SERIALs (hex, as "regcert list" shows them)')
    .option('--batch <file>', 'a file with one NAME or SERIAL per line (blank lines and # comments skipped)')
    .addOption(dirOption())
    .option('--reason <reason>', 'unspecified (default), keyCompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn')
    .option('--crl-days <n>', 'days until the refreshed CRL\'s nextUpdate (default 7)', parseInteger);
  addSecretOptions(cmd, 'ca-password', 'passphrase of the CA key');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['regcert revoke alice --dir pki --reason keyCompromise', 'revoke alice and write pki/crl.pem'],
      ['regcert revoke 4f1c2a… --dir pki --reason superseded', 'revoke one certificate by serial'],
      ['regcert revoke --batch leavers.txt --dir pki --reason affiliationChanged', 'offboard many at once: one inventory write, one CRL'],
      ['regcert config nginx --dir pki --host registry.example.com --crl', 'an nginx front end that enforces the CRL'],
    ]),
  );
  cmd.action(async (targets: string[], o: Omit<RevokeOptions, 'targets'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/revoke.js')).revoke({ ...o, targets }, ctx), renderRevoke);
  });
}
