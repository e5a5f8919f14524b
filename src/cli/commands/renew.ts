import type { Command } from 'commander';
import type { RenewOptions, RenewResult } from '../../commands/renew.js';
import type { Out } from '../output.js';
import { renderFiles, renderNext, renderWarnings } from '../render-common.js';
import { renewInstallOptions, dirOption, addCommonOptions, addSecretOptions, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

/** Renewed certificates listed one by one (with their files) before the rest are counted. */
const RENEWED_SHOWN = 20;

export function renderRenew(r: RenewResult, out: Out): void {
  const s = out.style;
  for (const n of r.notes) out.note(`${s.dim('note:')} ${n}`);
  // A pool renewed in one run: one line per certificate up to a screenful, then a count (--json lists every one).
  const shown = r.renewed.length > RENEWED_SHOWN ? r.renewed.slice(0, RENEWED_SHOWN) : r.renewed;
  for (const x of shown) {
    out.line(`${s.green(s.ok)} Renewed ${x.name}: serial ${x.serial} until ${x.notAfter.slice(0, 10)} (${x.keyKept ? 'same key' : 'new key'}; replaces ${x.oldSerial})`);
    renderFiles(out, x.files);
  }
  if (shown.length < r.renewed.length) out.line(`${s.green(s.ok)} … and ${r.renewed.length - shown.length} more renewed (${r.renewed.length} in all; --json lists each)`);
  for (const x of r.notDue) out.line(`${s.dim('=')} ${x.name} is not due: ${x.daysLeft} days left (window ${r.windowDays} days); nothing changed`);
  if (r.renewed.length === 0 && r.notDue.length === 0) out.line('Nothing to renew.');
  if (r.installed) {
    out.line(`${s.green(s.ok)} Installed for ${r.installed.host} (${r.installed.runtimes.join(', ')})`);
    renderFiles(out, r.installed.files);
    renderWarnings(out, r.installed.warnings);
  }
  if (r.exec) {
    const mark = r.exec.exitCode === 0 ? s.green(s.ok) : s.red(s.fail);
    out.line(`${mark} ran ${r.exec.command} (exit ${r.exec.exitCode ?? 'none'})`);
    for (const line of r.exec.output.trimEnd().split('\n')) if (line) out.note(`  ${line}`);
  }
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('renew')
    .summary('renew a certificate (same subject, SANs, EKUs, key) or every due one')
    .description(
      'Issue a new certificate with the same subject, SANs, EKUs and validity length and a new serial, and mark the ' +
        'old one superseded (a server certificate named after a host also gains that name as a SAN if it lacked it). ' +
        ' The key is kept (installed client.key files stay valid) unless --rekey. --if-expiring ' +
        'WINDOW does nothing (exit 0) until the certificate is due, so it can run daily; --all renews every certificate ' +
        'due within --if-expiring (default 30d); several NAMEs or --all are renewed in one run. --install re-runs ' +
        '"install-host --force" for the new pair; --exec runs a reload command once, after the renewals. The CA itself is not renewed: create a new CA, trust both while clients move ' +
        'over, then retire the old one.',
    )
    .argument('[name|serial...]', 'certificate NAME or SERIAL (several: renewed in one run)')
    .addOption(dirOption())
    .option('--all', 'every current certificate due within --if-expiring (default 30d)')
    .option('--if-expiring <window>', 'only when it expires within WINDOW (e.g. 30d); otherwise exit 0 and change nothing')
    .option('--rekey', 'make a new key instead of keeping the old one')
    .option('--no-name-san', 'keep exactly the SANs the certificate had (by default a server certificate named after a host gains that name as a SAN)');
  for (const o of renewInstallOptions()) cmd.addOption(o);
  cmd
    .option('--exec <command>', 'run COMMAND with /bin/sh once after the renewals (REGCERT_RENEWED holds the names)')
    .option('--workers <n>', 'worker threads when many are due (default: one per core)', parseInteger);
  addSecretOptions(cmd, 'key-password', 'passphrase of the kept key (or for the new key with --rekey)');
  addSecretOptions(cmd, 'ca-password', 'passphrase of the CA key');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['regcert renew alice --dir pki', 'a new certificate for alice with the same key'],
      ['regcert renew --all --if-expiring 30d --dir /etc/regcert/pki', 'daily from cron: renew what expires within 30 days'],
      ['regcert renew alice --if-expiring 30d --install registry.example.com:5000', 'renew and re-install into /etc/docker/certs.d'],
      ['regcert renew registry.example.com --rekey --exec "systemctl reload nginx"', 'a new key for the server, then reload'],
    ]),
  );
  cmd.action(async (targets: string[], o: Omit<RenewOptions, 'target' | 'targets'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/renew.js')).renew({ ...o, targets }, ctx), renderRenew);
  });
}
