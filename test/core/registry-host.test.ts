import { describe, expect, it } from 'vitest';
import { parseHttpsUrl, parseRegistryHost, tryParseRegistryHost } from '../../src/core/registry-host.js';
import { caUrl, parseFingerprint } from '../../src/net/fetch-ca.js';

describe('parseRegistryHost', () => {
  it.each([
    ['registry.example.com', 'registry.example.com', undefined],
    ['Registry.Example.COM:5000', 'registry.example.com:5000', 5000],
    ['10.0.0.5:5000', '10.0.0.5:5000', 5000],
    ['[FD00::5]:5000', '[fd00::5]:5000', 5000],
    ['[::1]', '[::1]', undefined],
    ['localhost:65535', 'localhost:65535', 65535],
  ])('%s → %s', (input, name, port) => {
    const r = parseRegistryHost(input);
    expect(r.name).toBe(name);
    expect(r.port).toBe(port);
    expect(r.bareHost).toBe(r.host.replace(/^\[(.*)\]$/, '$1'));
  });
  it('tryParseRegistryHost answers undefined instead of throwing (doctor reads names from disk)', () => {
    expect(tryParseRegistryHost('a b')).toBeUndefined();
    expect(tryParseRegistryHost('[::1]:5000')).toMatchObject({ bareHost: '::1', name: '[::1]:5000', port: 5000 });
  });
  it.each(['', '../../etc', 'a/b', 'host name', ' host', 'a\\b', '..', 'host:0', 'host:65536', 'host:', 'host:abc', '::1', '[zz::1]:5', 'a..b', 'h:1:2', '-bad.example.com', 'host:05000'])(
    'rejects %j with exit code 2',
    (input) => {
      expect(() => parseRegistryHost(input)).toThrow(expect.objectContaining({ exitCode: 2, code: 'BAD_HOST' }));
    },
  );
});

describe('parseHttpsUrl (verify and fetch-ca)', () => {
  it.each([
    ['reg.example.com', 'https://reg.example.com/'],
    ['reg.example.com:5000/v2/', 'https://reg.example.com:5000/v2/'],
    ['HTTPS://Reg.Example.com', 'https://reg.example.com/'],
    ['https://[::1]:5000', 'https://[::1]:5000/'],
  ])('%s → %s', (input, want) => {
    expect(parseHttpsUrl(input, 'why').href).toBe(want);
  });
  it.each([
    ['http://reg.example.com', /is not an https:\/\/ URL/],
    ['ftp://reg.example.com', /is not an https:\/\/ URL/],
    ['https://', /invalid URL/],
    ['reg example', /invalid URL/],
  ])('refuses %j (exit 2, BAD_URL)', (input, message) => {
    expect(() => parseHttpsUrl(input, 'why')).toThrow(expect.objectContaining({ exitCode: 2, code: 'BAD_URL', message: expect.stringMatching(message) }));
  });
});

describe('parseFingerprint', () => {
  const colons = Array.from({ length: 32 }, () => 'AB').join(':');
  it.each([colons, colons.toLowerCase(), colons.replace(/:/g, ''), `sha256:${colons}`, `SHA256:${colons.replace(/:/g, '').toLowerCase()}`])('accepts %s', (v) => {
    expect(parseFingerprint(v)).toBe(colons);
  });
  it.each(['', 'AB', 'sha1:' + colons, colons + ':CD', 'ZZ'.repeat(32)])('rejects %j', (v) => {
    expect(() => parseFingerprint(v)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('caUrl', () => {
  it.each([
    ['https://reg.example.com', 'https://reg.example.com/ca'],
    ['https://reg.example.com:5000/', 'https://reg.example.com:5000/ca'],
    ['reg.example.com', 'https://reg.example.com/ca'],
    ['https://reg.example.com/custom/ca.pem', 'https://reg.example.com/custom/ca.pem'],
  ])('%s → %s', (input, want) => {
    expect(caUrl(input).href).toBe(want);
  });
  it('refuses http://', () => {
    expect(() => caUrl('http://reg.example.com')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
