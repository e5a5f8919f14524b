/**
 * `list --all` of a pool: the table's column widths were Math.max(...rows),
 * which overflows the stack past ~120,000 rows ("internal error: Maximum
 * call stack size exceeded" on a 250,000-entry inventory, found in review).
 * The renderer now takes the widths in a loop (render-common.ts widest).
 */
import { describe, expect, it } from 'vitest';
import { renderList } from '../../src/cli/commands/list.js';
import { createStyle, type Out } from '../../src/cli/output.js';
import type { ListItem, ListResult } from '../../src/commands/list.js';

describe('renderList', () => {
  it('renders 200,000 rows, the columns as wide as the widest value', () => {
    const item = (i: number): ListItem =>
      ({ name: `user${i}`, serial: (0x4000000000000000n + BigInt(i)).toString(16), profile: 'client', status: 'valid', notAfter: '2027-12-05T00:00:00.000Z', daysLeft: 365 }) as ListItem;
    const certificates = Array.from({ length: 200_000 }, (_, i) => item(i));
    const r: ListResult = { command: 'list', ok: true, dir: 'pki', expiringWithinDays: null, certificates, expiring: [], crl: null, rebuilt: false, warnings: [], notes: [] };
    const lines: string[] = [];
    const out: Out = { style: createStyle(false), line: (t = '') => void lines.push(t), note: () => {} };
    renderList(r, out);
    expect(lines).toHaveLength(200_001);
    expect(lines[0]).toBe(`${'NAME'.padEnd('user199999'.length)}  ${'SERIAL'.padEnd(16)}  PROFILE  STATUS  NOT AFTER   DAYS LEFT`);
    expect(lines[200_000]).toBe('user199999  4000000000030d3f  client   valid   2027-12-05  365');
  });
});
