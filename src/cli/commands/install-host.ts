import type { Command } from 'commander';
import type { InstallHostOptions, InstallHostResult } from '../../commands/install-host.js';
import type { Out } from '../output.js';
import { renderFiles, renderNext } from '../render-common.js';
import { addCredentialOptions, addCommonOptions, addForceOption, collect, examples, runCommand, type Runtime } from '../runner.js';
import { addAllowExtraOption, parseSeconds } from './fetch-ca.js';

export function renderInstallHost(r: InstallHostResult, out: Out): void {
  const s = out.style;
  for (const w of r.warnings) out.note(`${s.yellow(s.warn)} ${w}`);
  if (r.files.length === 0 && r.buildkitSnippet) {
    out.line(`${s.green(s.ok)} BuildKit entries for ${r.host} (nothing written; pass --certs-dir to write the files; CA from ${r.caFrom})`);
  } else {
    const verb = r.dryRun ? 'Would install' : 'Installed';
    out.line(`${s.green(s.ok)} ${verb} the client certificate for ${r.host} (${r.runtimes.join(', ')}; CA from ${r.caFrom})`);
  }
  if (r.files.length) renderFiles(out, r.files);
  out.line(`  ${s.dim('client'.padEnd(8))} ${r.certificate.subject} (leaf${r.chainLength > 1 ? ` + ${r.chainLength - 1} intermediate(s)` : ''}), expires ${r.certificate.notAfter.slice(0, 10)}`);
  if (r.buildkitSnippet) {
    out.line();
    out.line(s.bold('buildkitd.toml:'));
    out.line(r.buildkitSnippet.trimEnd());
  }
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('install-host')
    .summary('lay out client certificate, key and CA where a container runtime reads them')
    .description(
      'Write ROOT/HOST[:PORT]/client.cert (leaf + intermediates), client.key (unencrypted, 0600) and ca.crt for docker (/etc/docker/certs.d), podman (/etc/containers/certs.d) or containerd (/etc/containerd/certs.d, plus hosts.toml); for buildkit, print the buildkitd.toml entries.\nHOST[:PORT] is written exactly as in image references: "host" and "host:443" are different folders.',
    )
    .argument('<host>', 'registry as in image references: HOST, HOST:PORT, IPv4[:PORT] or [IPv6][:PORT]')
    .option('--ca <file>', 'CA that issued the registry certificate (written as ca.crt)')
    .option('--fetch-ca', 'download the CA from https://HOST[:PORT]/ca, as fetch-ca does')
    .option('--fingerprint <sha256>', 'with --fetch-ca: expected SHA-256 fingerprint of the CA')
    .option('--runtime <name>', 'docker (default), podman, containerd or buildkit; repeatable', collect)
    .option('--certs-dir <root>', 'certs.d root to write into (only with a single --runtime)')
    .option('--dry-run', 'print what would be written and write nothing')
    .option('--timeout <seconds>', 'with --fetch-ca: give up after this many seconds', parseSeconds);
  addAllowExtraOption(cmd);
  addCredentialOptions(cmd, 'its private key (an encrypted key is decrypted: client.key is always plain)');
  addForceOption(addCommonOptions(cmd));
  cmd.addHelpText(
    'after',
    examples([
      ['sudo regcert install-host registry.example.com --cert alice.crt --key alice.key --ca pki/ca.crt', 'Docker: /etc/docker/certs.d/registry.example.com/'],
      ['regcert install-host 10.0.0.5:5000 --runtime podman --certs-dir ~/.config/containers/certs.d --cert alice.crt --key alice.key --ca ca.crt', 'rootless Podman'],
      ['sudo regcert install-host registry.example.com --runtime containerd --cert alice.crt --key alice.key --fetch-ca --fingerprint sha256:AB12…', 'containerd, CA downloaded and pinned'],
      ['regcert install-host registry.example.com --runtime buildkit --cert alice.crt --key alice.key --ca ca.crt', 'print buildkitd.toml entries'],
    ]),
  );
  cmd.action(async (host: string, o: Omit<InstallHostOptions, 'host'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/install-host.js')).installHost({ ...o, host }, ctx), renderInstallHost);
  });
}
