import type { Command } from 'commander';
import type { VerifyOptions, VerifyResult } from '../../commands/verify.js';
import type { Out } from '../output.js';
import { addCredentialOptions, addCommonOptions, examples, runCommand, type Runtime } from '../runner.js';
import { parseSeconds } from './fetch-ca.js';

export function renderVerify(r: VerifyResult, out: Out): void {
  const s = out.style;
  for (const c of r.checks) out.note(`  ${c.ok ? s.green(s.ok) : s.red(s.fail)} ${c.name.padEnd(16)} ${c.detail}`);
  if (r.ok) {
    if (r.probe === 'v2') {
      out.line(`${s.green(s.ok)} ${r.url}: the registry requires a client certificate and accepted this one (probe /v2/: refused without it, HTTP 200 with it)`);
      out.line(`  this proves TLS client authentication with this certificate, not a registry login (the registry has no /basic_info)`);
    } else {
      out.line(`${s.green(s.ok)} ${r.url}: logged in by client certificate as ${r.user} (admin: ${r.isAdmin === null ? 'unknown' : r.isAdmin ? 'yes' : 'no'})${r.version ? `, version ${r.version}` : ''}`);
    }
    return;
  }
  const probe = r.probe === 'v2' ? ' (probe /v2/)' : r.probe === 'basic_info' ? ' (probe /basic_info)' : '';
  out.note(`regcert: ${r.error?.message ?? 'verification failed'}${probe}`);
  if (r.error?.hint) out.note(`hint: ${r.error.hint}`);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('verify')
    .summary('prove that a registry logs this client in by its certificate')
    .description(
      'Check the client certificate locally (key, validity, clientAuth, chain to --ca), then GET URL/basic_info presenting it; succeed only when the registry reports AuthnMethod TLSClientCertificate.\nA registry without /basic_info (CNCF distribution) is probed at /v2/ with and without the certificate instead.',
    )
    .argument('<url>', 'the registry, e.g. https://registry.example.com')
    .option('--ca <file>', 'CA that issued the registry certificate (default: system roots)')
    .option('--api <kind>', 'msr (GET /basic_info) or registry (probe /v2/); default: /basic_info, then /v2/ on 404')
    .option('--timeout <seconds>', 'give up after this many seconds (default 10)', parseSeconds);
  addCredentialOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['regcert verify https://registry.example.com --cert alice.crt --key alice.key --ca ca.crt', 'MSR: prints the user and admin flag'],
      ['regcert verify https://127.0.0.1:5000 --cert alice.crt --key alice.key --ca ca.crt --api registry', 'CNCF registry: proves TLS client auth'],
    ]),
  );
  cmd.action(async (url: string, o: Omit<VerifyOptions, 'url'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/verify.js')).verify({ ...o, url }, ctx), renderVerify);
  });
}
