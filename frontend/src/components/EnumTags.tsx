import { Tag } from 'antd';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, type EnumKind } from '../i18n/enums';

export function EnumTags({ kind, values, color }: { kind: EnumKind; values: readonly string[]; color?: string }) {
  const { t } = useI18n();
  if (!values?.length) return <>{t('common.none')}</>;
  return (
    <>
      {values.map((v) => (
        <Tag key={v} color={color} style={{ marginBottom: 2 }}>
          {enumLabel(t, kind, v)}
        </Tag>
      ))}
    </>
  );
}
