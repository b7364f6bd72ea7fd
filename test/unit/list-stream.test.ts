// The List reader that hands over items as they arrive: whatever the chunking, it yields exactly the
// items JSON.parse would, and the rest of the List.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListStream } from '../../src/kube/list-stream.js';

function read(text: string, cuts: number[]): { items: unknown[]; rest: Record<string, unknown> } {
  const buf = Buffer.from(text, 'utf8');
  const items: unknown[] = [];
  const s = new ListStream((it) => items.push(it));
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < buf.length)].sort((a, b) => a - b)) {
    s.write(buf.subarray(from, cut));
    from = cut;
  }
  s.write(buf.subarray(from));
  return { items, rest: s.end() };
}

const item = fc.record({
  metadata: fc.record({ name: fc.string(), annotations: fc.dictionary(fc.string(), fc.string()) }),
  spec: fc.jsonValue(),
  note: fc.string({ unit: 'binary' }),
});

describe('ListStream', () => {
  it('yields every item and the rest, whatever the chunk boundaries (multi-byte text, braces and quotes in strings)', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), fc.string(), (items, cuts, cont) => {
        const list = { kind: 'RolloutList', apiVersion: 'argoproj.io/v1alpha1', metadata: { resourceVersion: '5', continue: cont }, items };
        const text = JSON.stringify(list, null, Math.random() < 0.5 ? 2 : undefined);
        const got = read(
          text,
          cuts.map((c) => c % (text.length + 1)),
        );
        expect(got.items).toEqual(JSON.parse(text).items);
        expect(got.rest).toEqual({ ...JSON.parse(text), items: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('hands over metadata.managedFields as null, wherever it sits and whatever the chunking; nothing else changes', () => {
    const withFields = fc.record({
      metadata: fc.record({
        name: fc.string(),
        managedFields: fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), fc.constant(null), fc.string()),
        annotations: fc.dictionary(fc.constantFrom('managedFields', 'a', 'metadata'), fc.jsonValue()),
      }),
      spec: fc.record({ managedFields: fc.array(fc.jsonValue()), metadata: fc.record({ managedFields: fc.array(fc.string()) }) }),
      status: fc.jsonValue(),
    });
    fc.assert(
      fc.property(fc.array(withFields, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), fc.boolean(), (items, cuts, last) => {
        // managedFields first, in the middle or last among the metadata's keys
        const shaped = items.map(({ metadata: { managedFields, ...md }, ...rest }) => ({
          metadata: last ? { ...md, managedFields } : { managedFields, ...md },
          ...rest,
        }));
        const text = JSON.stringify({ kind: 'List', metadata: { managedFields: [1] }, items: shaped }, null, last ? undefined : 1);
        const got = read(
          text,
          cuts.map((c) => c % (text.length + 1)),
        );
        const want = (JSON.parse(text) as { items: Array<{ metadata: { managedFields: unknown } }> }).items.map((it) => ({
          ...it,
          metadata: {
            ...it.metadata,
            managedFields: typeof it.metadata.managedFields === 'object' ? null : it.metadata.managedFields,
          },
        }));
        expect(got.items).toEqual(want);
        expect(got.rest).toEqual({ kind: 'List', metadata: { managedFields: [1] }, items: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('items before or after metadata, an empty list, and a byte-by-byte stream', () => {
    const text = '{"items":[{"a":"}]\\"x"},{"b":[1,{"c":"é"}]}],"metadata":{"continue":"abc"},"kind":"List"}';
    const byByte = read(
      text,
      Array.from({ length: text.length }, (_, i) => i),
    );
    expect(byByte.items).toEqual([{ a: '}]"x' }, { b: [1, { c: 'é' }] }]);
    expect(byByte.rest).toEqual({ items: [], metadata: { continue: 'abc' }, kind: 'List' });
    expect(read('{"kind":"List","items":[]}', [3, 10])).toEqual({ items: [], rest: { kind: 'List', items: [] } });
  });

  it('a body cut short is an error, not a silent partial list', () => {
    const s = new ListStream(() => undefined);
    s.write(Buffer.from('{"items":[{"a":1},{"b"'));
    expect(() => s.end()).toThrow(SyntaxError);
  });
});
