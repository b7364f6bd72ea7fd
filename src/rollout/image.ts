// Container image references, following the distribution reference grammar
// (github.com/distribution/reference): [domain[:port]/]path[:tag][@digest]. Pure.
import { compareTagVersions, type TagComparison } from './tags.js';

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

const FULL = new RegExp(`^(?:(${domainAndPort})/)?(${pathComponent}(?:/${pathComponent})*)(?::(${tag}))?(?:@(${digest}))?$`);
const NAME_TOTAL_MAX = 255;

export type ImageError = 'empty' | 'whitespace' | 'uppercase' | 'tooLong' | 'invalid' | 'digestOnly';

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
  // "sha256:<hex>" reads as the repository sha256 with a tag, which Kubernetes would pull from Docker Hub
  // as library/sha256: a digest given without its repository (found by a hostile review).
  if (!domain && /^sha(256|384|512)$/.test(path) && tagPart !== undefined && /^[0-9a-f]{64,128}$/.test(tagPart)) {
    return { ok: false, error: 'digestOnly' };
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

/**
 * The repository's path as the registry serves it, whatever registry it comes from: Docker Hub's
 * official images under library/ ("nginx" and "docker.io/library/nginx" are one). Two references with the
 * same path are the same repository, or a copy of it in another registry (a mirror): their tags compare.
 */
export function repositoryPath(ref: string): string {
  const parsed = parseImage(ref);
  if (!parsed.ok) return ref;
  const { domain, path } = parsed.image;
  const hub = domain === undefined || domain === 'docker.io' || domain === 'index.docker.io';
  return hub && !path.includes('/') ? `library/${path}` : path;
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

export { compareTagVersions, parseTag, tagComparisonText } from './tags.js';
export type { TagComparison, TagScheme, TagUnknownReason } from './tags.js';

/** The tag a reference pulls: its own, "latest" when it has neither tag nor digest, none for a digest alone. */
export function pulledTag(i: ImageRef): string | undefined {
  return i.tag ?? (i.digest ? undefined : 'latest');
}

/**
 * Orders the versions of two image references of the same repository. Beyond the tags: the same
 * digest is the same image (order 0, whatever the tags say); the same tag on two digests cannot be
 * ordered (sameTagOtherDigest); a reference with neither tag nor digest
 * means "latest" (a moving tag); one with a digest only has no tag to compare.
 */
export function compareImageVersions(a: string, b: string): TagComparison {
  const pa = parseImage(a);
  const pb = parseImage(b);
  const ia = pa.ok ? pa.image : undefined;
  const ib = pb.ok ? pb.image : undefined;
  if (ia?.digest && ia.digest === ib?.digest) return { kind: 'ordered', order: 0, scheme: 'digest' };
  const byTag = compareTagVersions(ia && pulledTag(ia), ib && pulledTag(ib));
  // The same tag on two digests (a tag pushed again): two builds, and the tag cannot say which is older.
  if (byTag.kind === 'ordered' && byTag.order === 0 && ia?.digest && ib?.digest)
    return { kind: 'unknown', reason: 'sameTagOtherDigest', about: 'both' };
  return byTag;
}

/**
 * The old signature, kept so src/rollout/view.ts compiles unchanged: -1, 0 or 1 when the tags are
 * ordered, undefined when their order is unknown. New callers use compareTagVersions, which says why.
 * @deprecated use compareTagVersions
 */
export function compareTags(a: string, b: string): -1 | 0 | 1 | undefined {
  const r = compareTagVersions(a, b);
  return r.kind === 'ordered' ? r.order : undefined;
}
