import type { Command } from 'commander';
import type { ConfigOptions, ConfigResult } from '../../commands/config.js';
import type { Out } from '../output.js';
import { renderFiles, renderNext, renderWarnings } from '../render-common.js';
import { addCommonOptions, addForceOption, collect, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

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
    .summary('print the server-side configuration: registry, nginx, containerd, mke-trust, msr-enable, token-auth')
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
        'Prints to stdout, or writes --out FILE. cron, systemd and token-auth need no --host.',
    )
    .argument('<target>', 'registry, nginx, containerd, mke-trust, msr-enable, token-auth, cron or systemd')
    .option('--dir <dir>', 'PKI directory (ca.crt, NAME.crt, NAME.key)', 'pki')
    .option('--host <host>', 'the registry host name clients use (HOST or HOST:PORT)')
    .option('--port <n>', 'the port the registry listens on (default 443)', parseInteger)
    .option('--server-cert <name>', 'server certificate NAME in --dir (NAME.crt, NAME.key; default: the host)')
    .option('--upstream <url>', 'nginx: the registry behind nginx, reachable only through it (default http://127.0.0.1:5000)')
    .option('--mke <url>', 'mke-trust: the MKE URL for the upload line (default https://mke.example.com)')
    .option('--realm <url>', 'token-auth: the token server URL clients are sent to (e.g. https://auth.example.com/auth)')
    .option('--service <name>', 'token-auth: the registry\'s service name (the tokens\' audience)')
    .option('--issuer <name>', 'token-auth: the token issuer name, the same in the registry and the token server')
    .option('--cert <name>', 'token-auth: the signing certificate NAME in --dir (default token-signing)')
    .option('--expiration <seconds>', 'token-auth: token lifetime for docker_auth (default 900)', parseInteger)
        .option('--out <file>', 'write the configuration to FILE instead of stdout (systemd: a directory for both units)')
    .option('--crl', 'nginx: add ssl_crl DIR/crl.pem; cron/systemd: also refresh the CRL daily ("regcert crl")')
    .option('--name <name>', 'cron/systemd: renew this certificate NAME instead of --all')
    .option('--if-expiring <window>', 'cron/systemd: the renewal window (default 30d)')
    .option('--install <host>', 'cron/systemd: renew with --install HOST[:PORT] (re-installs the new pair)')
    .option('--runtime <runtime>', 'cron/systemd with --install: the runtime(s) to install for; repeatable', collect)
    .option('--certs-dir <root>', 'cron/systemd with --install: the certs.d root')
    .option('--exec <command>', 'cron/systemd: renew with --exec COMMAND (a reload after a renewal)')
    .option('--ca-password-file <file>', 'cron/systemd: the CA key passphrase file renew and crl read')
    .option('--regcert <path>', 'cron/systemd: absolute path of the regcert to run (default: this one, via node)');
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
    ]),
  );
  cmd.action(async (target: string, o: Omit<ConfigOptions, 'target'>) => {
    await runCommand(rt, cmd, async (ctx) => (await import('../../commands/config.js')).config({ ...o, target }, ctx), renderConfig);
  });
}
