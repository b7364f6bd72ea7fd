// The table layout's two ways (cli-table3 for small tables, columns() and the listing's Columns) give the same text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Columns, columns, table } from '../../src/render/table.js';

const cell = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[\u0000-\u001f\u007f]/g, '')),
  fc.constantFrom('', 'frontend:v1.054', '사용 중', 'ACTIVE', '\u001b[32m✔ Healthy\u001b[0m', '\u001b[1mOLDER\u001b[22m', '3/3', '5일'),
);

describe('one table layout', () => {
  it('cli-table3 and columns() lay out the same rows identically (ASCII, Hangul, colour codes)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((n) => fc.array(fc.array(cell, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 8 })),
        (rows) => {
          expect(columns(rows)).toBe(table(rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a listing written a block at a time, its rows packed one by one, is columns() of the same rows', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((n) => fc.array(fc.array(cell, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 12 })),
        fc.integer({ min: 1, max: 5 }),
        (rows, block) => {
          const t = new Columns();
          const packed = rows.map((r) => t.pack(r));
          const writes: string[] = [];
          t.write(packed, (s) => writes.push(s), block);
          expect(writes.join('')).toBe(columns(rows));
          // every write but the last holds exactly `block` lines
          expect(writes.map((w) => w.split('\n').length - 1)).toEqual(
            Array.from({ length: Math.ceil(rows.length / block) }, (_, i) => Math.min(block, rows.length - i * block)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a packed row keeps its empty cells: one in the middle still takes its column', () => {
    const t = new Columns();
    const rows = [t.pack(['a', '', 'c']), t.pack(['', 'bb', ''])];
    const out: string[] = [];
    t.write(rows, (s) => out.push(s));
    expect(out.join('')).toBe(
      columns([
        ['a', '', 'c'],
        ['', 'bb', ''],
      ]),
    );
    expect(out.join('')).toBe('a        c\n    bb\n');
  });

  it('a NUL in a cell cannot split it: dropped (it takes no column and prints nothing)', () => {
    expect(
      columns([
        ['a\u0000b', 'c'],
        ['dd', 'e'],
      ]),
    ).toBe('ab   c\ndd   e\n');
  });
});
