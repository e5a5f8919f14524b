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
