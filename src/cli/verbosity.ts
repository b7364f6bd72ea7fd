// -v, -vv (this plugin's count) and kubectl's numeric verbosity, which users type from habit: -v=6,
// --v=6, --v 6, -v 6, -v6 (6 logs requests, 8 and up also their bodies). A level sets the verbosity, as a
// repeated flag's last value wins; -v adds to it. One reading for the parser and main's prescan.

/** kubectl's verbosity levels, as a usage error says them (help says what 6 and 8 log). */
export const LEVELS = '0-9';

export type VerbosityToken =
  | { kind: 'add'; n: number }
  /** `consumed`: the level was the next argument (`--v 6`). */
  | { kind: 'set'; n: number; consumed: boolean }
  | { kind: 'bad'; flag: string; value: string }
  | { kind: 'missing'; flag: string };

/** kubectl's level as this plugin's count: 0, 1 (requests) for 1-7, 2 (bodies) for 8 and up. */
const count = (level: string) => {
  const n = Number(level);
  return n === 0 ? 0 : n < 8 ? 1 : 2;
};

/** What `tok` (and, for `--v 6`, the argument after it) does to the verbosity; null when it is not about it. */
export function verbosityToken(tok: string, next: string | undefined): VerbosityToken | null {
  // -v 6: kubectl's -v takes a level, as --v does; -v before anything else adds one.
  if (tok === '-v' && next !== undefined && /^\d+$/.test(next)) return { kind: 'set', n: count(next), consumed: true };
  if (/^-v+$/.test(tok)) return { kind: 'add', n: tok.length - 1 };
  if (tok === '--verbose') return { kind: 'add', n: 1 };
  if (tok === '--v')
    return next !== undefined && /^\d+$/.test(next) ? { kind: 'set', n: count(next), consumed: true } : { kind: 'missing', flag: tok };
  const m = /^(-v=?|--v=)(.*)$/.exec(tok);
  if (!m) return null;
  const flag = m[1]!.replace(/=$/, '');
  if (/^\d+$/.test(m[2]!)) return { kind: 'set', n: count(m[2]!), consumed: false };
  // -vN with N not a number is not ours (combined short flags are read by the parser); -v=x and --v=x are.
  return m[1] === '-v' ? null : { kind: 'bad', flag, value: m[2]! };
}
