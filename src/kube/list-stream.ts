// Reads a Kubernetes List (`{"kind":...,"metadata":{...},"items":[{...},{...}]}`) as it arrives and hands
// over each item as soon as its last byte is in, so a page of 500 rollouts (~3 MB) is never held whole:
// each item is parsed, reduced by the caller, and its text dropped. The other top-level fields
// (metadata.continue, resourceVersion) are kept and parsed at the end. Works on bytes: the structure of
// JSON is ASCII, and a UTF-8 continuation byte is never mistaken for one of its characters.
//
// Finding where an item ends is done twice over, the fast way first:
// - Fast: the API server writes every item of a List the same way up to its metadata (a ReplicaSet's
//   `{"metadata":{`, a Rollout's `{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{`),
//   so `},` and that prefix marks the end of one item and the start of the next. It is found with
//   Buffer.indexOf (native), and the candidate is proven by JSON.parse: a text that starts with the
//   item's "{" parses only when it ends at that brace's match, so a candidate inside the item (a nested
//   array of such objects) fails to parse and the next one is tried. Never a wrong item, only a slower one.
//   The prefix is learned from the first item's own bytes. An item whose end is not in the chunk yet
//   waits for the next one (at most twice).
// - Exact: a byte-by-byte scan of strings and brackets, for the last item (no next item follows it),
//   and any item the fast way could not prove.
// Measured on a 2-core machine in a fresh process (how a listing runs: once, before V8 optimizes much),
// 500 Rollouts, ReplicaSets and Services (3.4 MB): 67 ms instead of 147 ms to parse; the scan alone cost
// as much per byte as JSON.parse.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
/** How far into an item its metadata may start for its prefix to mark the items (a Rollout's is at 63). */
const MAX_PREFIX = 256;
const METADATA = Buffer.from('"metadata":{');
/** An item not proven in this many candidates is read the exact way. */
const MAX_TRIES = 4;
/** After this many items it could not prove, a List is read the exact way. */
const MAX_MISSES = 3;
/** Bytes of an unfinished item held back for the fast way; a larger item is read the exact way. */
const MAX_PENDING = 1 << 20;

export class ListStream {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Where we are: before the items array, inside it, or after it. */
  private phase: 'head' | 'items' | 'tail' = 'head';
  /** The last top-level key read (to find "items"). */
  private key: number[] = [];
  private readingKey = false;
  private lastKey = '';
  /** Bytes of the top level outside the items array (small). */
  private rest: Buffer[] = [];
  /** Pieces of the item being read the exact way. */
  private item: Buffer[] = [];
  private itemStart = -1;
  items = 0;
  /** Of those, the items read the fast way. */
  fastItems = 0;
  /** `},` and the items' common prefix, once learned from the first item. */
  private boundary: Buffer | null = null;
  /** The start of an item (and what followed it) whose end has not arrived yet, for the fast way. */
  private pending: Buffer | null = null;
  /** Times the item in hand was held back; items the fast way could not prove; and whether it gave up. */
  private deferrals = 0;
  private misses = 0;
  private fastOff = false;

  constructor(private readonly onItem: (item: unknown) => void) {}

  write(chunk: Buffer): void {
    if (this.pending) {
      chunk = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    this.scan(chunk, true);
  }

  private scan(chunk: Buffer, fast: boolean): void {
    let restFrom = this.phase === 'items' ? -1 : 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.readingKey && !this.escaped && c !== QUOTE && c !== BACKSLASH && this.key.length < 16) this.key.push(c);
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.readingKey) {
            this.readingKey = false;
            if (this.depth === 1) this.lastKey = Buffer.from(this.key).toString('latin1');
          }
        }
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        // A string at depth 1 (the List) is a key or a value; the last one before a "[" is that array's key.
        this.readingKey = this.depth === 1;
        this.key = [];
        continue;
      }
      if (c === OPEN_OBJ || c === OPEN_ARR) {
        if (this.phase === 'items' && this.depth === 2) {
          // An item starts here.
          if (fast && !this.fastOff) {
            const end = this.fastItem(chunk, i);
            if (end >= 0) {
              i = end;
              continue;
            }
            if (end === DEFER) {
              this.pending = chunk.subarray(i);
              return;
            }
          }
          this.itemStart = i;
          this.item = [];
        }
        this.depth++;
        if (this.phase === 'head' && this.depth === 2 && c === OPEN_ARR && this.lastKey === 'items') {
          // The items array begins: the rest so far ends with "[", the items go to the caller.
          this.rest.push(chunk.subarray(restFrom, i + 1));
          restFrom = -1;
          this.phase = 'items';
        }
        continue;
      }
      if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        this.depth--;
        if (this.phase === 'items' && this.depth === 2) {
          this.item.push(chunk.subarray(Math.max(this.itemStart, 0), i + 1));
          this.emit(this.item.length === 1 ? this.item[0]! : Buffer.concat(this.item));
          this.item = [];
        } else if (this.phase === 'items' && this.depth === 1) {
          // The items array ends: the rest resumes with "]".
          this.phase = 'tail';
          restFrom = i;
        }
      }
    }
    if (this.phase === 'items' && this.depth >= 3) {
      // An item continues in the next chunk.
      this.item.push(chunk.subarray(Math.max(this.itemStart, 0)));
      this.itemStart = 0;
    }
    if (restFrom >= 0) this.rest.push(chunk.subarray(restFrom));
  }

  /**
   * The item starting at `start`, read the fast way: the index of its closing brace once handed over;
   * DEFER when its end may be in a chunk yet to come; EXACT when it must be read the exact way.
   */
  private fastItem(chunk: Buffer, start: number): number {
    if (!this.boundary) {
      // Learned from the first item: everything up to its metadata, looked for in its first bytes only.
      const head = chunk.subarray(start, start + MAX_PREFIX + METADATA.length);
      const m = head.indexOf(METADATA);
      if (m < 0) {
        // Not there (pretty-printed JSON, metadata further in): a miss, unless the chunk was too short to tell.
        if (head.length === MAX_PREFIX + METADATA.length && ++this.misses > MAX_MISSES) this.fastOff = true;
        return EXACT;
      }
      this.boundary = Buffer.concat([Buffer.from('},'), head.subarray(0, m + METADATA.length)]);
    }
    let from = start;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const end = chunk.indexOf(this.boundary, from);
      if (end < 0) {
        // The end is in a chunk yet to come (held back, at most twice), or this is the last item.
        if (this.deferrals < 2 && chunk.length - start <= MAX_PENDING) {
          this.deferrals++;
          return DEFER;
        }
        break;
      }
      let item: unknown;
      try {
        item = JSON.parse(chunk.toString('utf8', start, end + 1));
      } catch {
        // Not this item's end (a nested object with the same start): the next candidate.
        from = end + 1;
        continue;
      }
      this.deferrals = 0;
      this.items++;
      this.fastItems++;
      this.onItem(item);
      return end;
    }
    // A List whose items the prefix does not mark well is read the exact way from here on.
    this.deferrals = 0;
    if (++this.misses > MAX_MISSES) this.fastOff = true;
    return EXACT;
  }

  private emit(text: Buffer): void {
    this.itemStart = -2;
    this.items++;
    this.onItem(JSON.parse(text.toString('utf8')));
  }

  /** The List without its items (kind, metadata), once the whole body was written. */
  end(): Record<string, unknown> {
    if (this.pending) {
      // The last item (nothing follows it to mark its end) and the List's closing bytes.
      const rest = this.pending;
      this.pending = null;
      this.scan(rest, false);
    }
    if (this.inString || this.depth !== 0) throw new SyntaxError('the list ended in the middle of a value');
    const rest = Buffer.concat(this.rest).toString('utf8');
    const parsed = JSON.parse(rest) as Record<string, unknown>;
    return parsed && typeof parsed === 'object' ? parsed : {};
  }
}

const DEFER = -2;
const EXACT = -1;
