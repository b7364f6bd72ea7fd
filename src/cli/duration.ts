// kubectl-style durations for --timeout and --request-timeout, and the clock they are counted on.
import { CliError, EXIT } from '../errors.js';

/** Parses 30s, 5m, 1h30m, 500ms, or a bare number of seconds; 0 means no limit. null when unreadable. */
export function parseDuration(s: string): number | null {
  const text = s.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return roundUp(Number(text) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m.index !== consumed) return null;
    consumed += m[0].length;
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
  }
  if (consumed !== text.length || consumed === 0) return null;
  return roundUp(total);
}

/** Whole milliseconds; a duration above zero stays above zero (0.4ms rounded to 0, no limit, and waited forever). */
function roundUp(ms: number): number {
  return ms > 0 ? Math.max(1, Math.round(ms)) : 0;
}

/**
 * The longest a timer can run in Node (2^31 - 1 ms, ~24.8 days): Node fires a longer one at once, with a
 * warning, so `wait --timeout 1000h` timed out in 0.2 s. In the flags' own terms: 596h31m, the longest
 * whole minute under it.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_TIMER_TEXT = '596h31m';

/** The duration of a flag, or a usage error that names the flag (not a duration, or longer than a timer can run). */
export function durationFlag(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new CliError(EXIT.USAGE, 'usage.badDuration', { flag, value });
  if (ms > MAX_TIMER_MS) throw new CliError(EXIT.USAGE, 'usage.durationTooLong', { flag, value, max: MAX_TIMER_TEXT });
  return ms;
}

/**
 * Milliseconds on a monotonic clock, for deadlines. Not `performance.now()`: on Node 20 the first use of
 * the global `performance` loads perf_hooks and the modules under it, before `promote`'s first request
 * (with readline and timers/promises, 17 modules; the three together cost it 8-9 ms, measured).
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
