/** Issue 12: the rows of issue --batch (pure parsing; the e2e tests run the CLI). */
import { describe, expect, it } from 'vitest';
import { createBatchParser, parseBatchLine, splitCsvLine } from '../../src/core/batch-rows.js';

const defaults = { days: 397 };

describe('splitCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['"a,b",c', ['a,b', 'c']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['', ['']],
  ])('%j', (line, fields) => expect(splitCsvLine(line)).toEqual(fields));

  it.each(['"open', '"a"b,c', 'a"b,c'])('%j is refused', (line) => expect(() => splitCsvLine(line)).toThrow(/quote/));
});

describe('parseBatchLine', () => {
  it('CSV: the header in any order, quoted SAN lists, empty days', () => {
    const p = createBatchParser();
    expect(parseBatchLine(p, 'profile,name,days,sans', 'f line 1', defaults)).toBeUndefined();
    expect(parseBatchLine(p, 'client+server,web1,30,"web1.example.com;10.0.0.1"', 'f line 2', defaults)).toEqual({
      name: 'web1',
      subject: [{ CN: ['web1'] }],
      sans: [
        { type: 'dns', value: 'web1.example.com' },
        { type: 'ip', value: '10.0.0.1' },
      ],
      server: true,
      client: true,
      days: 30,
    });
    expect(parseBatchLine(p, 'client,alice,,', 'f line 3', { days: 90, org: 'Acme' })).toMatchObject({ subject: [{ O: ['Acme'] }, { CN: ['alice'] }], sans: [], days: 90, server: false });
    expect(parseBatchLine(p, '   ', 'f line 4', defaults)).toBeUndefined();
  });

  it('JSON lines: sans as a list or a string; a server name becomes its SAN', () => {
    const p = createBatchParser();
    expect(parseBatchLine(p, '{"name":"registry.example.com","profile":"server"}', 'f line 1', defaults)).toMatchObject({ sans: [{ type: 'dns', value: 'registry.example.com' }], server: true, client: false });
    expect(parseBatchLine(p, '{"name":"bob","sans":["bob@example.com"],"profile":"client","days":"7"}', 'f line 2', defaults)).toMatchObject({ sans: [{ type: 'email', value: 'bob@example.com' }], days: 7 });
  });

  it.each([
    ['{"name":"a","profile":"client","days":1.5}', /f line 9: invalid days "1\.5"/],
    ['{"name":"a","profile":"client","sans":[1]}', /f line 9: sans must be a string or a list of strings/],
    ['{"name":"a"}', /f line 9: invalid profile ""/],
    ['{"name":"a","profile":"client"} x', /f line 9: not a JSON object/],
    ['{"name":"a b","profile":"client"}', /f line 9: invalid certificate name "a b"/],
    [`{"name":"a","profile":"client","sans":"${'x.example.com;'.repeat(101)}"}`, /f line 9: more than 100 SANs/],
    [`{"name":"${'a'.repeat(20000)}"}`, /f line 9: the line is longer than/],
  ])('%s is refused naming its line', (line, message) => {
    expect(() => parseBatchLine(createBatchParser(), line, 'f line 9', defaults)).toThrow(message);
  });
});
