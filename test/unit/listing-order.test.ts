// The listing's rows are in namespace, then name order, compared character by character: for Kubernetes
// names the order localeCompare gave in English and Korean, without ICU's collator (~8 ms to build).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byNamespaceThenName } from '../../src/cli/commands/status-list.js';

const item = fc.record({
  namespace: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/),
  name: fc.stringMatching(/^[a-z0-9]([-.a-z0-9]{0,10}[a-z0-9])?$/),
});

describe('the listing order', () => {
  it('is the order an English collator gives, whatever order the items come in (sorted or not)', () => {
    const en = new Intl.Collator('en');
    const byCollator = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
      en.compare(a.namespace, b.namespace) || en.compare(a.name, b.name);
    fc.assert(
      fc.property(fc.array(item, { maxLength: 60 }), fc.boolean(), (items, presorted) => {
        const given = presorted ? [...items].sort(byCollator) : [...items];
        expect(given.sort(byNamespaceThenName)).toEqual([...items].sort(byCollator));
      }),
    );
  });

  it.each(['en', 'ko'])('is the order localeCompare gives Kubernetes names in %s (what the listing used before)', (locale) => {
    const collator = new Intl.Collator(locale);
    fc.assert(
      fc.property(item, item, (a, b) => {
        const before = Math.sign(collator.compare(a.namespace, b.namespace) || collator.compare(a.name, b.name));
        expect(byNamespaceThenName(a, b)).toBe(before);
      }),
      { numRuns: 2000 },
    );
    const tricky = [
      'a',
      'a-b',
      'a.b',
      'a0',
      'a9',
      'ab',
      'a-0',
      'a.0',
      'a--b',
      'a-.b',
      'z',
      '0',
      '9z',
      'frontend-10',
      'frontend-2',
      'frontend',
    ];
    for (const x of tricky)
      for (const y of tricky)
        expect(byNamespaceThenName({ namespace: x, name: '' }, { namespace: y, name: '' })).toBe(Math.sign(collator.compare(x, y)));
  });

  it("the API server's order where a namespace is a prefix of another (team-a/x before team/x) is put right", () => {
    const storage = [
      { namespace: 'team-a', name: 'x' },
      { namespace: 'team', name: 'x' },
      { namespace: 'team', name: 'y' },
    ];
    expect(storage.sort(byNamespaceThenName).map((i) => `${i.namespace}/${i.name}`)).toEqual(['team/x', 'team/y', 'team-a/x']);
  });
});
