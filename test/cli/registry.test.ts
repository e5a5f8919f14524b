/**
 * main.ts builds only the command a run names (issue 21: start-up). That is
 * right only if each name in src/cli/registry.ts is the one its register()
 * gives commander, and a command built alone takes and prints what it takes
 * and prints among all the others.
 */
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/output.js';
import { COMMANDS } from '../../src/cli/registry.js';
import type { Runtime } from '../../src/cli/runner.js';

function io(): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stream = (add: (s: string) => void) => new Writable({ write: (c, _e, cb) => (add(String(c)), cb()) });
  return { stdout: stream((s) => (out += s)), stderr: stream((s) => (err += s)), stdinIsTTY: false, env: { COLUMNS: '100' }, out: () => out, err: () => err };
}

const rt = (): Runtime => ({ io: io(), state: { json: false, exitCode: 0 } });

/** Every command and subcommand of a program, by path, with its help text. */
function helpTexts(program: Command): Map<string, string> {
  const texts = new Map<string, string>();
  const walk = (c: Command, at: string) => {
    texts.set(at, c.helpInformation());
    for (const sub of c.commands) walk(sub, `${at} ${sub.name()}`);
  };
  for (const c of program.commands) walk(c, c.name());
  return texts;
}

describe('the command registry', () => {
  it.each(COMMANDS.map(([name, register]) => [name, register] as const))('%s: register() makes the command of that name, and only it', (name, register) => {
    const program = new Command('regcert');
    register(program, rt());
    expect(program.commands.map((c) => c.name())).toEqual([name]);
  });

  it('the names are distinct', () => {
    const names = COMMANDS.map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
  });

  it('each command built alone has the help (options, arguments, examples) it has among all the others, subcommands included', () => {
    const all = helpTexts(buildProgram(rt()));
    for (const [name] of COMMANDS) {
      const alone = buildProgram(rt(), name);
      expect(alone.commands.map((c) => c.name())).toEqual([name]);
      for (const [at, text] of helpTexts(alone)) expect(text, at).toBe(all.get(at));
    }
  });

  it('anything but a command name first builds every command (help, typos, options first)', () => {
    for (const first of [undefined, 'help', 'isue', '--json', '-V', 'wizard']) {
      expect(buildProgram(rt(), first).commands.map((c) => c.name())).toEqual([...COMMANDS.map(([n]) => n), 'wizard']);
    }
  });

  it("the root's --version is still taken after a command, as before (`regcert issue --version`)", async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    for (const argv of [
      ['issue', '--version'],
      ['config', 'registry', '-V'],
    ]) {
      const term = io();
      expect(await main(argv, term)).toBe(0);
      expect(term.out()).toBe(`${pkg.version}\n`);
    }
  });

  it('an unknown option of a command built alone is still exit 2 with that command\'s hint', async () => {
    const term = io();
    expect(await main(['issue', '--bogus'], term)).toBe(2);
    expect(term.err()).toBe(`regcert: unknown option '--bogus'\nhint: run "regcert issue --help"\n`);
  });
});
