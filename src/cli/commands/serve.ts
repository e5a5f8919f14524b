import type { Command } from 'commander';
import type { ServeOptions, ServeResult } from '../../commands/serve.js';
import { escapeText } from '../escape.js';
import type { Out } from '../output.js';
import { dirOption, addSecretOptions, addCommonOptions, examples, parseInteger, runCommand, type Runtime } from '../runner.js';

export function renderServe(_r: ServeResult, _out: Out): void {
  /* everything was logged while running */
}

export function register(program: Command, rt: Runtime): void {
  const cmd = program
    .command('serve')
    .summary('run an MSR-shaped HTTPS test endpoint with client-certificate login')
    .description(
      'Serve GET /ca, /basic_info and /v2/ over TLS, requesting (not requiring) a client certificate verified against DIR/ca.crt, and answering like MSR: AuthnMethod TLSClientCertificate with the certificate CN as the user (the CN "admin" is an admin), or 401.\nThe server certificate is DIR/NAME.crt + DIR/NAME.key with --server-cert NAME, otherwise a one-day certificate for --host, localhost, 127.0.0.1 and ::1 made in memory and signed by DIR/ca.key.\nPrints "listening on https://HOST:PORT" (with --port 0, the real port) and stops on SIGINT/SIGTERM.',
    )
    .addOption(dirOption('CA directory (ca.crt; ca.key unless --server-cert)'))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', parseInteger, 8443)
    .option('--server-cert <name>', 'use DIR/NAME.crt and DIR/NAME.key as the server certificate');
  addSecretOptions(cmd, 'ca-password', 'passphrase of the CA key');
  addSecretOptions(cmd, 'key-password', 'with --server-cert: passphrase of an encrypted NAME.key');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['regcert serve --dir pki', 'https://127.0.0.1:8443, the default port (--port 0: any free port, printed)'],
      ['regcert verify https://127.0.0.1:8443 --cert alice.crt --key alice.key --ca pki/ca.crt', 'in another shell'],
    ]),
  );
  cmd.action(async (o: ServeOptions) => {
    await runCommand(
      rt,
      cmd,
      async (ctx) =>
        (await import('../../commands/serve.js')).serve(o, ctx, (line) => {
          // With --json, stdout carries only the final document.
          if (line.startsWith('listening on ') && !rt.state.json) rt.io.stdout.write(`${escapeText(line)}\n`);
          else rt.io.stderr.write(`${escapeText(line)}\n`);
        }),
      renderServe,
    );
  });
}
