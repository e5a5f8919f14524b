/**
 * How --help text wraps, for commander's descriptions (main.ts
 * configureHelp) and the Examples sections (runner.ts examples): each line of
 * the source is one paragraph or one list entry, never hand-wrapped, and is
 * wrapped here at the terminal's width. A line "  term  text" (indented, a
 * term, two or more spaces) is a list entry: its text wraps under itself.
 */

/** Wraps each line of `text` at `width` columns, keeping its indent (or a list entry's text column) on the lines it continues onto. */
export function wrapHelp(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      const entry = /^(\s+\S+(?: \S+)*\s{2,})(?=\S)/.exec(line);
      const lead = entry ? entry[1]! : /^\s*/.exec(line)![0];
      const hang = ' '.repeat(lead.length);
      const words = line.slice(lead.length).split(/ +/).filter(Boolean);
      if (words.length === 0) return line.trimEnd();
      const out: string[] = [];
      let cur = lead + words[0]!;
      for (const w of words.slice(1)) {
        if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
        else {
          out.push(cur);
          cur = hang + w;
        }
      }
      out.push(cur);
      return out.join('\n');
    })
    .join('\n');
}
