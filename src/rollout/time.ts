// Kubernetes writes times as RFC 3339 in UTC with whole seconds (metav1.Time). Pure.

/** RFC 3339 with whole seconds, e.g. 2026-11-20T09:00:00Z (fractions are dropped, not rounded). */
export function rfc3339(t: Date | number): string {
  const ms = typeof t === 'number' ? t : t.getTime();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A timestamp read from an object, normalised to rfc3339(); null when it is not a time. */
export function normalizeTime(ts: unknown): string | null {
  if (typeof ts !== 'string') return null;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(ts)) return ts;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? rfc3339(ms) : null;
}
