/**
 * Config snippets: `{{name}}` placeholders filled with values already quoted
 * for the target syntax (YAML, nginx, TOML, shell). Pure: text in, text out.
 */
import { showUnsafeCharacters } from './text.js';

/** Replaces every {{name}}; a placeholder without a value is a bug in the caller. */
export function renderTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    return v;
  });
}

/** A YAML double-quoted scalar (JSON strings are valid YAML). */
export const yamlString = (s: string): string => JSON.stringify(s);

/** A TOML basic string (JSON escapes are valid TOML for the characters we accept). */
export const tomlString = (s: string): string => JSON.stringify(s);

/** A single-quoted POSIX shell word. */
export const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * An nginx string. nginx expands "$name" inside some file directives
 * (ssl_certificate since 1.15.9), so a path with "$" cannot be quoted safely:
 * callers reject those first (see isNginxSafe).
 */
export const nginxString = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`;

export function isNginxSafe(s: string): boolean {
  return !/[$\n\r{};]/.test(s);
}

/**
 * Fills the string values of a JSON template: each value that is exactly
 * "{{name}}" becomes vars[name], as a real JSON string (so a PEM's newlines
 * are escaped by JSON.stringify, never by hand).
 */
export function renderJsonTemplate(text: string, vars: Record<string, string>): string {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return renderTemplate(v, vars);
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return `${JSON.stringify(fill(JSON.parse(text)), null, 2)}\n`;
}

/**
 * One argument of a systemd Exec= line: "%" starts a specifier and "$" a
 * variable in every word, so both are doubled; a word with anything but
 * plain characters is double-quoted with C escapes (systemd.service(5),
 * "Command lines"). Callers refuse line breaks first.
 */
export function systemdWord(s: string): string {
  const w = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `"${w.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * A crontab command from shell words: each single-quoted, and every "%"
 * escaped, since cron turns an unescaped "%" into a line break (crontab(5)).
 */
export function cronCommand(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@+=:,./-]+$/.test(w) ? w : shellWord(w))).join(' ').replace(/%/g, '\\%');
}

/** Text for a comment line (YAML, shell, TOML): control and bidi characters (core/text.ts) shown as escapes, so outside text cannot end the comment. */
export const commentText = (s: string): string => showUnsafeCharacters(s);
