/** Time arithmetic shared by issue, inspect, doctor and the renderers (light: no PKI imports). */
import { DAY_MS } from './defaults.js';

/** Whole days from now until a date (negative once it has passed): "days left" everywhere. */
export function daysUntil(date: Date | string, now: Date = new Date()): number {
  return Math.floor((new Date(date).getTime() - now.getTime()) / DAY_MS);
}
