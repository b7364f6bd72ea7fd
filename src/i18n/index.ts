// Message lookup. The language comes from --lang, then LC_ALL, LC_MESSAGES, LANG (kubectl and gettext
// order); anything starting with "ko" is Korean, everything else English.
import { en, type Catalog } from './en.js';
import { ko } from './ko.js';

export type Lang = 'en' | 'ko';
export type Key = keyof Catalog;
type ParamsOf<K extends Key> = Parameters<Catalog[K]>;
export type T = <K extends Key>(key: K, ...params: ParamsOf<K>) => string;

export function detectLang(flag: string | undefined, env: Record<string, string | undefined>): Lang {
  const pick = flag || env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^ko/i.test(pick) ? 'ko' : 'en';
}

export function translator(lang: Lang): T {
  const catalog: Catalog = lang === 'ko' ? ko : en;
  return ((key: Key, ...params: unknown[]) => (catalog[key] as (...a: unknown[]) => string)(...params)) as T;
}
