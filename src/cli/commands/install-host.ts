import type { Command } from 'commander';
import type { InstallHostOptions, InstallHostResult } from '../../commands/install-host.js';
import type { Out } from '../output.js';
import { renderFiles, renderNext, renderWarnings } from '../render-common.js';
import { runtimeOption, addCredentialOptions, addCommonOptions, addForceOption, collect, examples, runCommand, type Runtime } from '../runner.js';
import { addAllowExtraOption, parseSeconds } from './fetch-ca.js';

export function renderInstallHost(r: InstallHostResult, out: Out): void {
  const s = out.style;
  renderWarnings(out, r.warnings);
  if (r.files.length === 0 && r.configs.length > 0) {
    out.line(`${s.green(s.ok)} ${r.runtimes.join(', ')} entries for ${r.host} (nothing written; pass --certs-dir to write the files, --config FILE to merge the entry; CA from ${r.caFrom})`);
  } else {
    const verb = r.dryRun ? 'Would install' : 'Installed';
    out.line(`${s.green(s.ok)} ${verb} the client certificate for ${r.host} (${r.runtimes.join(', ')}; CA from ${r.caFrom})`);
  }
  if (r.files.length) renderFiles(out, r.files);
  out.line(`  ${s.dim('client'.padEnd(8))} ${r.certificate.subject} (leaf${r.chainLength > 1 ? ` + ${r.chainLength - 1} intermediate(s)` : ''}), expires ${r.certificate.notAfter.slice(0, 10)}`);
  for (const c of r.configs) {
    if (c.merged) continue;
    out.line();
    out.line(s.bold(`${c.runtime === 'buildkit' ? 'buildkitd.toml' : c.file} (not edited; merge by hand or pass --config ${c.file}):`));
    out.line(c.snippet.trimEnd());
  }
  renderNext(out, r.next);
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('install-host')
    .summary('lay out client certificate, key and CA where a container runtime reads them')
    .description(
      'Write ROOT/HOST[:PORT]/client.cert (leaf + intermediates), client.key (unencrypted, 0600) and ca.crt where each runtime reads them:\n' +
        '  docker          /etc/docker/certs.d (--rootless: $XDG_CONFIG_HOME/docker/certs.d, default ~/.config/docker/certs.d)\n' +
        '  docker-desktop  ~/.docker/certs.d (Windows: the folder name without ":")\n' +
        '  podman          /etc/containers/certs.d (--rootless: ~/.config/containers/certs.d); also Buildah, Skopeo, CRI-O\n' +
        '  containerd      /etc/containerd/certs.d plus hosts.toml; the CRI plugin also needs config_path in config.toml\n' +
        '  buildkit        the buildkitd.toml [registry."HOST"] entry (BuildKit ignores certs.d)\n' +
        '  k3s, rke2       /etc/rancher/{k3s,rke2}/certs.d and the registries.yaml configs."HOST".tls entry\n' +
        '  content-trust   ~/.docker/tls/HOST (Docker content trust, Notary CLI)\n' +
        'A daemon\'s main config file is edited only with --config FILE (this host\'s entry merged in, everything else kept); otherwise the entry is printed.\n' +
        'Docker sends no client certificate to a registry in 127.0.0.0/8 or in insecure-registries: install-host warns.\n' +
        'HOST[:PORT] is written exactly as in image references: "host" and "host:443" are different folders.',
    )
    .argument('<host>', 'registry as in image references: HOST, HOST:PORT, IPv4[:PORT] or [IPv6][:PORT]')
    .option('--ca <file>', 'CA that issued the registry certificate (written as ca.crt)')
    .option('--fetch-ca', 'download the CA from https://HOST[:PORT]/ca, as fetch-ca does')
    .option('--fingerprint <sha256>', 'with --fetch-ca: expected SHA-256 fingerprint of the CA')
    .addOption(runtimeOption({ default: 'docker', repeatable: true }))
    .option('--rootless', "the per-user runtime (rootless Docker, rootless Podman, nerdctl, rootless BuildKit/k3s): its folders under your home")
    .option('--certs-dir <root>', 'certs.d root to write into (only with a single --runtime)')
    .option('--config <file>', 'merge this host\'s entry into FILE: buildkitd.toml (buildkit), registries.yaml (k3s, rke2) or config.toml (containerd: config_path)')
    .option('--daemon-json <file>', "Docker's daemon.json, for the insecure-registries warning (default /etc/docker/daemon.json)")
    .option('--migrate-mirrors', "with --runtime containerd --config: move the config's legacy registry mirrors into hosts.toml files (containerd refuses them beside config_path)")
    .option('--runtime-version <name=version>', 'judge the runtime rules for this release instead of the installed one (docker=28.5.2, containerd=2.1.9, podman=5.8.6); repeatable', collect)
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
      ['sudo regcert install-host registry.example.com --runtime k3s --config /etc/rancher/k3s/registries.yaml --cert alice.crt --key alice.key --ca ca.crt', 'k3s: files plus the registries.yaml entry, merged'],
    ]),
  );
  cmd.action(async (host: string, o: Omit<InstallHostOptions, 'host'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/install-host.js')).installHost({ ...o, host }, ctx), renderInstallHost);
  });
}
