// Which V8 flags the listing sets and puts back, exactly (listing-heap.test.ts shows that they take
// effect and are undone, through V8's code caches; it cannot tell one flag from the other).
import { describe, expect, it, vi } from 'vitest';

const calls: string[] = [];
vi.mock('node:v8', () => ({ setFlagsFromString: (flag: string) => void calls.push(flag) }));
const { withListingHeap } = await import('../../src/cli/listing-heap.js');

describe('withListingHeap: the flags', () => {
  it('sets both generations’ flags while the listing runs, then puts each back to its default', async () => {
    calls.length = 0;
    await withListingHeap(async () => {
      expect(calls).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=30']);
    }, []);
    expect(calls.slice(2)).toEqual(['--semi-space-growth-factor=2', '--heap-growing-percent=0']);
  });

  it('never touches a flag the user set on the command line, and still sets the other', async () => {
    calls.length = 0;
    await withListingHeap(async () => undefined, ['--semi_space_growth_factor=4']);
    expect(calls).toEqual(['--heap-growing-percent=30', '--heap-growing-percent=0']);
    calls.length = 0;
    await withListingHeap(async () => undefined, ['--heap-growing-percent=50']);
    expect(calls).toEqual(['--semi-space-growth-factor=1', '--semi-space-growth-factor=2']);
    calls.length = 0;
    await withListingHeap(async () => undefined, ['--semi-space-growth-factor=4', '--heap_growing_percent=50']);
    expect(calls).toEqual([]);
  });
});
