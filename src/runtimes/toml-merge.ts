/**
 * Merging one table into a TOML file without touching the rest: the text of
 * every other table and comment is kept byte for byte, and the result is
 * parsed back (smol-toml) to prove it is valid TOML holding what we meant.
 * A file that defines the same table some other way (inline, dotted keys)
 * is refused rather than guessed at.
 */
import { parse, TomlError } from 'smol-toml';
import { inputError } from '../core/errors.js';

export type TomlDoc = Record<string, unknown>;

/** Nesting levels of a TOML file regcert reads (config.toml and hosts.toml need 6); smol-toml refuses deeper. */
export const TOML_MAX_DEPTH = 64;

export function parseTomlText(text: string, file: string): TomlDoc {
  try {
    return parse(text, { maxDepth: TOML_MAX_DEPTH }) as TomlDoc;
  } catch (e) {
    if (e instanceof TomlError && /excessively nested/.test(e.message)) {
      throw inputError('TOML_LIMIT', `${file}: nested deeper than ${TOML_MAX_DEPTH} levels (regcert's TOML limit)`, `fix ${file} first`, { cause: e });
    }
    const where = e instanceof TomlError ? ` (line ${e.line})` : '';
    throw inputError('BAD_CONFIG', `${file} is not valid TOML${where}: ${(e as Error).message.split('\n')[0]}`, `fix ${file} first (the daemon cannot read it either)`, { cause: e });
  }
}

export function getIn(doc: unknown, keys: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** The header's key path: [a."b.c".d] → ['a', 'b.c', 'd'] (basic and literal quoted keys). */
export function headerKeys(line: string): string[] | undefined {
  const m = /^\s*\[(\[)?\s*(.*?)\s*\]?\]\s*(?:#.*)?$/.exec(line);
  if (!m) return undefined;
  const keys: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/gy;
  let body = m[2]!;
  if (m[1]) body = body.replace(/\]$/, '');
  let last = 0;
  for (let k = re.exec(body); k; k = re.exec(body)) {
    keys.push(k[1] !== undefined ? (JSON.parse(`"${k[1]}"`) as string) : (k[2] ?? k[3]!));
    last = re.lastIndex;
    if (k[4] === '') break;
  }
  return last === body.length ? keys : undefined;
}

const sameKeys = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);
const startsWith = (a: readonly string[], prefix: readonly string[]) => a.length >= prefix.length && prefix.every((k, i) => k === a[i]);

interface Section {
  keys: string[] | undefined;
  /** The header line (-1 for the preamble). */
  header: number;
  start: number;
  end: number;
}

/** The file as line ranges: the preamble, then one range per [table] / [[array]] header. */
function sections(lines: string[]): Section[] {
  const out: Section[] = [{ keys: [], header: -1, start: 0, end: lines.length }];
  lines.forEach((l, i) => {
    if (/^\s*\[/.test(l)) {
      // Comment lines right above a header belong to that table.
      const prev = out[out.length - 1]!;
      let start = i;
      while (start - 1 > prev.start && /^\s*#/.test(lines[start - 1]!)) start--;
      prev.end = start;
      out.push({ keys: headerKeys(l), header: i, start, end: lines.length });
    }
  });
  return out;
}

/**
 * Replaces the table at `keys` and every table below it (e.g. [registry."h"]
 * and [[registry."h".keypair]]) with `block`, or appends `block` when the
 * file has none. `check` receives the parsed result and must return true.
 */
export function replaceTomlTables(existing: string | undefined, keys: readonly string[], block: string, file: string, check: (doc: TomlDoc) => boolean): string {
  const text = existing ?? '';
  if (text !== '') parseTomlText(text, file);
  const lines = text.split('\n');
  const secs = sections(lines);
  if (secs.some((s) => s.keys === undefined)) {
    throw inputError('CONFIG_UNMERGEABLE', `cannot merge into ${file}: a table header regcert does not understand`, `add the entry by hand (regcert prints it), or pass another --config`);
  }
  const drop = secs.filter((s) => s.keys!.length > 0 && startsWith(s.keys!, keys));
  const kept = lines.filter((_, i) => !drop.some((s) => i >= s.start && i < s.end));
  const withoutOld = kept.join('\n');
  if (getIn(withoutOld.trim() === '' ? {} : parseTomlText(withoutOld, file), keys) !== undefined) {
    throw inputError('CONFIG_UNMERGEABLE', `cannot merge into ${file}: it defines ${keys.join('.')} in a form regcert does not rewrite (inline table or dotted keys)`, 'replace that entry by hand with the one regcert prints');
  }
  let body = withoutOld;
  if (body !== '' && !body.endsWith('\n')) body += '\n';
  if (body !== '' && !body.endsWith('\n\n')) body += '\n';
  const out = body + block;
  const after = parseTomlText(out, `${file} (merged)`);
  if (!check(after)) throw inputError('CONFIG_UNMERGEABLE', `merging into ${file} did not give the expected entry`, 'add the entry by hand (regcert prints it)');
  return out;
}

/**
 * Sets `key = value` (a TOML string) in the table at `keys`: in place when
 * the table header exists (a different non-empty value is refused), else as
 * a new table at the end.
 */
export function setTomlString(existing: string | undefined, keys: readonly string[], key: string, value: string, header: string, file: string): string {
  const text = existing ?? '';
  const doc = text === '' ? {} : parseTomlText(text, file);
  const current = getIn(doc, [...keys, key]);
  if (current === value) return text;
  if (current !== undefined && current !== '') {
    throw inputError('CONFIG_CONFLICT', `${file} already sets ${key} = ${JSON.stringify(current)} in [${keys.join('.')}]`, `change it to ${JSON.stringify(value)} by hand, or install into that folder with --certs-dir ${String(current)}`);
  }
  const lines = text.split('\n');
  const secs = sections(lines);
  const sec = secs.find((s) => s.keys !== undefined && s.keys.length > 0 && sameKeys(s.keys, keys) && !/^\s*\[\[/.test(lines[s.header]!));
  const assignment = `${key} = ${JSON.stringify(value)}`;
  let out: string;
  if (sec) {
    const at = lines.slice(sec.header + 1, sec.end).findIndex((l) => new RegExp(`^\\s*${key}\\s*=`).test(l));
    const indent = /^(\s*)/.exec(lines[sec.header + 1] ?? '')?.[1] ?? '  ';
    if (at >= 0) lines[sec.header + 1 + at] = lines[sec.header + 1 + at]!.replace(new RegExp(`^(\\s*)${key}\\s*=.*$`), `$1${assignment}`);
    else lines.splice(sec.header + 1, 0, `${indent || '  '}${assignment}`);
    out = lines.join('\n');
  } else {
    let body = text;
    if (body !== '' && !body.endsWith('\n')) body += '\n';
    if (body !== '' && !body.endsWith('\n\n')) body += '\n';
    out = `${body}${header}\n  ${assignment}\n`;
  }
  if (getIn(parseTomlText(out, `${file} (merged)`), [...keys, key]) !== value) {
    throw inputError('CONFIG_UNMERGEABLE', `cannot set ${key} in ${file}: the table is defined in a form regcert does not rewrite`, 'add the lines by hand (regcert prints them)');
  }
  return out;
}
