import type { Command } from 'commander';
import type { ConfigOptions, ConfigResult } from '../../commands/config.js';
import type { Out } from '../output.js';
import { renderFiles, renderNext, renderWarnings } from '../render-common.js';
import { addBundleOption, addCommonOptions, addForceOption, addSecretOptions, dirOption, examples, parseInteger, renewInstallOptions, runCommand, type Runtime } from '../runner.js';

export function renderConfig(r: ConfigResult, out: Out): void {
  const s = out.style;
  // stdout carries the document itself (so it can be redirected); narration goes to stderr.
  if (r.files.length === 0) out.line(r.content.replace(/\n$/, ''));
  else {
    out.line(`${s.green(s.ok)} Wrote the ${r.target} configuration${r.host === null ? '' : ` for ${r.host}`}`);
    renderFiles(out, r.files);
  }
  renderWarnings(out, r.warnings);
  renderNext(out, r.next, { to: 'stderr' });
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('config')
    .summary('print configuration: registry, nginx, containerd, zot, token-auth, …; client recipes')
    .description(
      'Render what goes on the server side next, with absolute paths into --dir:\n' +
        '  registry    the http.tls block of a CNCF distribution config.yml (certificate, key, clientcas)\n' +
        '  nginx       an nginx server block that requires the client certificate, in front of the registry at --upstream: the recipe for registries that check none (Harbor, MSR 4, Artifactory, Nexus)\n' +
        '  containerd  a containerd hosts.toml for HOST (ca.crt, client.cert, client.key)\n' +
        '  mke-trust   the MKE trusted-registry JSON (hostAddress, caBundle) and its curl upload line\n' +
        '  msr-enable  the MSR reconfigure command that turns on client-certificate login\n' +
        '  token-auth  a token-auth registry: distribution\'s auth.token block and docker_auth\'s token block (YAML)\n' +
        '  cron        a crontab line running "regcert renew --all --if-expiring 30d --dir DIR" daily (absolute paths)\n' +
        '  systemd     regcert-renew.service + regcert-renew.timer running the same daily (--out DIR writes both)\n' +
        '  zot         zot\'s http.tls, http.auth.mtls and an accessControl example (JSON)\n' +
        '  client      how --tool TOOL presents the client certificate and trusts the CA\n' +
        'Prints to stdout, or writes --out FILE. cron, systemd and token-auth need no --host.',
    )
    .argument('<target>', 'registry, nginx, containerd, mke-trust, msr-enable, token-auth, cron, systemd, zot or client')
    .addOption(dirOption('PKI directory (ca.crt, NAME.crt, NAME.key)'))
    .option('--host <host>', 'the registry host name clients use (HOST or HOST:PORT)')
    .option('--port <n>', 'the port the registry listens on (default 443)', parseInteger)
    .option('--server-cert <name>', 'server certificate NAME in --dir (NAME.crt, NAME.key; default: the host)')
    .option('--upstream <url>', 'nginx: the registry behind nginx, reachable only through it (default http://127.0.0.1:5000)')
    .option('--mke <url>', 'mke-trust: the MKE URL for the upload line (default https://mke.example.com)')
    .option('--realm <url>', 'token-auth: the token server URL clients are sent to (e.g. https://auth.example.com/auth)')
    .option('--service <name>', 'token-auth: the registry\'s service name (the tokens\' audience)')
    .option('--issuer <name>', 'token-auth: the token issuer name, the same in the registry and the token server')
    .option('--cert <name|file>', 'token-auth: the signing certificate NAME in --dir (default token-signing); client: the client certificate FILE')
    .option('--expiration <seconds>', 'token-auth: token lifetime for docker_auth (default 900)', parseInteger)
        .option('--out <file>', 'write the configuration to FILE instead of stdout (systemd: a directory for both units)')
    .option('--crl', 'nginx: add ssl_crl DIR/crl.pem; cron/systemd: also refresh the CRL daily ("regcert crl")')
    .option('--name <name>', 'cron/systemd: renew this certificate NAME instead of --all')
    .option('--if-expiring <window>', 'cron/systemd: the renewal window (default 30d)');
  for (const o of renewInstallOptions('cron/systemd: ')) {
    if (o.long === '--certs-dir') o.description = `client: where the host folder goes (default ./certs.d); ${o.description}`;
    cmd.addOption(o);
  }
  cmd
    .option('--exec <command>', 'cron/systemd: renew with --exec COMMAND (a reload after a renewal)')
    .option('--ca-password-file <file>', 'cron/systemd: the CA key passphrase file renew and crl read')
    .option('--regcert <path>', 'cron/systemd: absolute path of the regcert to run (default: this one, via node)')
    .option('--tool <tool>', 'client: oras, cosign, crane, skopeo, buildah, helm, regctl, notary, notation, docker, podman or containerd')
    .option('--client <name>', 'client: the client certificate NAME in --dir (NAME.crt, NAME.key, ca.crt); zot: key the example policy on it')
    .option('--key <file>', 'client: the private key of --cert')
    .option('--p12 <file>', 'client: a PKCS#12 file in place of --cert/--key')
    .option('--ca <file>', 'client: the CA that issued the registry certificate (default with --client: --dir\'s ca.crt)')
    .option('--identity <source>', 'zot: the user name from cn (default), subject, email, uri or dns')
    .option('--uri-pattern <regex>', 'zot with --identity uri: the user name is its first capture group (e.g. a SPIFFE path)');
  addBundleOption(cmd);
  addSecretOptions(cmd, 'key-password', 'client: passphrase of an encrypted key');
  addSecretOptions(cmd, 'password', 'client: password of the --p12 file');
  addForceOption(addCommonOptions(cmd));
  cmd.addHelpText(
    'after',
    examples([
      ['regcert config registry --dir pki --host registry.example.com --port 5000', 'the http.tls block for docker-registry / distribution'],
      ['regcert config nginx --dir pki --host registry.example.com --out /etc/nginx/conf.d/registry.conf', 'an mTLS nginx front end'],
      ['regcert config mke-trust --dir pki --host msr.example.com --mke https://mke.example.com', 'the MKE trusted-registry JSON and its curl upload line'],
      ['regcert config token-auth --dir pki --realm https://auth.example.com/auth --service registry.example.com --issuer "Acme auth"', 'after "regcert issue token-signing --token-signing": the registry\'s auth.token and docker_auth\'s token blocks'],
      ['regcert config nginx --dir pki --host harbor.example.com --upstream https://127.0.0.1:8443', 'nginx requires the certificate in front of Harbor, which checks none'],
      ['regcert config nginx --dir pki --host registry.example.com --crl', 'the nginx block with ssl_crl, so revoked clients are refused'],
      ['sudo regcert config systemd --dir /etc/regcert/pki --crl --out /etc/systemd/system', 'daily renewal and CRL refresh as a systemd timer'],
      ['regcert config cron --dir pki --name alice --install registry.example.com:5000', 'a crontab line: renew alice and re-install her certs.d folder'],
      ['regcert config client --tool oras --host registry.example.com:5000 --client alice --dir pki', 'the oras flags for alice\'s certificate'],
      ['regcert config zot --dir pki --host zot.example.com --identity uri --uri-pattern "^spiffe://example.org/ci/(.+)$"', 'zot logs SPIFFE workloads in by their URI SAN'],
    ]),
  );
  cmd.action(async (target: string, o: Omit<ConfigOptions, 'target'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/config.js')).config({ ...o, target }, ctx), renderConfig);
  });
}
