import { describe, expect, it } from 'vitest';
import { hostsTomlFiles, isListedInsecure } from '../../src/core/doctor.js';

describe('hostsTomlFiles', () => {
  it.each([
    ['ca = "ca.crt"\nclient = [["client.cert", "client.key"]]', ['ca.crt', 'client.cert', 'client.key']],
    ['server = "https://r"\n[host."https://r"]\n  ca = ["a.crt", "/etc/b.crt"]\n  client = "c.pem"\n  skip_verify = false', ['a.crt', '/etc/b.crt', 'c.pem']],
    ['[host."https://r"]\n  client = [\n    ["x.cert", "x.key"],\n    ["y.cert", "y.key"],\n  ]\n  ca = \'lit.crt\'\n', ['x.cert', 'x.key', 'y.cert', 'y.key', 'lit.crt']],
    ['# ca = "commented.crt"\nserver = "https://r"', []],
  ])('%j', (toml, want) => expect(hostsTomlFiles(toml)).toEqual(want));
});

describe('isListedInsecure', () => {
  it.each([
    ['reg.example.com:5000', ['reg.example.com:5000'], true],
    ['reg.example.com:5000', ['reg.example.com'], true],
    ['reg.example.com:5000', ['other.example.com:5000'], false],
    ['10.1.2.3:5000', ['10.0.0.0/8'], true],
    ['192.168.1.1', ['10.0.0.0/8'], false],
    ['[fd00::5]:5000', ['fd00::/8'], true],
    ['reg.example.com', ['10.0.0.0/8'], false],
  ])('%s in %j → %s', (name, list, want) => expect(isListedInsecure(name, list)).toBe(want));
});
