import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBase64 } from '../../src/core/inventory.js';

describe('isBase64: the check of an inventory line\'s der', () => {
  it('accepts exactly what /^[A-Za-z0-9+/]+=*$/ accepts', () => {
    const chars = fc.constantFrom('A', 'z', '0', '+', '/', '=', '-', '_', ' ', '\n', 'é');
    fc.assert(
      fc.property(fc.stringOf(chars, { maxLength: 16 }), (s) => {
        expect(isBase64(s)).toBe(/^[A-Za-z0-9+/]+=*$/.test(s));
      }),
      { numRuns: 5000 },
    );
    for (const [s, ok] of [['', false], ['=', false], ['QQ==', true], ['QQ=A', false], ['Q Q=', false], ['MIIB+/9=', true]] as const) expect(isBase64(s)).toBe(ok);
  });
});
