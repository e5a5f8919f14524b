import { describe, expect, it } from 'vitest';
import { normalizeHostname, parseSan, parseSanList } from '../../src/core/san.js';
import { RegcertError } from '../../src/core/errors.js';

describe('parseSan types values by shape', () => {
  it.each([
    ['registry.example.com', 'dns', 'registry.example.com'],
    ['Registry.Example.COM', 'dns', 'registry.example.com'],
    ['localhost', 'dns', 'localhost'],
    ['*.example.com', 'dns', '*.example.com'],
    ['127.0.0.1', 'ip', '127.0.0.1'],
    ['::1', 'ip', '::1'],
    ['[fd00::5]', 'ip', 'fd00::5'],
    ['alice@example.com', 'email', 'alice@example.com'],
    ['spiffe://corp/ns/ci/sa/builder', 'uri', 'spiffe://corp/ns/ci/sa/builder'],
    ['dns:10.0.0.5.nip.io', 'dns', '10.0.0.5.nip.io'],
    ['ip:10.0.0.5', 'ip', '10.0.0.5'],
    ['email:bot@ci.example.com', 'email', 'bot@ci.example.com'],
    ['uri:https://example.com/u/1', 'uri', 'https://example.com/u/1'],
    ['bücher.example', 'dns', 'xn--bcher-kva.example'],
  ])('%s → %s %s', (input, type, value) => {
    expect(parseSan(input)).toEqual({ type, value });
  });

  it.each([
    ['host name'],
    ['a..b'],
    ['foo.*.example.com'],
    ['*.com'],
    ['-bad.example.com'],
    ['ip:300.1.1.1'],
    ['email:no-at-sign'],
    ['a/b'],
    [''],
  ])('rejects %j with exit code 2', (input) => {
    let err: unknown;
    try {
      parseSan(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegcertError);
    expect((err as RegcertError).exitCode).toBe(2);
    expect((err as RegcertError).hint).toBeTruthy();
  });
});

describe('parseSanList', () => {
  it('splits commas, accepts repeats and drops duplicates', () => {
    expect(parseSanList(['a.example.com,127.0.0.1', 'a.example.com', 'b@example.com'])).toEqual([
      { type: 'dns', value: 'a.example.com' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'email', value: 'b@example.com' },
    ]);
  });
});

describe('normalizeHostname', () => {
  it.each([
    ['example.com', 'example.com'],
    ['example.com.', 'example.com'],
    ['*.example.com', undefined],
    ['1.2.3.4', undefined],
    ['x'.repeat(64) + '.com', undefined],
    ['münchen.de', 'xn--mnchen-3ya.de'],
  ])('%s → %s', (input, out) => {
    expect(normalizeHostname(input)).toBe(out);
  });
});
