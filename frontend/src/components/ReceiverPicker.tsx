import { Empty, Radio, Space, Spin, Tag, Typography } from 'antd';
import type { ReceiverSuggestion } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';

interface Props {
  value?: string;
  onChange?: (id: string) => void;
  suggestions: ReceiverSuggestion[];
  loading: boolean;
}

/** The ranked receivers of a matched referral, each with the reasons for its place. */
export function ReceiverPicker({ value, onChange, suggestions, loading }: Props) {
  const { t } = useI18n();
  if (loading && suggestions.length === 0) return <Spin />;
  if (suggestions.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('referralForm.noSuggestions')} />;
  return (
    <Radio.Group value={value} onChange={(e) => onChange?.(e.target.value as string)} style={{ width: '100%' }} data-testid="receiver-picker">
      <Space orientation="vertical" style={{ width: '100%' }}>
        {suggestions.map((s, i) => (
          <div key={s.institution.id} data-testid="receiver-option" data-institution-id={s.institution.id}>
            <Radio
              value={s.institution.id}
              style={{
                width: '100%',
                padding: '8px 12px',
                border: `1px solid ${value === s.institution.id ? '#2f6f73' : '#f0f0f0'}`,
                borderRadius: 8,
              }}
            >
              <Space orientation="vertical" size={2}>
                <Typography.Text strong>
                  {i + 1}. {s.institution.name}
                </Typography.Text>
                <Space size={4} wrap>
                  <Tag>{enumLabel(t, 'level', s.institution.level)}</Tag>
                  {s.institution.regionName ? <Tag>{s.institution.regionName}</Tag> : null}
                  {s.reasons.map((r) => (
                    <Tag color="green" key={r} data-testid="receiver-reason">
                      {enumLabel(t, 'sreason', r)}
                    </Tag>
                  ))}
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('referralForm.openLoad', { n: s.openLoad })}
                  </Typography.Text>
                </Space>
              </Space>
            </Radio>
          </div>
        ))}
      </Space>
    </Radio.Group>
  );
}
