import { describe, expect, it } from 'vitest';
import { assertSansFor, normalizeHostname, parseSan, parseSanList, validateSan } from '../../src/core/san.js';
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
    ['*.*.example.com'],
    ['dns:good.example.com\0.evil.com'],
    ['dns:a\nb.example.com'],
    ['email:a@example.com\nBcc: x@example.com'],
    ['uri:file:///etc/passwd'],
    ['http://example.com/'],
    ['uri:javascript:alert(1)'],
    ['ops\u202e@example.com'],
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

describe('validateSan: the one policy for --san and CSR names', () => {
  it.each<[string, string, string]>([
    ['dns', 'Registry.Example.com', 'registry.example.com'],
    ['uri', 'urn:uuid:0b7e0c5e-7d7a-4b4e-9a46-1d2c3e4f5a6b', 'urn:uuid:0b7e0c5e-7d7a-4b4e-9a46-1d2c3e4f5a6b'],
    ['ip', '::1', '::1'],
  ])('accepts %s %s', (type, value, out) => {
    expect(validateSan({ type: type as 'dns', value }, 'req.csr')).toEqual({ type, value: out });
  });
  it('names the file in the message and escapes nothing itself (the CLI does)', () => {
    expect(() => validateSan({ type: 'dns', value: 'a\x1bb.example.com' }, 'req.csr')).toThrow(/in req\.csr: control characters/);
  });
  it('assertSansFor: wildcards only for servers', () => {
    const wild = [{ type: 'dns' as const, value: '*.example.com' }];
    expect(() => assertSansFor(wild, { client: true })).toThrow(/wildcard/);
    expect(() => assertSansFor(wild, { client: false })).not.toThrow();
  });
});
