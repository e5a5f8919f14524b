import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeJsonDocument } from '../../src/cli/json-out.js';

/** The text writeJsonDocument writes, and in how many pieces. */
async function written(doc: Record<string, unknown>, highWaterMark = 16 * 1024): Promise<{ text: string; writes: number }> {
  let text = '';
  let writes = 0;
  const out = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      writes++;
      setImmediate(done); // a slow reader: writeJsonDocument must wait for 'drain'
    },
  });
  await writeJsonDocument(out, doc);
  const finished = new Promise((resolve) => out.on('finish', resolve));
  out.end();
  await finished;
  return { text, writes };
}

describe('writeJsonDocument: the --json document in pieces', () => {
  it('writes exactly JSON.stringify(doc, null, 2) and a line end, for any document', async () => {
    const value = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.date({ noInvalidDate: true }), fc.array(fc.jsonValue(), { maxLength: 5 }));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), value), async (doc) => {
        expect((await written(doc)).text).toBe(`${JSON.stringify(doc, null, 2)}\n`);
      }),
      { numRuns: 300 },
    );
  });

  it('a long top-level array (list --json of a pool) is written in batches, still the same text', async () => {
    const certificates = Array.from({ length: 5500 }, (_, i) => ({ name: `user${i}`, sans: [`email:user${i}@example.com`], gone: undefined, at: new Date(i * 1000), odd: i % 7 === 0 ? undefined : null }));
    const doc = { ok: true, command: 'list', certificates, skipped: undefined, expiring: [], notes: ['a\nb'] };
    const { text, writes } = await written(doc, 1024);
    expect(text).toBe(`${JSON.stringify(doc, null, 2)}\n`);
    expect(writes).toBeGreaterThanOrEqual(6); // head, 6 batches of at most 1,000, tail: never one string of the whole array
    const holes = { ok: false, rows: Array.from({ length: 1001 }, (_, i) => (i % 2 ? undefined : () => i)) };
    expect((await written(holes)).text).toBe(`${JSON.stringify(holes, null, 2)}\n`);
  });
});
