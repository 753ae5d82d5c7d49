import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { LANG_STORAGE_KEY, storedLang, translator, type Lang, type Translate } from './translate';

interface I18nValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
}

const THEME = {
  token: { colorPrimary: '#2f6f73' },
  components: { Menu: { itemSelectedBg: '#e3f0f0', itemSelectedColor: '#2f6f73' } },
};

const I18nContext = createContext<I18nValue | null>(null);

function localStore(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => storedLang(localStore()));

  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStore()?.setItem(LANG_STORAGE_KEY, next);
    } catch {
      /* private mode: keep it for this page only */
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
  }, [lang]);

  const value = useMemo(() => ({ lang, setLang, t: translator(lang) }), [lang, setLang]);

  return (
    <I18nContext.Provider value={value}>
      <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={THEME}>
        {children}
      </ConfigProvider>
    </I18nContext.Provider>
  );
}

export function useI18n(): I18nValue {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
