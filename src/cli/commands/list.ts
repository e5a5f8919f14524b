import type { Command } from 'commander';
import type { ListOptions, ListResult } from '../../commands/list.js';
import type { Out } from '../output.js';
import { daysLeftStyle, renderWarnings, widest } from '../render-common.js';
import { dirOption, addCommonOptions, examples, runCommand, type Runtime } from '../runner.js';

/** Names on the --expiring alert line at most. */
const EXPIRING_NAMED = 20;

export function renderList(r: ListResult, out: Out): void {
  const s = out.style;
  for (const n of r.notes) out.note(`${s.dim('note:')} ${n}`);
  if (r.certificates.length === 0) {
    out.line(r.expiringWithinDays !== null ? `${s.green(s.ok)} nothing expires within ${r.expiringWithinDays} days in ${r.dir}` : `No certificates in ${r.dir}.`);
  } else {
    const rows = r.certificates.map((c) => [c.name, c.serial.slice(0, 16), c.profile, c.status, c.notAfter.slice(0, 10), String(c.daysLeft)]);
    const head = ['NAME', 'SERIAL', 'PROFILE', 'STATUS', 'NOT AFTER', 'DAYS LEFT'];
    const widths = head.map((h, i) => widest(rows.map((row) => row[i]!), h.length));
    out.line(s.bold(head.map((h, i) => h.padEnd(widths[i]!)).join('  ')));
    r.certificates.forEach((c, n) => {
      const cells = rows[n]!.map((v, i) => v.padEnd(widths[i]!));
      const days = daysLeftStyle(out, cells[5]!, c.daysLeft, c.status === 'expired');
      const status = c.status === 'revoked' || c.status === 'expired' ? s.red(cells[3]!) : c.status === 'superseded' ? s.dim(cells[3]!) : cells[3]!;
      out.line([cells[0], cells[1], cells[2], status, cells[4], days].join('  ').trimEnd());
    });
  }
  renderWarnings(out, r.warnings);
  if (r.expiring.length > 0) {
    // The table above lists each; this line names a screenful (a pool of 100,000 due is not one line of 100,000 names).
    const names = r.expiring.slice(0, EXPIRING_NAMED).map((e) => e.name);
    if (r.expiring.length > EXPIRING_NAMED) names.push(`… and ${r.expiring.length - EXPIRING_NAMED} more`);
    out.note(`${s.red(s.fail)} ${r.expiring.length} certificate(s) expire within ${r.expiringWithinDays} days: ${names.join(', ')}`);
  }
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('list')
    .summary('list the certificates a CA issued, with days left; --expiring for monitoring')
    .description(
      'List the inventory of the CA in --dir (DIR/inventory.jsonl): name, serial, profile, status (valid, expired, ' +
        'revoked, superseded) and days left. A CA directory without an inventory (regcert 0.1.0, openssl) gets one ' +
        'rebuilt from its .crt files. --expiring WINDOW shows only current certificates that expire within WINDOW (30d, ' +
        '12h, 2w) and exits 1 when there is any, so cron or a monitoring system can alert. Warns when DIR/crl.pem is ' +
        'past or within 2 days of its nextUpdate.',
    )
    .addOption(dirOption())
    .option('--expiring <window>', 'only certificates expiring within WINDOW (e.g. 30d); exit 1 when any')
    .option('--revoked', 'only revoked certificates')
    .option('--client', 'only client certificates (clientAuth)')
    .option('--server', 'only server certificates (serverAuth)')
    .option('--all', 'include superseded (renewed) certificates');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['regcert list --dir pki', 'every current certificate with its days left'],
      ['regcert list --dir pki --expiring 30d || mail -s "renew certificates" admin', 'alert from cron when anything expires within 30 days'],
      ['regcert list --dir pki --revoked --json', 'revoked certificates as one JSON document'],
    ], { failed: '--expiring: at least one certificate expires within the window' }),
  );
  cmd.action(async (o: ListOptions) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/list.js')).list(o, ctx), renderList);
  });
}
