/**
 * Streaming a text file line by line with bounded memory: a line longer
 * than `maxLine` is refused (it is never held whole), and so is a file with
 * more than `maxLines` lines. Line numbers start at 1.
 */
import { inputError } from '../core/errors.js';
import { openInputFile } from './read.js';

export async function* readLines(file: string, opts: { maxLine: number; maxLines: number; what: string }): AsyncGenerator<{ line: string; no: number }> {
  // The checks every input goes through (regular file, no FIFO or device); the size is bounded per line.
  const fh = await openInputFile(file, 'file', 'check the path', 'stream');
  const stream = fh.createReadStream({ encoding: 'utf8', highWaterMark: 64 * 1024 });
  let rest = '';
  let no = 0;
  const tooLong = () => inputError('LINE_TOO_LONG', `${opts.what} line ${no + 1} is longer than ${opts.maxLine} characters`, 'one entry per line');
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let text = rest + chunk;
      let nl: number;
      while ((nl = text.indexOf('\n')) !== -1) {
        if (nl > opts.maxLine) throw tooLong();
        if (++no > opts.maxLines) throw inputError('TOO_MANY_LINES', `${opts.what} has more than ${opts.maxLines} lines`, 'split the file');
        yield { line: text.slice(0, nl).replace(/\r$/, ''), no };
        text = text.slice(nl + 1);
      }
      if (text.length > opts.maxLine) throw tooLong();
      rest = text;
    }
  } finally {
    stream.destroy();
    await fh.close().catch(() => undefined);
  }
  if (rest !== '') yield { line: rest.replace(/\r$/, ''), no: no + 1 };
}
