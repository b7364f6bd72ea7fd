// kubectl's numeric verbosity (-v=6), which users type from habit, in this plugin's count (-v, -vv).
/** kubectl's verbosity levels, as a usage error says them (help says what 6 and 8 log). */
export const LEVELS = '0-9';

/**
 * kubectl's numeric verbosity (`-v=6`, `--v=8`, `--verbose=6`) as a count to add: 0 for 0, 1 for 1-7, 2
 * for 8 and up; 'bad' for a value that is not a level, 'missing' for a bare `--v`; null for another token.
 */
export function kubectlVerbosity(tok: string): number | 'bad' | 'missing' | null {
  if (tok === '--v') return 'missing';
  const m = /^(?:-v|--v|--verbose)=(.*)$/.exec(tok);
  if (!m) return null;
  if (!/^\d{1,2}$/.test(m[1]!)) return 'bad';
  const n = Number(m[1]);
  return n === 0 ? 0 : n < 8 ? 1 : 2;
}
