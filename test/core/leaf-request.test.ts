/**
 * Issue 22: a server certificate keeps its name. `issue registry.example.com
 * --server --san 10.0.0.5` used to drop the name (the only SAN was the IP),
 * so Go and OpenSSL refused the registry under the name it was issued for.
 */
import { describe, expect, it } from 'vitest';
import { createBatchParser, parseBatchLine } from '../../src/core/batch-rows.js';
import { leafSans, withNameSan } from '../../src/core/leaf-request.js';
import { parseSanList, type San } from '../../src/core/san.js';

const server = (name: string, sans: string[], nameSan?: boolean) => leafSans(name, parseSanList(sans), { server: true, nameSan });
const dns = (value: string): San => ({ type: 'dns', value });
const ip = (value: string): San => ({ type: 'ip', value });

describe('a server certificate keeps its name (leafSans / withNameSan)', () => {
  it.each<[string, string[], San[]]>([
    ['registry.example.com', ['10.0.0.5'], [dns('registry.example.com'), ip('10.0.0.5')]],
    ['registry.example.com', [], [dns('registry.example.com')]],
    ['Registry.Example.com', ['10.0.0.5'], [dns('registry.example.com'), ip('10.0.0.5')]],
    ['registry.example.com', ['mirror.example.com'], [dns('registry.example.com'), dns('mirror.example.com')]],
    ['registry.example.com', ['ops@example.com'], [dns('registry.example.com'), { type: 'email', value: 'ops@example.com' }]],
    // no duplicates, whatever the order or case
    ['registry.example.com', ['10.0.0.5', 'REGISTRY.example.com'], [ip('10.0.0.5'), dns('registry.example.com')]],
    ['10.0.0.5', ['registry.example.com'], [ip('10.0.0.5'), dns('registry.example.com')]],
    ['10.0.0.5', ['10.0.0.5'], [ip('10.0.0.5')]],
    // a single-label NAME keeps today's rule: it is the SAN only when none is given
    ['registry', ['10.0.0.5'], [ip('10.0.0.5')]],
    ['registry', [], [dns('registry')]],
    ['localhost', ['localhost', '127.0.0.1'], [dns('localhost'), ip('127.0.0.1')]],
    // a NAME that is no host name adds nothing
    ['my_registry.v2', ['10.0.0.5'], [ip('10.0.0.5')]],
  ])('%s with --san %j → %j', (name, sans, want) => {
    expect(server(name, sans)).toEqual(want);
  });

  it('--no-name-san leaves the SANs given, and refuses a server certificate left without a DNS or IP SAN', () => {
    expect(server('registry.example.com', ['10.0.0.5'], false)).toEqual([ip('10.0.0.5')]);
    expect(() => server('registry.example.com', [], false)).toThrow(/--no-name-san leaves it none/);
    expect(() => server('my_registry', [])).toThrow(/needs a DNS or IP SAN/);
  });

  it('a client certificate gets no name SAN', () => {
    expect(leafSans('alice.example.com', parseSanList(['alice@example.com']), { client: true })).toEqual([{ type: 'email', value: 'alice@example.com' }]);
  });

  it('withNameSan says what it added (renew reports it)', () => {
    expect(withNameSan('registry.example.com', [ip('10.0.0.5')])).toEqual({ sans: [dns('registry.example.com'), ip('10.0.0.5')], added: dns('registry.example.com') });
    expect(withNameSan('registry.example.com', [dns('registry.example.com')]).added).toBeUndefined();
    expect(withNameSan('registry.example.com', [ip('10.0.0.5')], { nameSan: false }).added).toBeUndefined();
  });

  it('issue --batch rows follow the same rule, and --no-name-san reaches them', () => {
    const row = '{"name":"registry.example.com","sans":"10.0.0.5","profile":"server"}';
    expect(parseBatchLine(createBatchParser(), row, 'f line 1', { days: 397 })!.sans).toEqual([dns('registry.example.com'), ip('10.0.0.5')]);
    expect(parseBatchLine(createBatchParser(), row, 'f line 1', { days: 397, nameSan: false })!.sans).toEqual([ip('10.0.0.5')]);
  });
});
