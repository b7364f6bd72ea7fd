// Container image references, following the distribution reference grammar
// (github.com/distribution/reference): [domain[:port]/]path[:tag][@digest]. Pure.

export interface ImageRef {
  /** Registry host (with port), if the reference names one. */
  domain?: string;
  /** Repository path, e.g. "apc/frontend". */
  path: string;
  tag?: string;
  digest?: string;
}

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const FULL = new RegExp(
  `^(?:(${domainAndPort})/)?(${pathComponent}(?:/${pathComponent})*)(?::(${tag}))?(?:@(${digest}))?$`,
);
const NAME_TOTAL_MAX = 255;

export type ImageError = 'empty' | 'whitespace' | 'uppercase' | 'tooLong' | 'invalid';

export function parseImage(ref: string): { ok: true; image: ImageRef } | { ok: false; error: ImageError } {
  if (ref.length === 0) return { ok: false, error: 'empty' };
  if (/\s/.test(ref)) return { ok: false, error: 'whitespace' };
  const m = FULL.exec(ref);
  if (!m) {
    // Distinguish the most common mistake (capital letters in the repository) for a better message.
    if (FULL.test(ref.toLowerCase())) return { ok: false, error: 'uppercase' };
    return { ok: false, error: 'invalid' };
  }
  let domain = m[1];
  let path = m[2]!;
  const tagPart = m[3];
  const digestPart = m[4];
  // "localhost/x", "host:5000/x", "registry.example.com/x" name a registry; "library/nginx" does not.
  if (domain !== undefined && !/[.:]/.test(domain) && domain !== 'localhost' && domain === domain.toLowerCase()) {
    path = `${domain}/${path}`;
    domain = undefined;
    // The first component must then also be a valid path component.
    if (!new RegExp(`^${pathComponent}(?:/${pathComponent})*$`).test(path)) return { ok: false, error: 'invalid' };
  }
  const name = domain ? `${domain}/${path}` : path;
  if (name.length > NAME_TOTAL_MAX) return { ok: false, error: 'tooLong' };
  return { ok: true, image: { domain, path, tag: tagPart, digest: digestPart } };
}

/** Repository name without tag or digest, as written (no docker.io normalisation). */
export function repositoryOf(ref: string): string {
  const parsed = parseImage(ref);
  if (!parsed.ok) return ref;
  const { domain, path } = parsed.image;
  return domain ? `${domain}/${path}` : path;
}

/** The short form people talk about: last path component plus tag, e.g. "frontend:v1.054". */
export function shortImage(ref: string): string {
  const parsed = parseImage(ref);
  if (!parsed.ok) return ref;
  const { path, tag: t, digest: d } = parsed.image;
  const last = path.split('/').pop() ?? path;
  if (t) return `${last}:${t}`;
  if (d) return `${last}@${d.slice(0, d.indexOf(':') + 13)}`;
  return last;
}

export function tagOf(ref: string): string | undefined {
  const parsed = parseImage(ref);
  return parsed.ok ? parsed.image.tag : undefined;
}

type Token = { kind: 'num'; value: bigint; text: string } | { kind: 'str'; value: string };

function tokenize(tagText: string): Token[] {
  const tokens: Token[] = [];
  for (const part of tagText.match(/\d+|[A-Za-z]+/g) ?? []) {
    if (/^\d+$/.test(part)) tokens.push({ kind: 'num', value: BigInt(part), text: part });
    else tokens.push({ kind: 'str', value: part.toLowerCase() });
  }
  return tokens;
}

/**
 * Compares two image tags as versions: "v1.053" < "v1.054", "2024-12-01" < "2024-12-24",
 * "1.2.9" < "1.2.10". Returns -1, 0 or 1, or undefined when the tags do not have the same shape
 * (same words in the same places, numbers where the other has numbers): "latest", commit hashes and
 * unrelated schemes cannot be ordered, and guessing would be worse than saying nothing.
 */
export function compareTags(a: string, b: string): -1 | 0 | 1 | undefined {
  if (a === b) return 0;
  const ta = tokenize(a);
  const tb = tokenize(b);
  if (ta.length === 0 || tb.length === 0) return undefined;
  if (!ta.some((t) => t.kind === 'num') || !tb.some((t) => t.kind === 'num')) return undefined;
  // Allow a longer version to extend a shorter one only by trailing numbers (1.2 vs 1.2.1).
  const n = Math.min(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x.kind !== y.kind) return undefined;
    if (x.kind === 'str' && x.value !== (y as { value: string }).value) return undefined;
  }
  const tail = (ts: Token[]) => ts.slice(n).every((t) => t.kind === 'num');
  if (!tail(ta) || !tail(tb)) return undefined;
  for (let i = 0; i < n; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x.kind === 'num' && y.kind === 'num' && x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  if (ta.length !== tb.length) return ta.length < tb.length ? -1 : 1;
  return undefined; // same numbers, different separators or padding: not an ordering
}
