/** `regcert fetch-ca`: download a registry's CA from /ca, check it against the server's own TLS chain, pin or confirm, write it. */
import { timeoutMs } from '../core/time.js';
import { writeFiles, type WrittenFile } from '../io/files.js';
import { fetchTrustedCa, type FetchedCa } from '../net/fetch-ca.js';
import type { CommandContext } from './context.js';

export interface FetchCaOptions {
  url: string;
  out?: string | undefined;
  fingerprint?: string | undefined;
  yes?: boolean | undefined;
  allowExtra?: boolean | undefined;
  timeout?: number | undefined;
  force?: boolean | undefined;
}

export interface FetchCaResult extends Omit<FetchedCa, 'pem'> {
  command: 'fetch-ca';
  files: WrittenFile[];
}

export async function fetchCaCommand(opts: FetchCaOptions, ctx: CommandContext): Promise<FetchCaResult> {
  const ms = timeoutMs(opts.timeout);
  const out = opts.out ?? 'ca.crt';
  const fetched = await fetchTrustedCa(opts.url, opts, ms, ctx);
  const files = await writeFiles([{ path: out, data: fetched.pem, mode: 0o644, kind: 'ca-certificate' }], { force: opts.force ?? false });
  const { pem: _pem, ...rest } = fetched;
  return { command: 'fetch-ca', ...rest, files };
}
