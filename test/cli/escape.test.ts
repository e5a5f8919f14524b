import { describe, expect, it } from 'vitest';
import { escapeResult, escapeText, MAX_PRINTED_CHARS } from '../../src/cli/escape.js';

describe('escapeText: what a terminal may receive', () => {
  it.each([
    ['plain CN=registry', 'plain CN=registry'],
    ['a\x1b[2Kb', 'a\\x1b[2Kb'],
    ['fake\rline', 'fake\\x0dline'],
    ['bell\x07', 'bell\\x07'],
    ['nul\0', 'nul\\x00'],
    ['two\nlines', 'two\\x0alines'],
    ['c1 \u009b31m', 'c1 \\x9b31m'],
    ['bidi \u202eevil', 'bidi \\u202eevil'],
    ['isolate \u2066x\u2069', 'isolate \\u2066x\\u2069'],
    ['ümlaut ✔', 'ümlaut ✔'],
  ])('%j → %j', (input, out) => {
    expect(escapeText(input)).toBe(out);
  });
  it('multiline keeps LF and TAB, escapes the rest', () => {
    expect(escapeText('a\n\tb\r\x1b', { multiline: true })).toBe('a\n\tb\\x0d\\x1b');
  });
  it('caps the length and says how much was cut', () => {
    const long = 'x'.repeat(MAX_PRINTED_CHARS + 10);
    expect(escapeText(long)).toBe(`${'x'.repeat(MAX_PRINTED_CHARS)}… (10 more characters)`);
  });
  it('escapeResult escapes every string, deeply, and keeps other values', () => {
    const r = escapeResult({ user: 'a\x1bb', n: 3, ok: true, none: null, list: ['\r'], nested: { subject: 'CN=\x07' }, content: 'x\ny\r' });
    expect(r).toEqual({ user: 'a\\x1bb', n: 3, ok: true, none: null, list: ['\\x0d'], nested: { subject: 'CN=\\x07' }, content: 'x\ny\\x0d' });
  });
});
