/**
 * The --json document of a command, written in pieces: exactly the text of
 * `JSON.stringify(doc, null, 2)` and a line end, but an array of thousands
 * at the top level (list --json of 100,000 entries, renew --all) is written
 * a batch of elements at a time instead of as one string of its whole size,
 * waiting for the stream to drain in between.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Elements of a top-level array turned into text at a time. */
const BATCH = 1000;
/** The frame around a batch's elements in JSON.stringify({ x: batch }, null, 2). */
const BATCH_HEAD = '{\n  "x": [\n';
const BATCH_TAIL = '\n  ]\n}';

/** JSON.stringify(value, null, 2) of a value nested `depth` levels deep (undefined: as an array element shows it). */
function nested(value: unknown, depth: number): string {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return text.replaceAll('\n', `\n${'  '.repeat(depth)}`);
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

export async function writeJsonDocument(out: Writable, doc: Record<string, unknown>): Promise<void> {
  // The members JSON.stringify keeps (a value that serializes to nothing is left out), each as text or, a long array, as itself.
  const members: Array<{ key: string; text?: string; items?: unknown[] }> = [];
  for (const [key, v] of Object.entries(doc)) {
    if (Array.isArray(v) && v.length > BATCH && !('toJSON' in v)) members.push({ key, items: v });
    else if (JSON.stringify(v) !== undefined) members.push({ key, text: nested(v, 1) });
  }
  if (members.length === 0) return write(out, '{}\n');
  let pending = '{\n';
  for (const [i, m] of members.entries()) {
    const end = i < members.length - 1 ? ',\n' : '\n';
    pending += `  ${JSON.stringify(m.key)}: `;
    if (m.items === undefined) {
      pending += m.text! + end;
      continue;
    }
    await write(out, `${pending}[\n`);
    for (let at = 0; at < m.items.length; at += BATCH) {
      // The batch as JSON.stringify lays it out two levels deep, in one native call: {"x": [ … ]} without its frame.
      const text = JSON.stringify({ x: m.items.slice(at, at + BATCH) }, null, 2);
      await write(out, text.slice(BATCH_HEAD.length, -BATCH_TAIL.length) + (at + BATCH < m.items.length ? ',\n' : '\n'));
    }
    pending = `  ]${end}`;
  }
  await write(out, `${pending}}\n`);
}
