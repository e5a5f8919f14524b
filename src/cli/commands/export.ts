import type { Command } from 'commander';
import type { ExportOptions, ExportResult } from '../../commands/export.js';
import type { Out } from '../output.js';
import { renderFiles, renderNext, renderWarnings } from '../render-common.js';
import { runtimeOption, dirOption, addCommonOptions, addCredentialOptions, addForceOption, addSecretOptions, collect, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

export function renderExport(r: ExportResult, out: Out): void {
  const s = out.style;
  renderWarnings(out, r.warnings);
  if (r.holdsKey) {
    const what = r.target === 'cert-manager' ? 'the CA key cert-manager signs with' : 'the client private key';
    const where = r.files.length ? `in ${r.files.filter((f) => f.mode === '0600').map((f) => f.path).join(', ')} (mode 0600)` : 'in the output above';
    out.note(`${s.yellow(s.warn)} ${what} is ${where}: store and send it as a secret`);
  }
  if (r.content !== undefined) {
    out.line(r.content.trimEnd());
  } else {
    out.line(`${s.green(s.ok)} Exported ${r.target} for ${r.host} (${r.runtimes.join(', ')}): ${r.documents.length} ${r.target === 'kubernetes' || r.target === 'cert-manager' ? 'objects' : 'entries'}`);
    renderFiles(out, r.files);
  }
  // With the document on stdout, the narration goes to stderr.
  const narrate = r.content !== undefined ? (t: string) => out.note(t) : (t: string) => out.line(t);
  for (const n of r.notes) narrate(`${s.dim('note:')} ${n}`);
  renderNext(out, r.next, { to: r.content !== undefined ? 'stderr' : 'stdout' });
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('export')
    .summary('roll a client certificate out to many nodes: Kubernetes, cert-manager, k3s/RKE2, Ansible, cloud-init')
    .description(
      [
        "Print (or write with --out) what a fleet engine needs to lay out HOST's client certificate on every node, in the files and modes install-host writes:",
        "  kubernetes    Namespace, Secret (tls.crt, tls.key, ca.crt), ConfigMap (hosts.toml), and a DaemonSet copying them into each node's certs.d (hostPath); it re-copies when the Secret changes and restarts nothing",
        "  cert-manager  a CA ClusterIssuer (its Secret holds --ca-dir's key), a Certificate per node pool (client auth, digital signature) and DaemonSets mapping tls.crt/tls.key/ca.crt to client.cert/client.key/ca.crt",
        '  k3s, rke2     the registries.yaml entry (--out: a node tree with files)',
        '  ansible       an idempotent playbook (vars regcert_root, regcert_owner, regcert_group; the key in secrets.yml with --out)',
        '  cloud-init    #cloud-config write_files with the same files and modes',
        'Private keys go only into outputs meant for them (0600); --json never prints one. Renewal: after "regcert renew", run export again (--force) and apply it; cert-manager renews on its own.',
      ].join('\n'),
    )
    .argument('<target>', 'kubernetes, cert-manager, k3s, rke2, ansible or cloud-init')
    .option('--host <host>', 'the registry as in image references: HOST[:PORT]')
    .option('--ca <file>', 'the CA that issued the registry\'s server certificate (ca.crt on the nodes)')
    .option('--client <name>', 'instead of --cert/--key: the client certificate NAME in the PKI directory (--dir): NAME.crt, NAME.key, and ca.crt unless --ca')
    .addOption(dirOption('with --client: the PKI directory (default ./pki)', undefined))
    .addOption(
      runtimeOption({ prefix: 'the node runtime layout: ', handles: ['containerd', 'docker', 'podman', 'k3s', 'rke2'], default: 'containerd', defaultText: ' (podman: CRI-O; k3s, rke2 only for ansible/cloud-init)', othersNote: 'not laid out by export', repeatable: true }),
    )
    .option('--certs-dir <root>', 'the certs.d root on the nodes (absolute; only with a single --runtime)')
    .option('--out <dir>', 'write the files into DIR instead of printing one document')
    .option('--namespace <ns>', 'kubernetes/cert-manager: the namespace of the DaemonSet (default regcert)')
    .option('--name <name>', 'kubernetes/cert-manager: the base object name (default regcert-HOST-PORT)')
    .option('--image <ref>', 'kubernetes/cert-manager: the DaemonSet image, any with sh and coreutils (default busybox:1.36)')
    .option('--containerd-config-path', 'add the containerd config.toml config_path lines (CRI) to the output and a note')
    .option('--ca-dir <dir>', 'cert-manager: the CA the ClusterIssuer signs with (ca.crt, ca.key; ca-chain.crt when an intermediate)')
    .option('--pool <name>', 'cert-manager: a node pool (one Certificate and DaemonSet each); repeatable', collect)
    .option('--pool-label <key>', 'cert-manager: the node label whose value is the pool name (e.g. cloud.google.com/gke-nodepool)')
    .option('--cn <cn>', 'cert-manager: the client certificates\' common name (default: the pool name)')
    .option('--days <n>', 'cert-manager: certificate lifetime in days (default 90)', parseInteger)
    .option('--cert-manager-namespace <ns>', 'cert-manager: its cluster resource namespace, where the CA Secret goes (default cert-manager)');
  addSecretOptions(cmd, 'ca-password', 'cert-manager: passphrase of an encrypted --ca-dir key');
  addCredentialOptions(cmd, 'its private key (an encrypted key is decrypted: nodes need it plain)');
  addForceOption(addCommonOptions(cmd));
  cmd.addHelpText(
    'after',
    examples([
      ['regcert export kubernetes --host registry.example.com --cert nodes.crt --key nodes.key --ca pki/ca.crt --out k8s/', 'k8s/install.yaml and k8s/secret.yaml (0600), then: kubectl apply -f k8s/'],
      ['regcert export cert-manager --host registry.example.com --ca-dir pki-cluster --pool-label eks.amazonaws.com/nodegroup --pool blue --pool green --out cm/', 'cert-manager issues and renews the nodes\' client certificates'],
      ['regcert export k3s --host registry.example.com:5000 --cert nodes.crt --key nodes.key --ca ca.crt', 'print the registries.yaml entry'],
      ['regcert export ansible --host registry.example.com --runtime containerd --runtime docker --cert nodes.crt --key nodes.key --ca ca.crt --out play/', 'play/playbook.yml and play/secrets.yml (vault-ready)'],
      ['regcert export cloud-init --host registry.example.com --cert nodes.crt --key nodes.key --ca ca.crt --out seed/', 'seed/user-data with write_files'],
      ['regcert export cloud-init --host registry.example.com --client nodes --dir pki', 'the same from the PKI directory: pki/nodes.crt, pki/nodes.key and pki/ca.crt'],
    ]),
  );
  cmd.action(async (target: string, o: Omit<ExportOptions, 'target'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/export.js')).exportFleet({ ...o, target }, ctx), renderExport);
  });
}
