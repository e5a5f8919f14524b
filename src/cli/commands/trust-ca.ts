import type { Command } from 'commander';
import type { TrustCaOptions, TrustCaResult } from '../../commands/trust-ca.js';
import type { Out } from '../output.js';
import { renderNext } from '../render-common.js';
import { addCommonOptions, addSecretOptions, collect, examples, runCommand, type Runtime } from '../runner.js';

const ACTION_LABEL: Record<string, string> = {
  added: 'added',
  removed: 'removed',
  unchanged: 'unchanged',
  absent: 'not there',
  'would-add': 'would add',
  'would-remove': 'would remove',
  manual: 'run by hand',
  skipped: 'skipped',
};

export function renderTrustCa(r: TrustCaResult, out: Out): void {
  const s = out.style;
  const verb = r.action === 'install' ? 'Trust' : 'Untrust';
  out.line(`${s.green(s.ok)} ${verb} ${r.ca.subject} (sha256 ${r.ca.sha256.slice(0, 23)}…) as ${r.anchorName}${r.dryRun ? ' (dry run: nothing changed)' : ''}`);
  for (const c of r.changes) {
    out.line(`  ${(ACTION_LABEL[c.action] ?? c.action).padEnd(12)} ${c.store.padEnd(7)} ${c.target}`);
    out.line(`  ${''.padEnd(12)} ${''.padEnd(7)} ${s.dim(c.detail)}`);
    // Commands to run by hand are data (stdout); the ones regcert ran are narration.
    for (const cmd of c.commands) {
      if (c.action === 'manual' || c.action.startsWith('would')) out.line(`    ${s.cyan(cmd)}`);
      else out.note(`    ran: ${cmd}`);
    }
  }
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('trust-ca')
    .summary('trust a CA system-wide: system store, NSS (Firefox, Chromium), Java cacerts')
    .description(
      "Add CA_FILE to this machine's trust stores, or remove it with --uninstall. The system store is picked from /etc/os-release: Debian/Ubuntu and Alpine (/usr/local/share/ca-certificates + update-ca-certificates), RHEL/Fedora (/etc/pki/ca-trust/source/anchors + update-ca-trust), SUSE (/etc/pki/trust/anchors + update-ca-certificates); on macOS and Windows the exact command is printed.\n\n" +
        'Everything is recorded under regcert-<SHA-256 prefix> (file name, NSS nickname, Java alias): running it twice changes nothing, and --uninstall removes exactly what it added. Only CA certificates are accepted.',
    )
    .argument('<ca-file>', 'the CA certificate (PEM or DER), e.g. pki/ca.crt')
    .option('--store <store>', 'system (default), nss, java, all, or one of debian, rhel, suse, alpine, macos, windows', 'system')
    .option('--uninstall', 'remove the CA that regcert added (nothing else)')
    .option('--dry-run', 'print what would change and change nothing')
    .option('--nss-db <dir>', 'NSS database folder (cert9.db); repeatable; default ~/.pki/nssdb and Firefox profiles', collect)
    .option('--java-cacerts <file>', 'Java keystore to change (default: $JAVA_HOME/lib/security/cacerts)');
  addSecretOptions(cmd, 'java-password', 'password of the Java keystore (default: the JDK\'s "changeit")');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['sudo regcert trust-ca pki/ca.crt', 'trust the CA in the system store (curl, Docker, Go, OpenSSL)'],
      ['regcert trust-ca pki/ca.crt --store nss', 'Firefox and Chromium (NSS databases of this user)'],
      ['sudo regcert trust-ca pki/ca.crt --store all --dry-run', 'what would change in the system store, NSS and Java'],
      ['regcert trust-ca pki/ca.crt --store macos', 'print the macOS command'],
      ['sudo regcert trust-ca pki/ca.crt --uninstall', 'remove exactly what trust-ca added'],
    ]),
  );
  cmd.action(async (caFile: string, o: Omit<TrustCaOptions, 'caFile'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/trust-ca.js')).trustCa({ ...o, caFile }, ctx), renderTrustCa);
  });
}
