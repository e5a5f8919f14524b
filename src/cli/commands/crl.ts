import type { Command } from 'commander';
import type { CrlOptions, CrlResult } from '../../commands/crl.js';
import type { CrlSummary } from '../../io/crl.js';
import type { Out } from '../output.js';
import { renderFiles, renderNext } from '../render-common.js';
import { dirOption, addCommonOptions, addSecretOptions, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

export function renderCrlSummary(out: Out, c: CrlSummary): void {
  const s = out.style;
  out.line(`${s.green(s.ok)} CRL number ${c.number}, ${c.revoked.length} revoked certificate(s), next update ${c.nextUpdate}`);
  renderFiles(out, c.files);
  for (const r of c.revoked) out.line(`  ${s.dim('revoked'.padEnd(8))} ${r.name} ${r.serial} (${r.reason}, ${r.revokedAt})`);
}

export function renderCrl(r: CrlResult, out: Out): void {
  renderCrlSummary(out, r);
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('crl')
    .summary('write DIR/crl.pem: a signed CRL v2 of the revoked certificates')
    .description(
      'Write DIR/crl.pem, a CRL v2 signed by the CA in --dir, listing every certificate the inventory marks revoked, ' +
        'with a CRL number one above the last (DIR/crlnumber), the authorityKeyIdentifier and nextUpdate --days ahead. ' +
        'Run it daily (see "regcert config systemd"): once nextUpdate passes, nginx, HAProxy and Envoy refuse every ' +
        'client certificate.',
    )
    .addOption(dirOption())
    .option('--days <n>', 'days until nextUpdate (default 7)', parseInteger);
  addSecretOptions(cmd, 'ca-password', 'passphrase of the CA key');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['regcert crl --dir pki', 'a fresh pki/crl.pem, valid for 7 days'],
      ['regcert crl --dir pki --days 2 --ca-password-file /root/ca.pass', 'a CRL for two days, the CA key encrypted'],
      ['openssl crl -in pki/crl.pem -CAfile pki/ca.crt -verify -noout -text', 'check it with openssl'],
    ]),
  );
  cmd.action(async (o: CrlOptions) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/crl.js')).crl(o, ctx), renderCrl);
  });
}
