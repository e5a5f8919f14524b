/** Time arithmetic shared by issue, inspect, doctor and the renderers (light: no PKI imports). */
import { DAY_MS, DEFAULT_TIMEOUT_SECONDS } from './defaults.js';
import { inputError } from './errors.js';

/** Whole days from now until a date (negative once it has passed): "days left" everywhere. */
export function daysUntil(date: Date | string, now: Date = new Date()): number {
  return Math.floor((new Date(date).getTime() - now.getTime()) / DAY_MS);
}

const DURATION_UNITS_MS: Record<string, number> = { h: DAY_MS / 24, d: DAY_MS, w: 7 * DAY_MS };

/**
 * A window such as "30d" (also "12h", "2w"; a bare number is days) in
 * milliseconds, for --expiring and --if-expiring. Up to 100 years.
 * Returns undefined for anything else; the caller names its flag.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,6})([hdw]?)$/.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS_MS[m[2] || 'd']!;
  return ms <= 36500 * DAY_MS ? ms : undefined;
}

/** A duration flag's value (--expiring, --if-expiring): parseDuration, or exit 2 naming the flag. The one check every command uses. */
export function parseDurationFlag(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw inputError('BAD_DURATION', `invalid ${flag} "${value}"`, `${flag} takes a number of days such as 30d (also 12h, 2w)`);
  return ms;
}

/** --timeout SECONDS (fetch-ca, verify, install-host --fetch-ca) in milliseconds: 1 to 600 s, default DEFAULT_TIMEOUT_SECONDS, or exit 2. */
export function timeoutMs(seconds: number | undefined): number {
  const s = seconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(s) || s <= 0 || s > 600) throw inputError('BAD_TIMEOUT', `invalid --timeout "${seconds}"`, '--timeout takes a number of seconds from 1 to 600');
  return s * 1000;
}
