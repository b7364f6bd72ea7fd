// Small tables for people (revision history) through cli-table3, borderless like kubectl.
import Table from 'cli-table3';

/** A kubectl-style table (cli-table3 without borders): columns separated by three spaces. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const t = new Table({
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3, compact: true },
  });
  t.push(...rows);
  return (
    t
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n') + '\n'
  );
}
