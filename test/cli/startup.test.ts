/** The start-up path loads only what the chosen command needs. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, run } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir();
// core/errors.js is tiny and main.ts needs it to classify errors; everything else in core is PKI.
const HEAVY = ['@peculiar/x509', 'pkijs', 'asn1js', '@inquirer', 'reflect-metadata', '/dist/net/', '/dist/commands/', '/dist/core/x509', '/dist/core/certificates', '/dist/core/keys'];

async function loaded(args: string[]): Promise<string[]> {
  const trace = path.join(dir, `${args.join('_').replace(/\W/g, '')}.txt`);
  const r = await run(process.execPath, ['--import', path.join(ROOT, 'test/helpers/trace-imports.mjs'), BIN, ...args], {
    env: { REGCERT_TRACE_IMPORTS: trace },
  });
  expect(r.code).toBe(0);
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

describe('lazy loading', () => {
  it.each([[['--version']], [['--help']], [['issue', '--help']], [['init-ca', '--help']]])('regcert %j loads no PKI, prompt or network code', async (args) => {
    const urls = await loaded(args);
    expect(urls.some((u) => u.includes('/dist/cli/main.js'))).toBe(true);
    for (const heavy of HEAVY) expect(urls.filter((u) => u.includes(heavy))).toEqual([]);
  });

  it('a real command does load the PKI code (the trace works)', async () => {
    const urls = await loaded(['init-ca', '--dir', path.join(dir, 'pki')]);
    expect(urls.some((u) => u.includes('@peculiar/x509'))).toBe(true);
  });
});
