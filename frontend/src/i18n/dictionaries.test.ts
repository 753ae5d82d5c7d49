import { describe, expect, it } from 'vitest';
import zh from './zh';
import en from './en';
import { ENUM_VALUES, enumLabel, type EnumKind } from './enums';
import { format, storedLang, translator, LANG_STORAGE_KEY } from './translate';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('zh and en have exactly the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  it('no entry is empty', () => {
    for (const [lang, dict] of Object.entries({ zh, en })) {
      for (const [k, v] of Object.entries(dict)) {
        expect(v.trim(), `${lang}:${k}`).not.toBe('');
      }
    }
  });

  it('each key uses the same placeholders in both languages', () => {
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(placeholders(en[k]), k).toEqual(placeholders(zh[k]));
    }
  });

  it('every enum value has a display name in both languages', () => {
    for (const kind of Object.keys(ENUM_VALUES) as EnumKind[]) {
      for (const value of ENUM_VALUES[kind]) {
        const key = `${kind}.${value}`;
        expect(zh, key).toHaveProperty([key]);
        expect(en, key).toHaveProperty([key]);
      }
    }
  });

  it('Chinese is really Chinese and English really English for menu entries', () => {
    expect(zh['menu.home']).toBe('工作台');
    expect(en['menu.home']).toBe('Home');
    expect(/[\u4e00-\u9fff]/.test(en['menu.audit'])).toBe(false);
  });
});

describe('translate', () => {
  it('formats placeholders and leaves unknown ones alone', () => {
    expect(format('欢迎，{name}', { name: '王医生' })).toBe('欢迎，王医生');
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('translator picks the language', () => {
    expect(translator('en')('home.welcome', { name: 'Li' })).toBe('Welcome, Li');
    expect(translator('zh')('menu.users')).toBe('用户');
  });

  it('enumLabel names known values and passes unknown ones through', () => {
    const t = translator('en');
    expect(enumLabel(t, 'role', 'alliance_admin')).toBe('Alliance administrator');
    expect(enumLabel(translator('zh'), 'level', 'chc')).toBe('社区卫生服务中心');
    expect(enumLabel(t, 'role', 'martian')).toBe('martian');
  });

  it('storedLang defaults to Chinese and accepts only known languages', () => {
    const store = (v: string | null) => ({ getItem: (k: string) => (k === LANG_STORAGE_KEY ? v : null) });
    expect(storedLang(undefined)).toBe('zh');
    expect(storedLang(store(null))).toBe('zh');
    expect(storedLang(store('en'))).toBe('en');
    expect(storedLang(store('fr'))).toBe('zh');
    expect(
      storedLang({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBe('zh');
  });
});
