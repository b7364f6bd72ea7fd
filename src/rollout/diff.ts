// Differences between two pod templates (active vs preview), as paths people can read:
// spec.containers[frontend].env[BANNER].value. Lists of named items are keyed by name, so a reordered
// env list is not a difference. Pure.
import { POD_TEMPLATE_HASH, type PodTemplateSpec } from './types.js';

export interface Change {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  from?: unknown;
  to?: unknown;
}

function isNamedList(x: unknown[]): x is Array<{ name: string }> {
  return x.length > 0 && x.every((e) => e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string');
}

function flatten(x: unknown, path: string, out: Map<string, unknown>): void {
  if (Array.isArray(x)) {
    if (isNamedList(x)) {
      for (const e of x) flatten(e, `${path}[${e.name}]`, out);
    } else if (x.every((e) => e === null || typeof e !== 'object')) {
      out.set(path, x);
    } else {
      x.forEach((e, i) => flatten(e, `${path}[${i}]`, out));
    }
    return;
  }
  if (x && typeof x === 'object') {
    const entries = Object.entries(x as Record<string, unknown>);
    if (entries.length === 0) return;
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
    return;
  }
  if (x !== undefined && x !== null) out.set(path, x);
}

function normalize(t: PodTemplateSpec | null): PodTemplateSpec {
  const copy = JSON.parse(JSON.stringify(t ?? {})) as PodTemplateSpec;
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH];
  if (copy.metadata) delete (copy.metadata as Record<string, unknown>).creationTimestamp;
  return copy;
}

export function diffTemplates(active: PodTemplateSpec | null, preview: PodTemplateSpec | null): Change[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(normalize(active), '', a);
  flatten(normalize(preview), '', b);
  const changes: Change[] = [];
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  for (const k of keys) {
    const has = [a.has(k), b.has(k)];
    if (has[0] && !has[1]) changes.push({ path: k, kind: 'removed', from: a.get(k) });
    else if (!has[0] && has[1]) changes.push({ path: k, kind: 'added', to: b.get(k) });
    else if (JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k)))
      changes.push({ path: k, kind: 'changed', from: a.get(k), to: b.get(k) });
  }
  // Images first: that is what people look for.
  const rank = (c: Change) => (/\.image$/.test(c.path) ? 0 : 1);
  return changes.sort((x, y) => rank(x) - rank(y) || x.path.localeCompare(y.path));
}
