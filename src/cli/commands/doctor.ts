import type { Command } from 'commander';
import type { DoctorOptions, DoctorResult } from '../../commands/doctor.js';
import type { Problem } from '../../runtimes/types.js';
import type { Out } from '../output.js';
import { renderWarnings } from '../render-common.js';
import { runtimeOption, addCommonOptions, collect, examples, runCommand, type Runtime } from '../runner.js';

const KIND_LABEL: Record<string, string> = { docker: 'docker', 'podman-user': 'podman (user)', podman: 'podman', 'podman-system': 'podman 6', containerd: 'containerd' };

function renderProblem(out: Out, p: Problem): void {
  const s = out.style;
  out.line(`    ${s.red(s.fail)} ${p.message}`);
  // A fix may span lines (config lines to add); runCommand escaped it (keeping its line breaks).
  out.line(`      ${s.dim('fix:')} ${p.fix.trimEnd().split('\n').join('\n           ')}`);
}

export function renderDoctor(r: DoctorResult, out: Out): void {
  const s = out.style;
  for (const root of r.roots) if (!root.exists) out.line(s.dim(`${root.path}: not present (${KIND_LABEL[root.kind]})`));
  for (const h of r.hosts) {
    const mark = h.problems.length ? s.red(s.fail) : s.green(s.ok);
    out.line(`${mark} ${s.bold(h.name)}  ${s.dim(`${KIND_LABEL[h.kind]}, ${h.path}`)}`);
    if (h.probe) {
      const pr = h.probe;
      const who = pr.user !== undefined ? `; the registry saw user ${pr.user}${pr.authnMethod ? ` (${pr.authnMethod})` : ''}` : '';
      const mark2 = pr.ok ? s.green(s.ok) : s.red(s.fail);
      out.line(`    ${mark2} probe ${pr.url}: presented ${pr.presented.subject ?? 'no client certificate'} (${pr.presented.source})`);
      if (pr.ok) out.line(`      ${pr.answer}${who}`);
    }
    for (const p of h.problems) renderProblem(out, p);
  }
  // Problems not tied to one folder, under a header of their own (never under the last folder's).
  if (r.problems.length) out.line(`${s.red(s.fail)} ${s.bold('not tied to one folder')}`);
  for (const p of r.problems) renderProblem(out, p);
  renderWarnings(out, r.warnings);
  out.line();
  if (r.problemCount === 0) {
    out.line(r.hosts.length ? `${s.green(s.ok)} ${r.hosts.length} folder(s) checked, no problems` : 'No registry folders found.');
  } else {
    const bad = r.hosts.filter((h) => h.problems.length).length;
    out.line(`${s.red(s.fail)} ${r.problemCount} problem(s) in ${bad} of ${r.hosts.length} folder(s)`);
  }
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('doctor')
    .summary('check the installed certs.d folders and say how to fix each problem')
    .description(
      'Examine the certs.d folders Docker, Podman (containers/image) and containerd read, and report each problem ' +
        'with its fix: a .cert without its .key (or the reverse), a key that does not match, a key readable by others, ' +
        'a certificate without clientAuth, expired or expiring within 30 days, a client certificate that does not chain ' +
        'to the folder\'s *.crt, a folder name that is not HOST[:PORT], a registry Docker sends no client certificate ' +
        'to (127.0.0.0/8, insecure-registries), hosts.toml naming missing files, containerd\'s config.toml without the ' +
        'CRI config_path (1.x and 2.x sections), a Podman folder hiding a different one, a stray CA private key, a file ' +
        'that exists but cannot be read. Exit 1 when there is any problem.',
    )
    .argument('[host]', 'only this HOST[:PORT]')
    .addOption(runtimeOption({ handles: ['docker', 'podman', 'containerd'], defaultText: ' (default: all)', othersNote: 'not examined by doctor' }))
    .option('--certs-dir <root>', 'examine ROOT instead of the system folders (for --runtime); KIND=ROOT with KIND docker, podman-user, podman or containerd; repeatable', collect)
    .option('--daemon-json <file>', "Docker's daemon.json, for insecure-registries (default /etc/docker/daemon.json)")
    .option('--containerd-config <file>', "containerd's config.toml, for the CRI registry config_path: always checked when given, against --certs-dir containerd=ROOT or else the default root (without the flag: /etc/containerd/config.toml, when the default root is examined)")
    .option('--probe', "also connect to each registry with exactly the files its runtime would present, and report the registry's answer (TLS alert, 401, 200, the user it saw)")
    .option('--runtime-version <name=version>', 'judge the rules for this release instead of the installed one (docker=28.5.2, containerd=2.1.9, podman=5.8.6); repeatable', collect)
    .option('--crl <file>', 'also check this CRL (e.g. pki/crl.pem): a problem once its nextUpdate has passed, a warning within 2 days');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['sudo regcert doctor', 'every registry folder of every runtime on this machine'],
      ['sudo regcert doctor registry.example.com:5000 --runtime podman', 'what Podman/skopeo will use for one registry'],
      ['regcert doctor --certs-dir docker=./certs.d --daemon-json ./daemon.json --json', 'a copied tree, as JSON'],
      ['sudo regcert doctor registry.example.com:5000 --probe', 'will a pull from this machine work? (a TLS handshake with what each runtime presents)'],
    ]),
  );
  cmd.action(async (host: string | undefined, o: DoctorOptions) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/doctor.js')).doctor({ ...o, host }, ctx), renderDoctor);
  });
}
