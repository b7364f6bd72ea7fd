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

/**
 * Characters a terminal acts on or that reorder what is shown, as they may stand in JSON and YAML
 * strings: DEL and the C1 controls (U+009B is a CSI to xterm), the bidi marks, embeddings and isolates,
 * and the line and paragraph separators.
 */
const HIDDEN = /[\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Data output (-o json, -o yaml, a dry run's request bodies) keeps every value, but writes these
 * characters as \uXXXX escapes: the same value to a parser, nothing for a terminal to act on. Valid only
 * where they can stand in a string that takes such escapes (JSON; YAML's double-quoted scalars).
 */
export function escapeHidden(text: string): string {
  return text.replace(HIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether the text holds any of them. */
export function hasHidden(text: string): boolean {
  HIDDEN.lastIndex = 0;
  const found = HIDDEN.test(text);
  HIDDEN.lastIndex = 0;
  return found;
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

/**
 * A URL's user information (https://user:password@host) written as "***@": a kubeconfig's server or
 * proxy-url can carry a password, and it must never be printed (found by a hostile review: the server
 * URL in "cannot reach the API server at ..." showed it, with or without -v). An e-mail address has no
 * "://" before it and stays.
 */
export function redactUserinfo(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"']*@/gi, '$1***@');
}

/** Message parameters: every string cleaned, bounded (a 20 KB annotation is not a sentence), and without a URL's password. */
export function cleanParams<P>(p: P): P {
  if (!p || typeof p !== 'object') return p;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) out[k] = typeof v === 'string' ? redactUserinfo(clean(v).slice(0, 2000)) : v;
  return out as P;
}
