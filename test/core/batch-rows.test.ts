/** Issue 12: the rows of issue --batch (pure parsing; the e2e tests run the CLI). */
import { describe, expect, it } from 'vitest';
import { batchEntryState, createBatchParser, parseBatchLine, splitCsvLine, type ExistingEntryFacts } from '../../src/core/batch-rows.js';
import { reservedNameReason } from '../../src/core/ca-dir.js';

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

describe('batchEntryState (issue 18 item 1: a batch never replaces a file without --force)', () => {
  const ours: ExistingEntryFacts = { cert: true, key: true, p12: true, parsed: { signedByCa: true, isCa: false, serial: 'ab' }, keyMatches: true, p12Recorded: true, madeByBatch: true };
  const none: ExistingEntryFacts = { cert: false, key: false, p12: false, keyMatches: false, p12Recorded: false, madeByBatch: false };
  it.each<[string, ExistingEntryFacts, { p12: boolean; force: boolean }, string, string?]>([
    ['nothing there', none, { p12: false, force: false }, 'new'],
    ['a whole entry a batch made', ours, { p12: true, force: false }, 'complete'],
    ['made by issue, not a batch', { ...ours, madeByBatch: false }, { p12: false, force: false }, 'refuse', 'cert'],
    ['made by issue, --force', { ...ours, madeByBatch: false }, { p12: false, force: true }, 'replace'],
    ['the CA certificate (a row named ca)', { ...ours, parsed: { signedByCa: true, isCa: true, serial: '1' } }, { p12: true, force: false }, 'refuse', 'cert'],
    ['another CA issued it', { ...ours, parsed: { signedByCa: false, isCa: false, serial: '1' } }, { p12: false, force: false }, 'refuse', 'cert'],
    ['not a certificate', { ...ours, parsed: undefined }, { p12: false, force: false }, 'refuse', 'cert'],
    ['a key without its certificate', { ...none, key: true }, { p12: false, force: false }, 'refuse', 'key'],
    ['a .p12 without its certificate', { ...none, p12: true }, { p12: true, force: false }, 'refuse', 'p12'],
    ['ours, key does not match', { ...ours, keyMatches: false }, { p12: false, force: false }, 'refuse', 'key'],
    ['ours, made without --p12, asked with --p12', { ...ours, p12: false, p12Recorded: false }, { p12: true, force: false }, 'refuse', 'p12'],
  ])('%s → %s', (_what, facts, opts, state, file) => {
    const d = batchEntryState(facts, opts);
    expect(d.state).toBe(state);
    if (file !== undefined) expect(d).toMatchObject({ file });
  });
});

describe('reservedNameReason (core/ca-dir.ts: the CA directory\'s own files)', () => {
  it.each(['ca', 'CA', 'ca.crt', 'ca.key', 'ca-chain', 'Ca-Chain.crt', 'inventory', 'inventory.jsonl', 'crl', 'crl.pem', 'crlnumber', 'p12-passwords', 'p12-passwords.tsv'])('%s is reserved', (n) =>
    expect(reservedNameReason(n)).toMatch(/is reserved/),
  );
  it.each(['alice', 'ca-client', 'cab', 'crl-signer', 'inventory2', 'registry.example.com'])('%s is not', (n) => expect(reservedNameReason(n)).toBeUndefined());
});
