// Text helpers for people-facing output: colour (only when allowed), display width (Korean is two
// columns wide), ages. Pure. Terminal safety lives in ../sanitize.ts.

import type { T } from '../i18n/index.js';
import type { Version } from '../rollout/plan.js';

export { clean, cleanDeep } from '../sanitize.js';

/** A version as people say it: "frontend:v1.054 (revision 8)". */
export function versionText(t: T, v: Version | null): string {
  if (!v) return '-';
  const images = v.images.length ? v.images.join(', ') : '?';
  return v.revision !== null ? `${images} (${t('status.revision', { n: String(v.revision) })})` : images;
}

const ANSI = /\u001b\[[0-9;]*m/g;

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Printable ASCII only: one column per character (most cells of a listing; no scan needed). */
const PLAIN = /^[\x20-\x7e]*$/;

/** Columns the text takes in a terminal. */
export function width(s: string): number {
  return PLAIN.test(s) ? s.length : scanWidth(s);
}

/** width() character by character: colours take no column, control and combining characters none, wide ones two. */
export function scanWidth(s: string): number {
  let w = 0;
  for (const ch of s.replace(ANSI, '')) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x300 && cp <= 0x36f) || cp === 0x200b) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

export function padEnd(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - width(s)));
}

export interface Paint {
  enabled: boolean;
  green(s: string): string;
  blue(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap =
    (open: string, close = '\u001b[0m') =>
    (s: string) =>
      enabled ? `${open}${s}${close}` : s;
  return {
    enabled,
    green: wrap('\u001b[32m'),
    blue: wrap('\u001b[94m'),
    yellow: wrap('\u001b[33m'),
    red: wrap('\u001b[31m'),
    bold: wrap('\u001b[1m', '\u001b[22m'),
    dim: wrap('\u001b[2m', '\u001b[22m'),
  };
}

/** Units of time in the user's language: 45s, 12m, 5h, 3d, 2y (English); 45초, 12분, 5시간, 3일, 2년 (Korean). */
function units(t: T) {
  return {
    s: (n: number) => t('time.s', { n: String(n) }),
    m: (n: number) => t('time.m', { n: String(n) }),
    h: (n: number) => t('time.h', { n: String(n) }),
    d: (n: number) => t('time.d', { n: String(n) }),
    y: (n: number) => t('time.y', { n: String(n) }),
    join: (a: string, b: string) => t('time.join', { a, b }),
  };
}

/** kubectl-style age: 45s, 12m, 5h, 3d, 2y. */
export function age(t: T, from: string | null, now: Date): string {
  if (!from) return '-';
  const secs = Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 1000));
  if (!Number.isFinite(secs)) return '-';
  const u = units(t);
  if (secs < 120) return u.s(secs);
  const mins = Math.floor(secs / 60);
  if (mins < 60) return u.m(mins);
  const hours = Math.floor(mins / 60);
  if (hours < 48) return hours < 10 && mins % 60 ? u.join(u.h(hours), u.m(mins % 60)) : u.h(hours);
  const days = Math.floor(hours / 24);
  if (days < 365 * 2) return u.d(days);
  return u.y(Math.floor(days / 365));
}

/** Duration in words for countdowns: 1m30s. */
export function duration(t: T, ms: number): string {
  const u = units(t);
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return u.s(s);
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? u.join(u.m(m), u.s(s % 60)) : u.m(m);
  const h = Math.floor(m / 60);
  return m % 60 ? u.join(u.h(h), u.m(m % 60)) : u.h(h);
}
