import zh, { type Dict, type DictKey } from './zh';
import en from './en';

export type Lang = 'zh' | 'en';
export const LANGS: readonly Lang[] = ['zh', 'en'];
export const DEFAULT_LANG: Lang = 'zh';
export const LANG_STORAGE_KEY = 'lianxin.lang';

export const dictionaries: Record<Lang, Dict> = { zh, en };

export type Vars = Record<string, string | number>;
export type Translate = (key: DictKey, vars?: Vars) => string;

/** Replaces `{name}` placeholders; unknown placeholders are left as they are. */
export function format(template: string, vars?: Vars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

export function translator(lang: Lang): Translate {
  const dict = dictionaries[lang] ?? dictionaries[DEFAULT_LANG];
  return (key, vars) => format(dict[key] ?? dictionaries[DEFAULT_LANG][key] ?? key, vars);
}

export function isLang(v: unknown): v is Lang {
  return v === 'zh' || v === 'en';
}

/** The language stored by the header switch, else Simplified Chinese. */
export function storedLang(storage: Pick<Storage, 'getItem'> | undefined): Lang {
  try {
    const v = storage?.getItem(LANG_STORAGE_KEY);
    return isLang(v) ? v : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

export function hasKey(key: string): key is DictKey {
  return Object.prototype.hasOwnProperty.call(zh, key);
}
