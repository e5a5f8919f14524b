/**
 * The entry point: builds the commander program, runs one command, and is
 * the only place that prints errors and decides the exit code.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isRegcertError } from '../core/errors.js';
import { escapeText } from './escape.js';
import { wrapHelp } from './help-wrap.js';
import { defaultIO, type CliIO } from './output.js';
import { COMMANDS } from './registry.js';
import type { RunState, Runtime } from './runner.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function helpWidth(stream: CliIO['stdout'], env: NodeJS.ProcessEnv): number {
  const tty = stream.isTTY === true ? (stream as { columns?: number }).columns : undefined;
  const columns = Number(env.COLUMNS);
  return tty ?? (Number.isInteger(columns) && columns >= 40 ? columns : 80);
}

/**
 * The commander program. With `only`, the name of a command (a run's first
 * argument), only that command is built: the others' options, help and
 * examples are never made (issue 21: start-up). Anything else (no command,
 * an option first, `help`, a typo commander suggests a name for) builds them all.
 */
export function buildProgram(rt: Runtime, only?: string): Command {
  const selected = COMMANDS.find(([name]) => name === only);
  const program = new Command('regcert')
    .description('Private PKI and TLS client-certificate login for container registries.')
    // The root's options are taken after a command too (`regcert issue --version`).
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .exitOverride()
    // One line of source text is one paragraph or list entry, wrapped here at the help width (help-wrap.ts).
    .configureHelp({ boxWrap: (str, width) => wrapHelp(str, width), preformatted: () => false })
    .configureOutput({
      writeOut: (s) => void rt.io.stdout.write(s),
      writeErr: (s) => void rt.io.stderr.write(s),
      // Help wraps at the terminal's width, else at COLUMNS (as `ls` and git read it), else at 80.
      getOutHelpWidth: () => helpWidth(rt.io.stdout, rt.io.env),
      getErrHelpWidth: () => helpWidth(rt.io.stderr, rt.io.env),
      outputError: () => {
        /* main() prints errors in regcert's own format */
      },
    });
  for (const [, register] of selected ? [selected] : COMMANDS) register(program, rt);
  program.commands.forEach((c) => {
    c.exitOverride();
    c.showSuggestionAfterError(true);
  });
  if (selected) return program;
  program.command('wizard').summary('answer a few questions instead of typing flags (also: regcert alone, on a terminal)');
  program.addHelpText(
    'after',
    '\nStart here:\n  $ regcert quickstart          CA, server and client certificates, and a verified mTLS login, in one go\n  $ regcert <command> --help    each command, with examples\n\nExit codes: 0 success, 1 operation failed, 2 bad usage or input.\n',
  );
  return program;
}

const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

function printError(rt: Runtime, e: { code: string; message: string; hint?: string | undefined }, exitCode: number, stack?: string): number {
  const { io, state } = rt;
  if (state.json) {
    io.stdout.write(`${JSON.stringify({ ok: false, error: { code: e.code, message: e.message, hint: e.hint ?? null } }, null, 2)}\n`);
  }
  // Messages quote files and servers: escaped, as every human output (escape.ts); --json keeps them raw.
  io.stderr.write(`regcert: ${escapeText(e.message)}\n`);
  if (e.hint) io.stderr.write(`hint: ${escapeText(e.hint)}\n`);
  if (stack && io.env.REGCERT_DEBUG === '1') io.stderr.write(`${stack}\n`);
  return exitCode;
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const state: RunState = { json: argv.includes('--json'), exitCode: 0 };
  // A reader that goes away (`regcert --help | head`) is not an error of ours.
  for (const stream of [io.stdout, io.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(state.exitCode);
    });
  }
  const rt: Runtime = { io, state };
  const program = buildProgram(rt, argv[0]);
  if (argv.length === 0 || (argv.length === 1 && argv[0] === 'wizard')) {
    // The wizard needs a person at a terminal; otherwise (pipes, CI) print the help.
    if (io.stdinIsTTY && !io.env.CI) {
      try {
        const { runWizard } = await import('./wizard.js');
        return await runWizard(io, (next) => main(next, io));
      } catch (e) {
        if (e instanceof Error && e.name === 'ExitPromptError') return 130; // Ctrl-C in a prompt
        throw e;
      }
    }
    if (argv.length === 1) {
      return printError(rt, { code: 'NO_TTY', message: 'the wizard needs a terminal', hint: 'run the commands directly: regcert --help' }, 2);
    }
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (HELP_CODES.has(e.code)) return 0;
      const sub = argv.find((a) => !a.startsWith('-'));
      const known = sub && program.commands.some((c) => c.name() === sub);
      return printError(
        rt,
        {
          code: 'USAGE',
          message: e.message.replace(/^error: /, ''),
          hint: known ? `run "regcert ${sub} --help"` : 'run "regcert --help"',
        },
        2,
        e.stack,
      );
    }
    if (isRegcertError(e)) return printError(rt, e, e.exitCode, e.stack);
    const err = e instanceof Error ? e : new Error(String(e));
    return printError(
      rt,
      {
        code: 'INTERNAL',
        message: `internal error: ${err.message}`,
        hint: 'this is a bug in regcert: please report it with the output of REGCERT_DEBUG=1',
      },
      1,
      err.stack,
    );
  }
}
