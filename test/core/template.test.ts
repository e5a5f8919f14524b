import { describe, expect, it } from 'vitest';
import { isNginxSafe, nginxString, renderJsonTemplate, renderTemplate, shellWord, yamlString } from '../../src/core/template.js';

describe('templates', () => {
  it('fills placeholders and refuses a missing value', () => {
    expect(renderTemplate('a {{x}} b {{y}}', { x: '1', y: '2' })).toBe('a 1 b 2');
    expect(() => renderTemplate('{{nope}}', {})).toThrow(/nope/);
  });

  it.each([
    [yamlString, '/a b/c.crt', '"/a b/c.crt"'],
    [yamlString, 'x"y', '"x\\"y"'],
    [nginxString, '/a b/c.crt', '"/a b/c.crt"'],
    [nginxString, 'a"b\\c', '"a\\"b\\\\c"'],
    [shellWord, "/tmp/it's/ca.crt", "'/tmp/it'\\''s/ca.crt'"],
  ] as const)('%o quotes %j', (fn, input, want) => expect(fn(input)).toBe(want));

  it.each([
    ['/etc/pki/ca.crt', true],
    ['/etc/$HOME/ca.crt', false],
    ['/etc/a;b', false],
    ['/etc/a\nb', false],
  ])('isNginxSafe(%j) = %s', (input, want) => expect(isNginxSafe(input)).toBe(want));

  it('builds JSON values with JSON.stringify, so a PEM stays on one line', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
    const out = renderJsonTemplate('{"hostAddress": "{{host}}", "caBundle": "{{ca}}"}', { host: 'msr.example.com', ca: pem });
    expect(JSON.parse(out)).toEqual({ hostAddress: 'msr.example.com', caBundle: pem });
    expect(out).toContain('"caBundle": "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----"');
  });
});
