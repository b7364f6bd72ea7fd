// The listing's V8 flags (the young generation's growth, the old generation's, the optimizing compiler): in effect while the
// listing runs, put back after (also when it fails), so that V8's code caches written at exit match the
// next start's flags; each left alone when the user set it. Observed through what V8 tags code caches with, the hash of its flags: a cache made by a
// fresh process with this one's flags is rejected while the flag is changed and accepted after.
import { execFileSync } from 'node:child_process';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { listingRolloutRead, withListingHeap } from '../../src/cli/listing-heap.js';

const source = (i: number) => `var youngGenerationProbe${i} = ${i};`;
/** Code caches of ten sources, made by a fresh Node with this process's flags (never compiled here before). */
const caches: Buffer[] = (
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        ...process.execArgv,
        '-e',
        "const vm=require('node:vm');const src=(i)=>'var youngGenerationProbe'+i+' = '+i+';';" +
          "process.stdout.write(JSON.stringify([0,1,2,3,4,5,6,7,8,9].map((i)=>new vm.Script(src(i),{filename:'probe.js'}).createCachedData().toString('base64'))))",
      ],
      { encoding: 'utf8' },
    ),
  ) as string[]
).map((b) => Buffer.from(b, 'base64'));
const accepted = (i: number) => !new Script(source(i), { filename: 'probe.js', cachedData: caches[i] }).cachedDataRejected;
/** A listing whose first request has gone out (the flags are set once that turn is over), then `body`. */
const listing =
  <T>(body: () => T) =>
  async (sent: () => void): Promise<T> => {
    sent();
    await new Promise<void>((resolve) => setImmediate(resolve));
    return body();
  };

describe('withListingHeap', () => {
  it('changes the flags while it runs and restores them after', async () => {
    expect(
      await withListingHeap(
        listing(() => accepted(0)),
        [],
      ),
    ).toBe(false);
    expect(accepted(1)).toBe(true);
  });

  it('restores them when the listing fails', async () => {
    await expect(
      withListingHeap(
        listing(() => {
          throw new Error('403');
        }),
        [],
      ),
    ).rejects.toThrow('403');
    expect(accepted(2)).toBe(true);
  });

  it("leaves the flags the user set on Node's command line alone (either spelling)", async () => {
    expect(
      await withListingHeap(
        listing(() => accepted(3)),
        ['--semi_space_growth_factor=4', '--heap-growing-percent=50', '--no-opt', '--no-maglev'],
      ),
    ).toBe(true);
  });

  it('sets the flags the user did not set beside those they did (the compiler alone too), and restores them', async () => {
    expect(
      await withListingHeap(
        listing(() => accepted(6)),
        ['--semi-space-growth-factor=4'],
      ),
    ).toBe(false);
    expect(
      await withListingHeap(
        listing(() => accepted(7)),
        ['--heap_growing_percent=50'],
      ),
    ).toBe(false);
    expect(
      await withListingHeap(
        listing(() => accepted(9)),
        ['--heap_growing_percent=50', '--semi-space-growth-factor=4'],
      ),
    ).toBe(false);
    expect(accepted(8)).toBe(true);
  });

  it('puts the flag back before other exit listeners run, when the process exits mid-listing', () => {
    const order: string[] = [];
    const before = process.listeners('exit').length;
    void withListingHeap(() => new Promise<never>(() => {}), []);
    const mine = process.listeners('exit')[0] as () => void;
    listingRolloutRead(); // its first rollout: the flags are set
    expect(process.listeners('exit')).toHaveLength(before + 1);
    order.push(accepted(4) ? 'accepted' : 'rejected');
    mine();
    process.removeListener('exit', mine);
    order.push(accepted(5) ? 'accepted' : 'rejected');
    expect(order).toEqual(['rejected', 'accepted']);
  });
});
