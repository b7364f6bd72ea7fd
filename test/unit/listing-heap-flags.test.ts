// Which V8 flags the listing sets and puts back, exactly (listing-heap.test.ts shows that they take
// effect and are undone, through V8's code caches; it cannot tell one flag from the other).
import { describe, expect, it, vi } from 'vitest';

const calls: string[] = [];
vi.mock('node:v8', () => ({ setFlagsFromString: (flag: string) => void calls.push(flag) }));
const { withListingHeap } = await import('../../src/cli/listing-heap.js');

describe('withListingHeap: the flags', () => {
  it('sets both generations’ flags and holds back TurboFan while the listing runs, then puts each back to its default', async () => {
    calls.length = 0;
    await withListingHeap(async () => {
      expect(calls).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=30', '--no-turbofan']);
    }, []);
    expect(calls.slice(3)).toEqual(['--semi-space-growth-factor=2', '--heap-growing-percent=0', '--turbofan']);
  });

  it('never touches a flag the user set on the command line, and still sets the others', async () => {
    calls.length = 0;
    await withListingHeap(async () => undefined, ['--semi_space_growth_factor=4']);
    expect(calls).toEqual(['--heap-growing-percent=30', '--no-turbofan', '--heap-growing-percent=0', '--turbofan']);
    calls.length = 0;
    await withListingHeap(async () => undefined, ['--heap-growing-percent=50']);
    expect(calls).toEqual(['--semi-space-growth-factor=1', '--no-turbofan', '--semi-space-growth-factor=2', '--turbofan']);
    calls.length = 0;
    await withListingHeap(async () => undefined, ['--semi-space-growth-factor=4', '--heap_growing_percent=50', '--turbofan']);
    expect(calls).toEqual([]);
  });

  it('a compiler flag of the user’s (either spelling, a tier cap, --jitless) leaves the compiler alone; other flags do not', async () => {
    for (const flag of ['--turbofan', '--no-turbofan', '--opt', '--no-opt', '--max-opt=2', '--max_opt=1', '--jitless']) {
      calls.length = 0;
      await withListingHeap(async () => undefined, [flag]);
      expect(
        calls.filter((c) => /turbofan/.test(c)),
        flag,
      ).toEqual([]);
    }
    for (const flag of ['--optimize-for-size', '--turbofan-stats', '--max-lazy']) {
      calls.length = 0;
      await withListingHeap(async () => undefined, [flag]);
      expect(
        calls.filter((c) => /turbofan/.test(c)),
        flag,
      ).toEqual(['--no-turbofan', '--turbofan']);
    }
  });
});
