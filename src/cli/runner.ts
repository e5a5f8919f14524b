/**
 * Shared command wiring: common options (declared once), option parsers,
 * and runCommand, which turns a command's result into human text or one
 * JSON document. Errors are not printed here: they go up to main.ts.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CommandContext } from '../commands/context.js';
import { DEFAULT_PKI_DIR } from '../core/defaults.js';
import { parseRuntimeName, RUNTIME_NAMES, type RuntimeName } from '../runtimes/types.js';
import { escapeResult, escapeText } from './escape.js';
import { wrapHelp } from './help-wrap.js';
import { formatBatchProgress } from './render-common.js';
import { colourEnabled, createOut, type CliIO, type Out } from './output.js';
import { createSpinner, type Spinner } from './spinner.js';
import { writeJsonDocument } from './json-out.js';

/** What main.ts needs to know about the running command (for error output). */
export interface RunState {
  json: boolean;
  exitCode: number;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout (errors included)')
    .option('-y, --yes', 'never prompt: accept defaults and trust-on-first-use where asked');
}

/** --dir, declared once: the CA (or PKI) directory, ./pki unless `defaultValue` says otherwise (undefined: no default shown). */
export function dirOption(what = 'CA directory', defaultValue: string | undefined = DEFAULT_PKI_DIR): Option {
  const o = new Option('--dir <dir>', what);
  return defaultValue === undefined ? o : o.default(defaultValue);
}

/** "a, b or c", a default marked. */
function listOf(names: readonly string[], defaultName?: string): string {
  const marked = names.map((n) => (n === defaultName ? `${n} (default)` : n));
  return marked.length < 2 ? marked.join('') : `${marked.slice(0, -1).join(', ')} or ${marked[marked.length - 1]}`;
}

/**
 * --runtime, declared once. The help lists every runtime of src/runtimes
 * (RUNTIME_NAMES), so a new runtime shows up everywhere; each value is
 * checked as it is parsed, so a bad one is exit 2 at the command that
 * receives it (not later, in a cron job). `handles`: the runtimes this
 * command acts on, when not all (the command checks that part, the help says
 * which others there are and `othersNote` why).
 */
export function runtimeOption(
  o: { prefix?: string; default?: RuntimeName | undefined; defaultText?: string; handles?: readonly RuntimeName[]; othersNote?: string; repeatable?: boolean } = {},
): Option {
  const handled = o.handles ?? RUNTIME_NAMES;
  const others = RUNTIME_NAMES.filter((n) => !handled.includes(n));
  const help = [
    `${o.prefix ?? ''}${listOf(handled, o.default)}${o.defaultText ?? ''}`,
    ...(others.length ? [`${listOf(others)}: ${o.othersNote ?? 'not handled by this command'}`] : []),
    ...(o.repeatable ? ['repeatable'] : []),
  ].join('; ');
  return new Option('--runtime <runtime>', help).argParser((value: string, previous: unknown) => {
    parseRuntimeName(value);
    return o.repeatable ? [...((previous as string[] | undefined) ?? []), value] : value;
  });
}

/**
 * What renew takes to re-install a renewed pair (install-host --force):
 * --install, --runtime, --certs-dir, declared once for renew and for the
 * cron/systemd schedules of config, which pass them on to renew. `context`
 * prefixes each help line (e.g. "cron/systemd: ").
 */
export function renewInstallOptions(context = ''): Option[] {
  return [
    new Option('--install <host>', `${context}then run install-host --force HOST[:PORT] with the new pair`),
    runtimeOption({ prefix: `${context}with --install: `, default: 'docker', repeatable: true }),
    new Option('--certs-dir <root>', `${context}with --install: the certs.d root (one --runtime)`),
  ];
}

export function addForceOption(cmd: Command): Command {
  return cmd.option('--force', 'replace existing files');
}

/** A positive whole-number option value (days, ports, counts). */
export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** Repeatable option: --san a --san b,c → ['a', 'b,c'] (commas are split by the core). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The Examples and Exit codes sections, wrapped at the help width (a command line itself is never broken: it is copied as it is). */
export function examples(lines: [string, string][], exitCodes: boolean | { failed: string } = true): (context: { command: Command }) => string {
  const ex = lines.map(([cmd, what]) => `  $ ${cmd}\n      ${what}`).join('\n');
  const failed = typeof exitCodes === 'object' ? exitCodes.failed : 'the operation ran and failed';
  const codes = exitCodes ? `\n\nExit codes:\n  0  success\n  1  ${failed}\n  2  bad usage or bad input (nothing is written)` : '';
  return ({ command }) => {
    const width = command.configureOutput().getOutHelpWidth?.() ?? 80;
    return `\nExamples:\n${ex.split('\n').map((l) => (/^\s*\$ /.test(l) ? l : wrapHelp(l, width))).join('\n')}${codes}\n`;
  };
}

export interface Runtime {
  io: CliIO;
  state: RunState;
}

function buildContext(rt: Runtime, opts: { yes?: boolean; json?: boolean }, spinner: Spinner): CommandContext {
  const { io } = rt;
  return {
    // Read when a secret or a confirmation is asked for, not before (see defaultIO).
    get interactive() {
      return io.stdinIsTTY && !opts.yes && !io.env.CI;
    },
    prompt: async (message, o) => {
      spinner.stop();
      const { password } = await import('@inquirer/prompts');
      const value = await password({ message, mask: '*' }, { output: io.stderr });
      if (o?.confirm) {
        const again = await password({ message: 'again, to confirm:', mask: '*' }, { output: io.stderr });
        if (again !== value) {
          const { inputError } = await import('../core/errors.js');
          throw inputError('PASSWORD_MISMATCH', 'the two passwords differ', 'run the command again');
        }
      }
      return value;
    },
    confirm: async (message, details = []) => {
      spinner.stop();
      // Details may carry a server's text (a CA subject): one escaped line each, so they cannot fake the fingerprint.
      for (const line of details) io.stderr.write(`${escapeText(line)}\n`);
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message: escapeText(message), default: false }, { output: io.stderr });
    },
    progress: (m) => spinner.update(escapeText(m)),
    batchProgress: (p) => spinner.update(formatBatchProgress(p)),
  };
}

/**
 * Runs a command action and prints its result. A result with `ok: false`
 * sets exit code `exitCode` (default 1) after printing.
 */
export async function runCommand<R extends object>(
  rt: Runtime,
  cmd: Command,
  action: (ctx: CommandContext) => Promise<R>,
  render: (result: R, out: Out) => void,
): Promise<void> {
  const opts = cmd.opts() as { json?: boolean; yes?: boolean };
  rt.state.json = opts.json === true;
  const spinner = createSpinner(rt.io.stderr, { enabled: !rt.state.json, fancy: colourEnabled(rt.io) });
  let result: R;
  try {
    result = await action(buildContext(rt, opts, spinner));
  } finally {
    spinner.stop();
  }
  const r = result as { ok?: boolean; exitCode?: number; failure?: string };
  const ok = r.ok !== false;
  if (rt.state.json) {
    const { exitCode: _omit, failure: _line, ...rest } = result as Record<string, unknown>;
    await writeJsonDocument(rt.io.stdout, { ok, ...rest }); // in pieces: list --json of 100,000 entries is not one string
  } else {
    render(escapeResult(result), createOut(rt.io));
  }
  if (!ok) {
    rt.state.exitCode = r.exitCode ?? 1;
    // Like every failing command (cli.md): the last line on stderr says what failed.
    if (r.failure) rt.io.stderr.write(`regcert: ${r.failure}\n`);
  }
}

/**
 * A secret is never an argv value (cli.md): each one is a pair of options,
 * --NAME-file FILE (first line) and --NAME-env VAR, declared here once.
 */
export function addSecretOptions(cmd: Command, name: string, what: string): Command {
  return cmd
    .option(`--${name}-file <file>`, `${what}, in FILE's first line`)
    .option(`--${name}-env <var>`, `${what}, in $VAR`);
}

/** --bundle (src/io/bundle.ts), declared once: addCredentialOptions and the commands that read certificates their own way. */
export function addBundleOption(cmd: Command): Command {
  return cmd.option('--bundle <zip|dir>', 'an MKE/UCP client bundle (.zip or unpacked folder) in place of --cert/--key: cert.pem, key.pem, ca.pem as the CA');
}

/**
 * The identity inputs of src/io/credentials.ts (CredentialOptions), declared
 * once for every command that presents or installs a client certificate:
 * --cert/--key (+ the key's passphrase) or --p12 (+ its password).
 */
export function addCredentialOptions(cmd: Command, keyNote = 'its private key'): Command {
  cmd
    .option('--cert <file>', 'client certificate (leaf + intermediates), PEM or DER')
    .option('--key <file>', keyNote)
    .option('--p12 <file>', 'a PKCS#12 file in place of --cert/--key');
  addBundleOption(cmd);
  addSecretOptions(cmd, 'key-password', 'passphrase of an encrypted key');
  return addSecretOptions(cmd, 'password', 'password of the --p12 file');
}

/** --purpose client|server: the TLS usage a chain must permit (core/chain.ts parsePurpose checks it). */
export function addPurposeOption(cmd: Command, note = ''): Command {
  return cmd.option('--purpose <use>', `client or server: the chain must permit that TLS use (EKU of the leaf and of every CA on it)${note}`);
}
