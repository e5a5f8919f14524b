/**
 * Where output goes and how it looks. Data on stdout, narration on stderr.
 * Colour follows NO_COLOR / FORCE_COLOR and is off when stdout is not a TTY;
 * symbols degrade to ASCII together with colour.
 */
import type { Writable } from 'node:stream';
import { Chalk } from 'chalk';

export interface CliIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export function defaultIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Read when a prompt is considered: making process.stdin (a TTY or file stream) costs start-up.
    get stdinIsTTY() {
      return process.stdin.isTTY === true;
    },
    env: process.env,
  };
}

export function colourEnabled(io: CliIO): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (force === '0' || force === 'false') return false;
  return io.stdout.isTTY === true && io.env.TERM !== 'dumb';
}

type Paint = (s: string) => string;

export interface Style {
  enabled: boolean;
  bold: Paint;
  dim: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
  ok: string;
  fail: string;
  warn: string;
  arrow: string;
}

export function createStyle(enabled: boolean): Style {
  // Our own decision (colourEnabled) drives chalk, so stdout/stderr and tests agree.
  const c = new Chalk({ level: enabled ? 1 : 0 });
  return {
    enabled,
    bold: (t) => c.bold(t),
    dim: (t) => c.dim(t),
    red: (t) => c.red(t),
    green: (t) => c.green(t),
    yellow: (t) => c.yellow(t),
    cyan: (t) => c.cyan(t),
    ok: enabled ? '\u2714' : '[ok]',
    fail: enabled ? '\u2718' : '[x]',
    warn: enabled ? '!' : '[!]',
    arrow: enabled ? '\u2192' : '->',
  };
}

/** What a renderer gets: lines to stdout, and the style. */
export interface Out {
  style: Style;
  line(text?: string): void;
  /** Narration (stderr). */
  note(text: string): void;
}

export function createOut(io: CliIO): Out {
  return {
    style: createStyle(colourEnabled(io)),
    line: (text = '') => void io.stdout.write(`${text}\n`),
    note: (text) => void io.stderr.write(`${text}\n`),
  };
}
