// Which V8 flags the listing sets and puts back, exactly (listing-heap.test.ts shows that they take
// effect and are undone, through V8's code caches; it cannot tell one flag from the other).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { MAGLEV_AFTER_ROLLOUTS, listingRolloutRead, userNodeFlags, v8Flags, withListingHeap } from '../../src/cli/listing-heap.js';

const calls: string[] = [];
vi.spyOn(v8Flags, 'set').mockImplementation((flag: string) => void calls.push(flag));

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** A listing whose first request goes out, then `body`; its flags are set once that turn is over. */
const listing =
  (body: () => unknown = () => undefined) =>
  async (sent: () => void) => {
    sent();
    await turn();
    await body();
  };

describe('withListingHeap: the flags', () => {
  it('sets both generations’ flags and holds back TurboFan while the listing runs, then puts each back to its default', async () => {
    calls.length = 0;
    await withListingHeap(
      listing(() => {
        expect(calls).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=30', '--no-turbofan']);
      }),
      [],
      20,
    );
    expect(calls.slice(3)).toEqual(['--semi-space-growth-factor=2', '--heap-growing-percent=0', '--turbofan']);
  });

  it('sets none before the first request has gone out, and sets them once the turn that sent it is over', async () => {
    calls.length = 0;
    await withListingHeap(
      async (sent) => {
        await turn();
        expect(calls).toEqual([]);
        sent();
        expect(calls).toEqual([]);
        sent(); // the next page's request, or another list's: no second setting
        await turn();
        expect(calls).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=30', '--no-turbofan']);
      },
      [],
      20,
    );
    expect(calls).toHaveLength(6);
  });

  it('sets them at the first rollout read when no request was seen going out, and only once', async () => {
    calls.length = 0;
    await withListingHeap(
      async (sent) => {
        listingRolloutRead();
        expect(calls).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=30', '--no-turbofan']);
        sent();
        listingRolloutRead();
        await turn();
      },
      [],
      20,
    );
    expect(calls).toHaveLength(6);
  });

  it('a listing that ends or fails before its request went out sets and puts back nothing, also when sent just before', async () => {
    calls.length = 0;
    await withListingHeap(async () => undefined, [], 26);
    await expect(
      withListingHeap(
        async (sent) => {
          sent();
          throw new Error('401');
        },
        [],
        26,
      ),
    ).rejects.toThrow('401');
    await turn();
    listingRolloutRead();
    expect(calls).toEqual([]);
  });

  it('never touches a flag the user set on the command line, and still sets the others', async () => {
    calls.length = 0;
    await withListingHeap(listing(), ['--semi_space_growth_factor=4'], 20);
    expect(calls).toEqual(['--heap-growing-percent=30', '--no-turbofan', '--heap-growing-percent=0', '--turbofan']);
    calls.length = 0;
    await withListingHeap(listing(), ['--heap-growing-percent=50'], 20);
    expect(calls).toEqual(['--semi-space-growth-factor=1', '--no-turbofan', '--semi-space-growth-factor=2', '--turbofan']);
    calls.length = 0;
    await withListingHeap(listing(), ['--semi-space-growth-factor=4', '--heap_growing_percent=50', '--turbofan'], 20);
    expect(calls).toEqual([]);
  });

  it('a compiler flag of the user’s (either spelling, a tier cap, --jitless) leaves the compiler alone; other flags do not', async () => {
    for (const flag of [
      '--turbofan',
      '--no-turbofan',
      '--no_turbofan',
      '--noturbofan',
      '--opt',
      '--no-opt',
      '--no_opt',
      '--noopt',
      '--max-opt=2',
      '--max_opt=1',
      '--jitless',
      '--lite-mode',
      '--lite_mode',
      '--disable-optimizing-compilers',
    ]) {
      calls.length = 0;
      await withListingHeap(listing(), [flag]);
      expect(
        calls.filter((c) => /turbofan/.test(c)),
        flag,
      ).toEqual([]);
    }
    for (const flag of ['--optimize-for-size', '--turbofan-stats', '--max-lazy', '--no-jitless', '--optimistic']) {
      calls.length = 0;
      await withListingHeap(listing(), [flag]);
      expect(
        calls.filter((c) => /turbofan/.test(c)),
        flag,
      ).toEqual(['--no-turbofan', '--turbofan']);
    }
  });

  it('a flag given in NODE_OPTIONS (which takes --jitless, and does not show it in process.execArgv) is the user’s too', async () => {
    const saved = process.env.NODE_OPTIONS;
    try {
      process.env.NODE_OPTIONS = '--max-old-space-size=512  --jitless';
      expect(userNodeFlags()).toEqual([...process.execArgv, '--max-old-space-size=512', '--jitless']);
      calls.length = 0;
      await withListingHeap(listing());
      expect(calls.filter((c) => /turbofan/.test(c))).toEqual([]);
      delete process.env.NODE_OPTIONS;
      calls.length = 0;
      await withListingHeap(listing());
      expect(calls.filter((c) => /turbofan/.test(c))).toEqual(['--no-turbofan', '--turbofan']);
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
  });

  describe('Maglev: off for the first rollouts of a listing, on Node >= 22', () => {
    const maglev = () => calls.filter((c) => /maglev/.test(c));
    // On x64 (and arm64), whatever machine runs the tests.
    const arch = Object.getOwnPropertyDescriptor(process, 'arch')!;
    beforeEach(() => void Object.defineProperty(process, 'arch', { ...arch, value: 'x64' }));
    afterEach(() => void Object.defineProperty(process, 'arch', arch));

    it('is turned off at the start and put back once MAGLEV_AFTER_ROLLOUTS rollouts have been read, once', async () => {
      calls.length = 0;
      await withListingHeap(
        listing(() => {
          expect(calls).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=30', '--no-turbofan', '--no-maglev']);
          for (let i = 1; i < MAGLEV_AFTER_ROLLOUTS; i++) listingRolloutRead();
          expect(maglev()).toEqual(['--no-maglev']);
          listingRolloutRead();
          expect(maglev()).toEqual(['--no-maglev', '--maglev']);
          for (let i = 0; i < 3000; i++) listingRolloutRead();
        }),
        [],
        26,
      );
      expect(maglev()).toEqual(['--no-maglev', '--maglev']);
      expect(calls.slice(-3)).toEqual(['--semi-space-growth-factor=2', '--heap-growing-percent=0', '--turbofan']);
    });

    it('is put back at the end of a shorter listing (and when it fails), and rollouts read after it change nothing', async () => {
      calls.length = 0;
      await withListingHeap(
        listing(() => {
          for (let i = 0; i < 10; i++) listingRolloutRead();
        }),
        [],
        22,
      );
      expect(maglev()).toEqual(['--no-maglev', '--maglev']);
      for (let i = 0; i < 2 * MAGLEV_AFTER_ROLLOUTS; i++) listingRolloutRead();
      expect(maglev()).toEqual(['--no-maglev', '--maglev']);
      calls.length = 0;
      await expect(
        withListingHeap(
          listing(() => {
            throw new Error('403');
          }),
          [],
          26,
        ),
      ).rejects.toThrow('403');
      expect(maglev()).toEqual(['--no-maglev', '--maglev']);
    });

    it('is left alone on Node 20 and 21, where it is off by default, on other processors, and when the user set a compiler flag', async () => {
      for (const major of [20, 21]) {
        calls.length = 0;
        await withListingHeap(listing(), [], major);
        expect(maglev(), String(major)).toEqual([]);
      }
      for (const other of ['ppc64', 's390x', 'riscv64', 'ia32']) {
        Object.defineProperty(process, 'arch', { ...arch, value: other });
        calls.length = 0;
        await withListingHeap(listing(), [], 26);
        expect(maglev(), other).toEqual([]);
      }
      Object.defineProperty(process, 'arch', { ...arch, value: 'arm64' });
      calls.length = 0;
      await withListingHeap(listing(), [], 26);
      expect(maglev(), 'arm64').toEqual(['--no-maglev', '--maglev']);
      for (const flag of [
        '--maglev',
        '--no-maglev',
        '--no_maglev',
        '--nomaglev',
        '--max-opt=1',
        '--jitless',
        '--lite-mode',
        '--disable-optimizing-compilers',
      ]) {
        calls.length = 0;
        await withListingHeap(listing(), [flag], 26);
        expect(maglev(), flag).toEqual([]);
      }
      for (const flag of ['--maglev-stats', '--trace-maglev-graph-building', '--no-jitless']) {
        calls.length = 0;
        await withListingHeap(listing(), [flag], 26);
        expect(maglev(), flag).toEqual(['--no-maglev', '--maglev']);
      }
    });

    it('is put back by the exit listener when the process exits mid-listing', () => {
      calls.length = 0;
      void withListingHeap(() => new Promise<never>(() => {}), [], 26);
      const mine = process.listeners('exit')[0] as () => void;
      listingRolloutRead();
      expect(maglev()).toEqual(['--no-maglev']);
      mine();
      process.removeListener('exit', mine);
      expect(maglev()).toEqual(['--no-maglev', '--maglev']);
      listingRolloutRead();
      expect(maglev()).toEqual(['--no-maglev', '--maglev']);
    });
  });
});
