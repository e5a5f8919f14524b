/**
 * Terminal safety, in one place: every string that reaches a human (a
 * renderer's result, an error message and hint, the trust-on-first-use
 * prompt, progress and serve log lines) goes through escapeText, so text
 * from a certificate, a CSR or a server cannot move the cursor, erase or
 * conceal lines, ring the bell or reorder what is shown. Control characters
 * become visible escapes (ESC → \x1b, U+202E → \u202e) and long values are
 * cut. --json output is not escaped here: JSON.stringify escapes controls.
 */
import { showUnsafeCharacters } from '../core/text.js';

/** One printed value (a subject, a user name, a message) at most this long. */
export const MAX_PRINTED_CHARS = 2000;

/** Multi-line text regcert itself renders (config snippets) at most this long. */
const MAX_PRINTED_BLOCK_CHARS = 200_000;

/**
 * `s` with every control/bidi character escaped and the length capped.
 * multiline keeps LF and TAB (for snippets regcert renders itself).
 */
export function escapeText(s: string, opts: { multiline?: boolean; max?: number } = {}): string {
  const max = opts.max ?? (opts.multiline ? MAX_PRINTED_BLOCK_CHARS : MAX_PRINTED_CHARS);
  const cut = s.length > max ? s.slice(0, max) : s;
  const escaped = showUnsafeCharacters(cut, opts.multiline ? (ch) => ch === '\n' || ch === '\t' : undefined);
  return s.length > max ? `${escaped}… (${s.length - max} more characters)` : escaped;
}

/**
 * Result fields that hold multi-line text regcert rendered itself (config,
 * buildkitd.toml and other config entries, doctor's fixes, next steps with
 * indented lines to paste); array elements take their field's name.
 */
const MULTILINE_FIELDS = new Set(['content', 'buildkitSnippet', 'snippet', 'fix', 'next', '1.x', '2.x']);

/**
 * A copy of a command result with every string escaped, for the human
 * renderers (runner.ts calls it once; renderers then print fields as they are).
 */
export function escapeResult<T>(value: T, key?: string): T {
  if (typeof value === 'string') return escapeText(value, { multiline: key !== undefined && MULTILINE_FIELDS.has(key) }) as T;
  if (Array.isArray(value)) return value.map((v) => escapeResult(v, key)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeResult(v, k)])) as T;
  }
  return value;
}
