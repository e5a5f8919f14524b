/**
 * Characters that must never pass through unseen: C0 controls (NUL, BEL,
 * BS, CR, LF, ESC…), DEL, C1 controls (CSI 0x9b among them), the Unicode
 * line/paragraph separators and the bidirectional overrides and isolates
 * that reorder what a terminal shows ("Trojan Source", CVE-2021-42574).
 *
 * One home for the rule: names.ts and san.ts refuse them in names, and the
 * CLI escapes them in everything it prints (src/cli/escape.ts).
 */
export const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** True when `s` holds a control, separator or bidi-override character. */
export function hasUnsafeCharacters(s: string): boolean {
  return UNSAFE_CHARACTER.test(s);
}

const UNSAFE_ALL = new RegExp(UNSAFE_CHARACTER.source, 'g');

/**
 * `s` with every unsafe character shown as a visible escape (ESC → \x1b,
 * U+202E → \u202e); `keep` names characters to leave as they are (the
 * line breaks of multi-line text regcert renders itself).
 */
export function showUnsafeCharacters(s: string, keep?: (ch: string) => boolean): string {
  return s.replace(UNSAFE_ALL, (ch) => {
    if (keep?.(ch)) return ch;
    const code = ch.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
