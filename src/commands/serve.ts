/** `regcert serve`: the built-in MSR-shaped mTLS test endpoint (runs until SIGINT/SIGTERM). */
import { DEFAULT_PKI_DIR } from '../core/defaults.js';
import { inputError } from '../core/errors.js';
import { startServe, type ServeHandle } from '../net/serve.js';
import type { CommandContext } from './context.js';

export interface ServeOptions {
  dir?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  serverCert?: string | undefined;
  caPasswordFile?: string | undefined;
  caPasswordEnv?: string | undefined;
  keyPasswordFile?: string | undefined;
  keyPasswordEnv?: string | undefined;
}

export interface ServeResult {
  command: 'serve';
  url: string;
  port: number;
  serverCertificate: string;
}

/**
 * Starts the server, reports "listening on URL" through `onListening`, and
 * resolves after a signal stopped it.
 */
export async function serve(opts: ServeOptions, ctx: CommandContext, log: (line: string) => void): Promise<ServeResult> {
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) {
    throw inputError('BAD_PORT', `invalid --port "${opts.port}"`, '--port takes 0 (any free port) to 65535');
  }
  // Signal handlers first, so that a SIGTERM during start-up also stops cleanly.
  let signalled: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = () => signalled();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let handle: ServeHandle;
  try {
    handle = await startServe(
      { dir: opts.dir ?? DEFAULT_PKI_DIR, host: opts.host, port: opts.port, serverCert: opts.serverCert, caPassword: { file: opts.caPasswordFile, env: opts.caPasswordEnv }, keyPassword: { file: opts.keyPasswordFile, env: opts.keyPasswordEnv }, log },
      ctx,
    );
  } catch (e) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw e;
  }
  log(`server certificate: ${handle.serverCertificate}`);
  log(`listening on ${handle.url}`);
  await stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await handle.close();
  log('stopped');
  return { command: 'serve', url: handle.url, port: handle.port, serverCertificate: handle.serverCertificate };
}
