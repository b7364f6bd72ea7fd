// The one table layout, kubectl's: no borders, columns separated by three spaces, trailing blanks trimmed.
// Two ways to lay it out, with the same output (test/unit/table.test.ts): table() through cli-table3 for
// the small tables (history, diff), and Columns (columns() for rows in hand) for the listing, which can
// have 10,000 rows: there cli-table3 measures every cell with string-width and took 30 s for 10,000 rows
// here, columns() 0.2 s.
import Table from 'cli-table3';
import { padEnd, width } from './text.js';

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

/**
 * A kubectl-style table: no borders, columns separated by three spaces, padded with width() (cli-table3
 * measures every cell with string-width, about 1 ms per row on start-up-sized machines). Rows in hand;
 * the listing gathers its rows with Columns.
 */
export function columns(rows: readonly string[][]): string {
  const table = new Columns();
  const packed = rows.map((row) => table.pack(row));
  let out = '';
  table.write(packed, (s) => (out += s), Infinity);
  return out;
}

/**
 * Between the cells of a packed row. Cells from the cluster never hold it (clean() removes every C0
 * control; colours are ESC sequences); a cell that does has it dropped by pack(): a NUL takes no column
 * and prints nothing, so the table shows the same.
 */
const CELL = '\u0000';

/**
 * The rows of a columns() table, gathered one at a time: each kept as one string (a listing of 10,000
 * rows held an array and ten strings per row), the columns' widths taken as the rows come. Written a
 * block of lines at a time, so that the table is never one string beside its rows.
 */
export class Columns {
  private readonly widths: number[] = [];

  /** The row as write() of this same table takes it (its widths are the ones this table has seen). */
  pack(cells: readonly string[]): string {
    const safe = cells.some((c) => c.includes(CELL)) ? cells.map((c) => c.replaceAll(CELL, '')) : cells;
    safe.forEach((cell, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, width(cell))));
    return safe.join(CELL);
  }

  /** Rows packed by this table, laid out with the widths of every row it packed. */
  write(rows: Iterable<string>, write: (s: string) => void, block = 500): void {
    let out = '';
    let lines = 0;
    for (const packed of rows) {
      const row = packed.split(CELL);
      let line = '';
      row.forEach((cell, i) => (line += i === row.length - 1 ? cell : padEnd(cell, this.widths[i]!) + '   '));
      out += line.trimEnd() + '\n';
      if (++lines === block) {
        write(out);
        out = '';
        lines = 0;
      }
    }
    if (out) write(out);
  }
}
