// Message lookup. The language comes from --lang, then LC_ALL, LC_MESSAGES, LANG (kubectl and gettext
// order); anything starting with "ko" is Korean, everything else English. Every parameter goes through
// the sanitizer: a message can quote the cluster without the cluster writing to the terminal.
import { en, type Catalog } from './en.js';
import { ko } from './ko.js';
import { cleanParams } from '../sanitize.js';

export type Lang = 'en' | 'ko';
export type Key = keyof Catalog;
export type ParamsOf<K extends Key> = Parameters<Catalog[K]>;
export type T = <K extends Key>(key: K, ...params: ParamsOf<K>) => string;

export function detectLang(flag: string | undefined, env: Record<string, string | undefined>): Lang {
  const pick = flag || env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^ko/i.test(pick) ? 'ko' : 'en';
}

/** Renders a key with parameters that were checked when the sentence was made (errors.ts). */
export function render(t: T, key: Key, params: readonly unknown[]): string {
  return (t as unknown as (k: Key, ...p: readonly unknown[]) => string)(key, ...params);
}

export function translator(lang: Lang): T {
  const catalog: Catalog = lang === 'ko' ? ko : en;
  return ((key: Key, ...params: unknown[]) => (catalog[key] as (...a: unknown[]) => string)(...params.map(cleanParams))) as T;
}
