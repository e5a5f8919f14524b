/**
 * Config snippets: `{{name}}` placeholders filled with values already quoted
 * for the target syntax (YAML, nginx, TOML, shell). Pure: text in, text out.
 */

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

/** Text for a comment line (YAML, shell, TOML): control characters shown as \xNN, so outside text cannot end the comment. */
export const commentText = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
