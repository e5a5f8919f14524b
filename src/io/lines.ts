/**
 * Streaming a text file line by line with bounded memory: a line longer
 * than `maxLine` is refused (it is never held whole), and so is a file with
 * more than `maxLines` lines. Line numbers start at 1.
 */
import { createReadStream } from 'node:fs';
import { inputError } from '../core/errors.js';

export async function* readLines(file: string, opts: { maxLine: number; maxLines: number; what: string }): AsyncGenerator<{ line: string; no: number }> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
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
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError('NOT_FOUND', `${opts.what} not found`, 'check the path');
    if (code === 'EISDIR') throw inputError('IS_DIRECTORY', `${opts.what} is a directory, not a file`, 'pass the file itself');
    if (code === 'EACCES') throw inputError('NOT_READABLE', `${opts.what} is not readable`, 'check its permissions');
    throw e;
  } finally {
    stream.destroy();
  }
  if (rest !== '') yield { line: rest.replace(/\r$/, ''), no: no + 1 };
}
