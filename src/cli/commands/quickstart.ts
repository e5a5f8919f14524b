import type { Command } from 'commander';
import type { QuickstartOptions, QuickstartResult } from '../../commands/quickstart.js';
import type { Out } from '../output.js';
import { renderNext } from '../render-common.js';
import { dirOption, addSecretOptions, addCommonOptions, collect, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

export function renderQuickstart(r: QuickstartResult, out: Out): void {
  const s = out.style;
  out.line(s.bold(`regcert quickstart in ${r.dir}`));
  for (const step of r.steps) {
    const mark = step.ok ? s.green(s.ok) : s.red(s.fail);
    out.line(`  ${mark} ${step.step.padEnd(20)} ${step.ok ? step.detail : s.red(step.detail)}`);
  }
  out.line();
  out.line(r.ok ? s.green(`${s.ok} Client-certificate login works end to end. The test endpoint has been stopped.`) : s.red(`${s.fail} The login did not verify.`));
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('quickstart')
    .summary('the whole flow in one go: CA, certificates, .p12, certs.d, and a verified mTLS login')
    .description(
      'Create a CA, a server certificate for --host (default localhost and 127.0.0.1), a client certificate for the ' +
        'current user and its .p12 (password generated into NAME.p12.pass, 0600), lay out certs.d, start the built-in ' +
        'mTLS endpoint on a free port, and verify the login through the certs.d files. Re-running reuses what DIR ' +
        'already holds. Nothing is left running.',
    )
    .addOption(dirOption('where everything is written', 'regcert-quickstart'))
    .option('--host <name>', 'server certificate names (repeatable, comma-separated)', collect)
    .option('--user <name>', 'client certificate name (default: $USER)')
    .option('--port <n>', 'port of the test endpoint (default: a free one)', parseInteger);
  addSecretOptions(cmd, 'password', 'password for the .p12');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['regcert quickstart', 'everything in ./regcert-quickstart, verified against the built-in endpoint'],
      ['regcert quickstart --dir demo --host registry.lan --user ci-bot', 'names of your own'],
      ['regcert quickstart --json | jq .steps', 'the checklist as data'],
    ]),
  );
  cmd.action(async (o: QuickstartOptions) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/quickstart.js')).quickstart(o, ctx), renderQuickstart);
  });
}
