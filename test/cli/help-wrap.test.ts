/**
 * Issue 22: `--help` wraps cleanly at 80 columns. Text hand-wrapped with a
 * hard newline was wrapped again by commander ("a certificate without /
 * clientAuth, …"): a line that ends mid-phrase although the next word would
 * have fitted. This renders every command's help at 80 columns (COLUMNS, as
 * a terminal of that width gives) and finds no such line, and no line wider
 * than 80 columns except example command lines, which are copied as they are.
 */
import { describe, expect, it } from 'vitest';
import { cliOk } from '../helpers/cli.js';

const WIDTH = 80;
const COMMANDS = ['', 'quickstart', 'init-ca', 'issue', 'list', 'renew', 'revoke', 'crl', 'to-p12', 'install-host', 'fetch-ca', 'trust-ca', 'verify', 'serve', 'inspect', 'doctor', 'config', 'export', 'wizard'];

const indent = (l: string) => l.length - l.trimStart().length;
/** A line that starts something of its own: an example, an option, an exit code, a section header, a line less indented, or a new term in a two-column list. */
const startsItem = (l: string, prev: string) =>
  /^\s*(\$ |-|\d+\s\s)/.test(l) || /^(Usage|[A-Z][\w ]*):/.test(l) || indent(l) < indent(prev) || (indent(l) === indent(prev) && /^\s*\S(.*?\S)?\s{2,}\S/.test(l));

/** Lines broken by a hard newline mid-phrase: the next line's first word would have fitted on this one. */
function hardBreaks(text: string, width = WIDTH): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const l = lines[i]!;
    const m = lines[i + 1]!;
    if (l.trim() === '' || m.trim() === '' || /^\s*\$ /.test(l) || startsItem(m, l)) continue;
    if (/[.:;!?]$/.test(l.trimEnd())) continue; // a new sentence may start a line
    const word = m.trim().split(/\s+/)[0]!;
    if (l.trimEnd().length + 1 + word.length <= width) out.push(`${l.trimEnd()}⏎${m}`);
  }
  return out;
}

describe(`--help at ${WIDTH} columns`, () => {
  it('the checker finds a hand-wrapped line and passes a soft-wrapped one', () => {
    expect(hardBreaks('Checks a key readable by others, a certificate without\n  clientAuth, expired or expiring within 30 days.', WIDTH)).toHaveLength(1);
    expect(hardBreaks(`${'word '.repeat(15)}word\nnext`, WIDTH)).toHaveLength(0);
  });

  it.each(COMMANDS)('regcert %s --help: no hard break mid-phrase, no line wider than 80 columns', async (cmd) => {
    const r = await cliOk([...(cmd ? [cmd] : []), '--help'], { env: { COLUMNS: String(WIDTH) } });
    expect(hardBreaks(r.stdout)).toEqual([]);
    expect(r.stdout.split('\n').filter((l) => l.length > WIDTH && !/^\s*\$ /.test(l))).toEqual([]);
  });
});
