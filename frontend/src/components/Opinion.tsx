// The specialist's structured opinion: the form (eConsult answer, video consultation)
// and the card that shows it with its disclaimer. It is advice, never a prescription.
import type { ReactNode } from 'react';
import { Alert, Card, Checkbox, Descriptions, Form, Input, Space, Tag, Typography } from 'antd';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import type { Opinion } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { DiagnosisTags, Icd10Select } from './Icd10Select';

/** The opinion's fields, under the form name `opinion`; test ids start with `prefix`. */
export function OpinionFields({ prefix }: { prefix: string }) {
  const { t } = useI18n();
  return (
    <>
      <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('opinion.noPrescriptionHint')} />
      <Form.Item name={['opinion', 'impression']} label={t('opinion.impression')} rules={[{ required: true, whitespace: true }]}>
        <Input.TextArea rows={3} maxLength={8000} data-testid={`${prefix}-impression`} />
      </Form.Item>
      <Form.Item name={['opinion', 'diagnoses']} label={t('field.diagnoses')}>
        <Icd10Select data-testid={`${prefix}-diagnoses`} />
      </Form.Item>
      <Form.Item
        name={['opinion', 'recommendations']}
        label={t('opinion.recommendations')}
        rules={[{ required: true, whitespace: true }]}
      >
        <Input.TextArea rows={3} maxLength={8000} data-testid={`${prefix}-recommendations`} />
      </Form.Item>
      <Form.Item
        name={['opinion', 'medicationRecommendations']}
        label={t('opinion.medication')}
        extra={t('opinion.medicationHint')}
      >
        <Input.TextArea rows={2} maxLength={8000} data-testid={`${prefix}-medication`} />
      </Form.Item>
      <Space wrap size="large">
        <Form.Item name={['opinion', 'referralAdvised']} valuePropName="checked" style={{ marginBottom: 12 }}>
          <Checkbox data-testid={`${prefix}-referralAdvised`}>{t('opinion.referralAdvised')}</Checkbox>
        </Form.Item>
        <Form.Item name={['opinion', 'videoConsultAdvised']} valuePropName="checked" style={{ marginBottom: 12 }}>
          <Checkbox data-testid={`${prefix}-videoAdvised`}>{t('opinion.videoAdvised')}</Checkbox>
        </Form.Item>
      </Space>
      <Form.Item name={['opinion', 'followUpAdvice']} label={t('opinion.followUp')}>
        <Input.TextArea rows={2} maxLength={8000} data-testid={`${prefix}-followUp`} />
      </Form.Item>
    </>
  );
}

function Text({ value }: { value: string }) {
  const { t } = useI18n();
  return value ? <span style={{ whiteSpace: 'pre-wrap' }}>{value}</span> : <>{t('common.none')}</>;
}

/** The filed opinion, its disclaimer first and prominent. */
export function OpinionCard({ opinion, author, extra }: { opinion: Opinion; author?: string; extra?: ReactNode }) {
  const { t } = useI18n();
  return (
    <Card
      title={
        <Space>
          <SafetyCertificateOutlined />
          {t('opinion.title')}
        </Space>
      }
      extra={extra}
      data-testid="opinion-card"
      styles={{ header: { background: '#f0f7f0' } }}
    >
      <Alert
        type="error"
        showIcon
        style={{ marginBottom: 16 }}
        data-testid="opinion-disclaimer"
        title={<Typography.Text strong>{t('opinion.disclaimerTitle')}</Typography.Text>}
        description={opinion.disclaimer || t('opinion.noPrescriptionHint')}
      />
      <Space wrap style={{ marginBottom: 12 }}>
        {opinion.referralAdvised ? (
          <Tag color="orange" data-testid="opinion-referral-advised">
            {t('opinion.referralAdvised')}
          </Tag>
        ) : null}
        {opinion.videoConsultAdvised ? (
          <Tag color="blue" data-testid="opinion-video-advised">
            {t('opinion.videoAdvised')}
          </Tag>
        ) : null}
      </Space>
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t('opinion.impression')}>
          <span data-testid="opinion-impression">
            <Text value={opinion.impression} />
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('field.diagnoses')}>
          <span data-testid="opinion-diagnoses">
            <DiagnosisTags codes={opinion.diagnoses ?? []} />
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('opinion.recommendations')}>
          <span data-testid="opinion-recommendations">
            <Text value={opinion.recommendations} />
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('opinion.medication')}>
          <span data-testid="opinion-medication">
            <Text value={opinion.medicationRecommendations} />
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('opinion.followUp')}>
          <Text value={opinion.followUpAdvice} />
        </Descriptions.Item>
        <Descriptions.Item label={t('opinion.filed')}>
          {opinion.at ? dayjs(opinion.at).format('YYYY-MM-DD HH:mm') : t('common.none')}
          {author ? ` · ${author}` : ''}
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}
