import { InvalidArgumentError, type Command } from 'commander';
import type { FetchCaOptions, FetchCaResult } from '../../commands/fetch-ca.js';
import type { Out } from '../output.js';
import { renderFiles } from '../render-common.js';
import { addCommonOptions, addForceOption, examples, runCommand, type Runtime } from '../runner.js';

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0)) throw new InvalidArgumentError('expected a number of seconds');
  return n;
}

/** --allow-extra, declared once for fetch-ca and install-host --fetch-ca. */
export function addAllowExtraOption(cmd: Command): Command {
  return cmd.option('--allow-extra', 'when /ca carries certificates besides the CA that anchors the server\'s chain, write only that CA and name what was dropped (default: refuse)');
}

export function renderFetchCa(r: FetchCaResult, out: Out): void {
  const s = out.style;
  out.line(`${s.green(s.ok)} CA from ${r.url} (${r.accepted === 'fingerprint' ? 'fingerprint matched' : r.accepted === 'yes' ? 'trusted on first use (--yes)' : 'confirmed'})`);
  for (const c of r.certificates) {
    out.line(`  ${s.dim('subject'.padEnd(8))} ${c.subject}`);
    out.line(`  ${s.dim('valid'.padEnd(8))} ${c.notBefore} .. ${c.notAfter}`);
    out.line(`  ${s.dim('sha256'.padEnd(8))} ${c.sha256}`);
  }
  out.line(`  ${s.dim('verifies'.padEnd(8))} the server's own certificate: ${r.serverChain.join(' <- ')}`);
  for (const d of r.dropped) out.note(`${s.yellow(s.warn)} dropped "${d.subject}" (sha256 ${d.sha256}): ${d.reason}`);
  renderFiles(out, r.files);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('fetch-ca')
    .summary("download a registry's CA from its /ca endpoint")
    .description(
      "Download a registry's CA (MSR/MKE serve it at /ca) without curl -k.\nThe download cannot verify the server yet; instead the fetched CA must anchor the TLS chain the server presented on that same connection, and you pin it with --fingerprint, confirm it on a TTY, or accept it with --yes.\nOnly that anchoring CA (and intermediates of the chain that /ca carried) is written; a /ca with other or non-CA certificates is refused unless --allow-extra.",
    )
    .argument('<url>', 'https://HOST[:PORT] (then /ca is fetched) or the full URL of the CA')
    .option('--out <file>', 'where to write the CA', 'ca.crt')
    .option('--fingerprint <sha256>', 'expected SHA-256 fingerprint (hex, colons optional, optional sha256: prefix)')
    .option('--timeout <seconds>', 'give up after this many seconds (default 10)', parseSeconds);
  addAllowExtraOption(cmd);
  addForceOption(addCommonOptions(cmd));
  cmd.addHelpText(
    'after',
    examples([
      ['regcert fetch-ca https://registry.example.com --fingerprint sha256:AB12…', 'pin the fingerprint your administrator published'],
      ['regcert fetch-ca https://10.0.0.5:5000 --yes --out registry-ca.crt', 'trust on first use'],
    ]),
  );
  cmd.action(async (url: string, o: Omit<FetchCaOptions, 'url'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/fetch-ca.js')).fetchCaCommand({ ...o, url }, ctx), renderFetchCa);
  });
}
