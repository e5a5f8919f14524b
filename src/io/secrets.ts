/**
 * Secrets never come from argv: a file (first line, trailing newline
 * stripped), an environment variable, or a masked prompt on a TTY.
 */
import { inputError } from '../core/errors.js';
import { readInputFile } from './read.js';

export interface SecretSource {
  file?: string | undefined;
  env?: string | undefined;
}

export interface SecretContext {
  /** True only on a TTY without --yes and without CI set. */
  interactive: boolean;
  /** A masked prompt (injected by the CLI; tests replace it). */
  prompt?: ((message: string, opts?: { confirm?: boolean }) => Promise<string>) | undefined;
}

/**
 * Resolves a secret. `flag` is the file flag (e.g. "--password-file"); the
 * env flag is derived from it. Returns undefined when none was given and
 * `required` is false.
 */
export async function readSecret(
  source: SecretSource,
  spec: { flag: string; label: string; required: boolean; confirm?: boolean },
  ctx: SecretContext,
): Promise<string | undefined> {
  const envFlag = spec.flag.replace(/-file$/, '-env');
  if (source.file !== undefined && source.env !== undefined) {
    throw inputError('SECRET_TWICE', `${spec.flag} and ${envFlag} both given`, 'pass only one of them');
  }
  if (source.file !== undefined) {
    // Bounded (64 KiB; a pipe that stays silent is refused): see read.ts.
    const data = await readInputFile(source.file, `${spec.label} file`, `check the path given to ${spec.flag}`, 'secret');
    return Buffer.from(data).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  if (source.env !== undefined) {
    const v = process.env[source.env];
    if (v === undefined) throw inputError('ENV_UNSET', `environment variable ${source.env} is not set`, `export ${source.env} or use ${spec.flag}`);
    return v;
  }
  if (!spec.required) return undefined;
  if (ctx.interactive && ctx.prompt) return ctx.prompt(`${spec.label}:`, { confirm: spec.confirm ?? false });
  throw inputError('SECRET_MISSING', `${spec.label} is required`, `pass ${spec.flag} FILE or ${envFlag} VAR`);
}
