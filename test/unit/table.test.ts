// The table layout's two ways (cli-table3 for small tables, columns() for the listing) give the same text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columns, table } from '../../src/render/table.js';

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
});
