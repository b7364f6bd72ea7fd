// Kubernetes protobuf, read: Lists a real API server answered (test/fixtures/protobuf, captured from the
// project's local control plane with the same request in JSON) reduce to exactly what their JSON
// reduces to, whatever the chunking; an answer cut short is an error, never a shorter list.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStatus, ProtoError, ProtoListStream, ProtoReader } from '../../src/kube/protobuf.js';
import { replicaSetFromProto, serviceFromProto } from '../../src/kube/proto-kinds.js';
import { compactReplicaSet, compactService } from '../../src/rollout/normalize.js';

const DIR = join(__dirname, '..', 'fixtures', 'protobuf');

interface ListFixture {
  path: string;
  json: { metadata: { continue?: string; resourceVersion?: string; remainingItemCount?: number }; items: unknown[] };
  protobuf: string;
}

const lists = readdirSync(DIR)
  .filter((f) => /^(replicasets|services)/.test(f))
  .map((f) => ({ name: f, ...(JSON.parse(readFileSync(join(DIR, f), 'utf8')) as ListFixture) }));
const status = (what: string) =>
  Buffer.from((JSON.parse(readFileSync(join(DIR, `status-${what}.json`), 'utf8')) as { protobuf: string }).protobuf, 'base64');

const kindOf = (path: string) =>
  path.includes('replicasets')
    ? { fromProto: replicaSetFromProto, compact: compactReplicaSet }
    : { fromProto: serviceFromProto, compact: compactService };

function read(bytes: Buffer, cuts: number[], fromProto: (r: ProtoReader) => unknown) {
  const items: unknown[] = [];
  const s = new ProtoListStream((r) => items.push(fromProto(r)));
  let from = 0;
  for (const cut of [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b)) {
    s.write(bytes.subarray(from, cut));
    from = cut;
  }
  s.write(bytes.subarray(from));
  return { items, rest: s.end(), count: s.items };
}

describe('Lists in protobuf, as a real API server sends them', () => {
  it('the fixtures cover what the decoders must get right', () => {
    const rs = lists.find((l) => l.name === 'replicasets.json')!.json.items as Array<Record<string, any>>;
    // a zero count JSON leaves out, init containers, an empty label value, a deletion time, owners (the other file)
    expect(rs.some((r) => r.spec.replicas === 0 && r.status.readyReplicas === undefined)).toBe(true);
    expect(rs.some((r) => r.spec.template.spec.initContainers?.length)).toBe(true);
    expect(rs.some((r) => r.metadata.labels?.empty === '')).toBe(true);
    expect(rs.some((r) => r.metadata.deletionTimestamp)).toBe(true);
    const owned = lists.find((l) => l.name === 'replicasets-owned.json')!.json.items as Array<Record<string, any>>;
    expect(owned.some((r) => r.metadata.ownerReferences?.[0]?.controller === true && r.status.availableReplicas > 0)).toBe(true);
    const svc = lists.find((l) => l.name === 'services.json')!.json.items as Array<Record<string, any>>;
    expect(svc.some((s) => s.spec.selector === undefined)).toBe(true);
    expect(lists.find((l) => l.name === 'services-paged.json')!.json.metadata.continue).toBeTruthy();
  });

  for (const l of lists) {
    it(`${l.name} (${l.path}): the same objects as its JSON, and the same continue token`, () => {
      const { fromProto, compact } = kindOf(l.path);
      const got = read(Buffer.from(l.protobuf, 'base64'), [], (r) => compact(fromProto(r)));
      expect(got.items.length).toBeGreaterThan(0);
      expect(got.items).toEqual(l.json.items.map(compact));
      // (captured one after the other from a busy cluster: the List's resourceVersion may have moved on)
      expect(got.rest.metadata.resourceVersion).toMatch(/^\d+$/);
      const start = (token?: string) =>
        token ? (JSON.parse(Buffer.from(token, 'base64').toString()) as { start: string }).start : undefined;
      expect(start(got.rest.metadata.continue)).toBe(start(l.json.metadata.continue));
      expect(typeof got.rest.metadata.remainingItemCount).toBe(typeof l.json.metadata.remainingItemCount);
    });
  }

  it('whatever the chunk boundaries (a key, a length, an item cut anywhere)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...lists), fc.array(fc.nat(), { maxLength: 30 }), (l, cuts) => {
        const { fromProto } = kindOf(l.path);
        const bytes = Buffer.from(l.protobuf, 'base64');
        const whole = read(bytes, [], fromProto);
        const cut = read(
          bytes,
          cuts.map((c) => c % (bytes.length + 1)),
          fromProto,
        );
        expect(cut).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('one byte at a time', () => {
    for (const l of lists) {
      const bytes = Buffer.from(l.protobuf, 'base64');
      const { fromProto } = kindOf(l.path);
      expect(read(bytes, [...bytes.keys()], fromProto)).toEqual(read(bytes, [], fromProto));
    }
  });

  it('an answer cut short anywhere before its List ends is an error at its end, after only whole items', () => {
    for (const l of lists) {
      const bytes = Buffer.from(l.protobuf, 'base64');
      const { fromProto } = kindOf(l.path);
      const all = read(bytes, [], fromProto).items;
      // The envelope's last two fields follow the List: its content encoding and type, both empty.
      expect([...bytes.subarray(-4)]).toEqual([0x1a, 0x00, 0x22, 0x00]);
      for (let n = 0; n < bytes.length - 4; n++) {
        const items: unknown[] = [];
        const s = new ProtoListStream((r) => items.push(fromProto(r)));
        s.write(bytes.subarray(0, n));
        expect(() => s.end()).toThrow(ProtoError);
        expect(items).toEqual(all.slice(0, items.length));
      }
    }
  });

  it('an answer that is not Kubernetes protobuf (a proxy page) is refused at once', () => {
    const s = new ProtoListStream(() => undefined);
    expect(() => s.write(Buffer.from('<html>'))).toThrow(ProtoError);
  });

  it('an item whose length runs past its list is refused, not read into what follows', () => {
    const l = lists.find((x) => x.name === 'services.json')!;
    const bytes = Buffer.from(l.protobuf, 'base64');
    // the envelope's raw field says the List ends 5 bytes before it does
    const r = new ProtoReader(bytes, 4);
    let at = -1;
    for (let f = r.key(); f; f = r.key()) {
      if (f.field === 2) {
        at = r.pos;
        break;
      }
      r.skip(f.wire);
    }
    const lenReader = new ProtoReader(bytes, at);
    const len = lenReader.varint();
    const width = lenReader.pos - at;
    // the same length less 5, rewritten in place with as many bytes (a varint padded to its width)
    const shorter = Buffer.from(bytes);
    let v = len - 5;
    for (let i = 0; i < width; i++) {
      shorter[at + i] = (v & 0x7f) | (i < width - 1 ? 0x80 : 0);
      v = Math.floor(v / 128);
    }
    const s = new ProtoListStream(() => undefined);
    expect(() => {
      s.write(shorter);
      s.end();
    }).toThrow(ProtoError);
  });
});

describe('ProtoReader', () => {
  const varint = (n: bigint) => {
    const out: number[] = [];
    let v = BigInt.asUintN(64, n);
    do {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v ? b | 0x80 : b);
    } while (v);
    return Buffer.from(out);
  };

  it('int32 reads negatives (ten bytes of two complement) and the largest values', () => {
    for (const n of [0, 1, 127, 128, 300, -1, -2, -300, 2 ** 31 - 1, -(2 ** 31)])
      expect(new ProtoReader(varint(BigInt(n))).int32()).toBe(n);
  });

  it('varint is exact up to 2^53 (generations, seconds)', () => {
    for (const n of [0, 1, 2 ** 31, 2 ** 32 + 5, 1_764_537_600, Number.MAX_SAFE_INTEGER])
      expect(new ProtoReader(varint(BigInt(n))).varint()).toBe(n);
  });

  it('a value that runs past its message is an error, not a read of the next bytes', () => {
    const buf = Buffer.from([0x0a, 0x05, 0x61, 0x62, 0x63, 0x12, 0x00]);
    const r = new ProtoReader(buf, 0, 5);
    expect(r.key()).toEqual({ field: 1, wire: 2 });
    expect(() => r.string()).toThrow(ProtoError);
    expect(() => new ProtoReader(Buffer.from([0x80, 0x80])).varint()).toThrow(ProtoError);
    expect(() => new ProtoReader(Buffer.alloc(11, 0xff)).varint()).toThrow(ProtoError);
  });
});

describe('a Status answered in protobuf (the API server answers an error in the format asked for)', () => {
  it('404, 403 and 410 read as their JSON would: reason, message, code, details', () => {
    expect(decodeStatus(status('404'))).toEqual({
      kind: 'Status',
      status: 'Failure',
      message: 'replicasets.apps "nope" not found',
      reason: 'NotFound',
      code: 404,
      details: { name: 'nope', group: 'apps', kind: 'replicasets' },
    });
    const forbidden = decodeStatus(status('403'))!;
    expect(forbidden.reason).toBe('Forbidden');
    expect(forbidden.code).toBe(403);
    expect(forbidden.message).toMatch(/^replicasets\.apps is forbidden: User "nobody" cannot list resource "replicasets"/);
    const expired = decodeStatus(status('410'))!;
    expect(expired.reason).toBe('Expired');
    expect(expired.code).toBe(410);
  });

  it('a body that is not one is null (the caller shows the text)', () => {
    expect(decodeStatus(Buffer.from('{"kind":"Status"}'))).toBeNull();
    expect(decodeStatus(status('404').subarray(0, 20))).toBeNull();
  });
});
