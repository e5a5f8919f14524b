/**
 * DER templates: a structure encoded once through asn1js around placeholder
 * values of fixed sizes, then filled per use with values of exactly those
 * sizes (a serial, a key identifier, a public point). Nothing is re-encoded:
 * the lengths around a fixed-size value cannot change. Used where thousands
 * of structures differ only in such values (issue --batch).
 */
import { randomBytes } from 'node:crypto';
import type * as asn1js from 'asn1js';

export type DerTemplate = (...values: Uint8Array[]) => Buffer;

export function createDerTemplate(sizes: number[], build: (...placeholders: Uint8Array[]) => asn1js.BaseBlock): DerTemplate {
  if (sizes.some((n) => n < 8)) throw new Error('createDerTemplate: values of 8 bytes or more (shorter placeholders could be found elsewhere)');
  const encode = (values: Uint8Array[]) => Buffer.from(build(...values).toBER(false));
  // Random placeholders cannot be mistaken for the structure around them; found in order.
  const placeholders = sizes.map((n) => new Uint8Array(randomBytes(n)));
  const whole = encode(placeholders);
  const parts: Buffer[] = [];
  let at = 0;
  for (const p of placeholders) {
    const i = whole.indexOf(p, at);
    if (i < 0) throw new Error('createDerTemplate: a placeholder is not in the encoding');
    parts.push(whole.subarray(at, i));
    at = i + p.length;
  }
  parts.push(whole.subarray(at));
  const fill: DerTemplate = (...values) => {
    if (values.length !== sizes.length || values.some((v, i) => v.length !== sizes[i])) throw new Error('createDerTemplate: a value of the wrong size');
    const out: Uint8Array[] = [parts[0]!];
    values.forEach((v, i) => out.push(v, parts[i + 1]!));
    return Buffer.concat(out);
  };
  // Self-check: filled with other values, the template is what asn1js encodes for them.
  const sample = sizes.map((n) => new Uint8Array(randomBytes(n)));
  if (!fill(...sample).equals(encode(sample))) throw new Error('createDerTemplate: the structure depends on the values');
  return fill;
}
