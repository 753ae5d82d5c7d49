import { Button } from 'antd';
import { GlobalOutlined } from '@ant-design/icons';
import { useI18n } from '../i18n/I18nProvider';

/** Toggles between Simplified Chinese and English; the choice is kept in localStorage. */
export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <Button
      data-testid="lang-switch"
      icon={<GlobalOutlined />}
      onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
      lang={lang === 'zh' ? 'en' : 'zh-CN'}
    >
      {t('lang.switchTo')}
    </Button>
  );
}
