// The one sanitizer for text that came from the cluster (names, images, annotations, messages, reasons):
// a crafted image tag or status message must not repaint the screen, move the cursor or fake a prompt.
// The translator runs every message parameter through it, and the renderers every cell, so whatever a
// command prints reaches the terminal clean. Pure.

/** Removes terminal control sequences and control characters; tabs and newlines become spaces. */
export function clean(s: string): string {
  return (
    s
      // CSI ... final byte, OSC ... BEL/ST, other ESC sequences
      .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
      .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, '')
      .replace(/\u001b[@-Z\\-_]/g, '')
      .replace(/[\t\n\r\v\f]/g, ' ')
      // C0, DEL, C1 controls; bidi overrides that can reorder what is shown
      .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
  );
}

/** Deep copy with every string cleaned. */
export function cleanDeep<T>(x: T): T {
  if (typeof x === 'string') return clean(x) as T;
  if (Array.isArray(x)) return x.map(cleanDeep) as T;
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = cleanDeep(v);
    return out as T;
  }
  return x;
}

/** Message parameters: every string cleaned and bounded (a 20 KB annotation is not a sentence). */
export function cleanParams<P>(p: P): P {
  if (!p || typeof p !== 'object') return p;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) out[k] = typeof v === 'string' ? clean(v).slice(0, 2000) : v;
  return out as P;
}
