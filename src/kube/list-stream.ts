// Reads a Kubernetes List (`{"kind":...,"metadata":{...},"items":[{...},{...}]}`) as it arrives and hands
// over each item as soon as its last byte is in, so a page of 500 rollouts (~3 MB) is never held whole:
// each item is parsed, reduced by the caller, and its text dropped. The other top-level fields
// (metadata.continue, resourceVersion) are kept and parsed at the end. Works on bytes: the structure of
// JSON is ASCII, and a UTF-8 continuation byte is never mistaken for one of its characters.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;

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

  constructor(private readonly onItem: (item: unknown) => void) {}

  write(chunk: Buffer): void {
    let restFrom = this.phase === 'items' ? -1 : 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.readingKey && !this.escaped && c !== QUOTE && c !== BACKSLASH) this.key.push(c);
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.readingKey) {
            this.readingKey = false;
            this.lastKey = Buffer.from(this.key).toString('latin1');
          }
        }
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
        // A string at depth 1 in the head or tail is a key or a value; keys are what we track.
        this.readingKey = this.depth === 1;
        this.key = [];
        continue;
      }
      if (c === OPEN_OBJ || c === OPEN_ARR) {
        this.depth++;
        if (this.phase === 'head' && this.depth === 2 && c === OPEN_ARR && this.lastKey === 'items') {
          // The items array begins: the rest so far ends with "[", the items go to the caller.
          this.rest.push(chunk.subarray(restFrom, i + 1));
          restFrom = -1;
          this.phase = 'items';
        } else if (this.phase === 'items' && this.depth === 3) {
          this.itemStart = i;
          this.item = [];
        }
        continue;
      }
      if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        this.depth--;
        if (this.phase === 'items' && this.depth === 2 && this.itemStart !== -2) {
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
      // An item continues in the next chunk.
      this.item.push(chunk.subarray(Math.max(this.itemStart, 0)));
      this.itemStart = 0;
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
