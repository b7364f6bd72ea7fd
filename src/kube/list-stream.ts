// Reads a Kubernetes List (`{"kind":...,"metadata":{...},"items":[{...},{...}]}`) as it arrives and hands
// over each item as soon as its last byte is in, so a page of 500 rollouts (~3 MB) is never held whole:
// each item is parsed, reduced by the caller, and its text dropped. The other top-level fields
// (metadata.continue, resourceVersion) are kept and parsed at the end. Works on bytes: the structure of
// JSON is ASCII, and a UTF-8 continuation byte is never mistaken for one of its characters.
//
// An item's metadata.managedFields (about half of a Rollout's or ReplicaSet's bytes, and nothing the
// plugin reads) is handed over as null: its bytes are scanned but never copied, decoded or parsed.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const NULL = Buffer.from('null');

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
  /** Pieces of the item being read. */
  private item: Buffer[] = [];
  private itemStart = -1;
  items = 0;
  /** Inside an item: the last string read at the item's top level and in its metadata (a key before "{" or "["). */
  private itemKey = '';
  private metaKey = '';
  /** The item's top-level value being read is its metadata. */
  private inMetadata = false;
  /** Skipping the value of metadata.managedFields until the depth falls back to this. */
  private skipUntil = -1;

  constructor(private readonly onItem: (item: unknown) => void) {}

  write(chunk: Buffer): void {
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
            const k = Buffer.from(this.key).toString('latin1');
            if (this.depth === 1) this.lastKey = k;
            else if (this.depth === 3) this.itemKey = k;
            else this.metaKey = k;
          }
        }
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        // A string at depth 1 (the List), 3 (an item) or 4 in an item's metadata is a key or a value;
        // the last one before a "{" or "[" at the same depth is that value's key, which is what we track.
        this.readingKey =
          this.skipUntil < 0 &&
          (this.depth === 1 || (this.phase === 'items' && (this.depth === 3 || (this.depth === 4 && this.inMetadata))));
        this.key = [];
        continue;
      }
      if (c === OPEN_OBJ || c === OPEN_ARR) {
        if (this.phase === 'items' && this.depth === 4 && this.inMetadata && this.skipUntil < 0 && this.metaKey === 'managedFields') {
          // The item so far, then null in place of the value; the bytes up to its end are dropped.
          this.item.push(chunk.subarray(Math.max(this.itemStart, 0), i), NULL);
          this.skipUntil = 4;
          this.itemStart = -3;
        }
        this.depth++;
        if (this.phase === 'items' && this.depth === 4) this.inMetadata = c === OPEN_OBJ && this.itemKey === 'metadata';
        if (this.phase === 'head' && this.depth === 2 && c === OPEN_ARR && this.lastKey === 'items') {
          // The items array begins: the rest so far ends with "[", the items go to the caller.
          this.rest.push(chunk.subarray(restFrom, i + 1));
          restFrom = -1;
          this.phase = 'items';
        } else if (this.phase === 'items' && this.depth === 3) {
          this.itemStart = i;
          this.item = [];
          this.itemKey = '';
        }
        continue;
      }
      if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        this.depth--;
        if (this.depth === this.skipUntil) {
          // The skipped value ends here: the item resumes after it.
          this.skipUntil = -1;
          this.metaKey = '';
          this.itemStart = i + 1;
        } else if (this.phase === 'items' && this.depth === 3) {
          this.inMetadata = false;
        } else if (this.phase === 'items' && this.depth === 2 && this.itemStart !== -2) {
          this.item.push(chunk.subarray(Math.max(this.itemStart, 0), i + 1));
          this.emit();
        } else if (this.phase === 'items' && this.depth === 1) {
          // The items array ends: the rest resumes with "]".
          this.phase = 'tail';
          restFrom = i;
        }
      }
    }
    if (this.phase === 'items' && this.depth >= 3) {
      // An item continues in the next chunk (unless this chunk ended inside the skipped value).
      if (this.skipUntil < 0) this.item.push(chunk.subarray(Math.max(this.itemStart, 0)));
      this.itemStart = this.skipUntil < 0 ? 0 : -3;
    }
    if (restFrom >= 0) this.rest.push(chunk.subarray(restFrom));
  }

  private emit(): void {
    const text = this.item.length === 1 ? this.item[0]!.toString('utf8') : Buffer.concat(this.item).toString('utf8');
    this.item = [];
    this.itemStart = -2;
    this.items++;
    this.onItem(JSON.parse(text));
  }

  /** The List without its items (kind, metadata), once the whole body was written. */
  end(): Record<string, unknown> {
    if (this.inString || this.depth !== 0) throw new SyntaxError('the list ended in the middle of a value');
    const rest = Buffer.concat(this.rest).toString('utf8');
    const parsed = JSON.parse(rest) as Record<string, unknown>;
    return parsed && typeof parsed === 'object' ? parsed : {};
  }
}
