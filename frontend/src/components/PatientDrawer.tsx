import { App, Button, Descriptions, Divider, Drawer, Empty, Space, Table, Tag, Upload } from 'antd';
import { MessageOutlined, SwapOutlined, UploadOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useMe } from '../auth/AuthProvider';
import { canRefer } from '../nav/menu';
import { consentFormUrl, FORM_MAX_BYTES, FORM_TYPES, listConsents, uploadConsentForm } from '../api/patients';
import type { Consent, Patient } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { useLoad } from '../utils/useLoad';
import { errorText } from '../utils/errorText';
import { ConsentForm } from './ConsentForm';

/** True when a file may be sent as a scanned consent form. */
export function acceptableForm(file: { type: string; size: number }): boolean {
  return FORM_TYPES.includes(file.type) && file.size > 0 && file.size <= FORM_MAX_BYTES;
}

export function PatientDrawer({ patient, onClose }: { patient: Patient | null; onClose: () => void }) {
  const { t } = useI18n();
  const me = useMe();
  const { message } = App.useApp();
  const consents = useLoad(
    () => (patient ? listConsents(patient.id).then((r) => r.items) : Promise.resolve([] as Consent[])),
    [patient?.id],
  );

  const upload = async (c: Consent, file: File) => {
    if (!patient) return;
    if (!acceptableForm(file)) {
      message.error(t('patients.formRejected'));
      return;
    }
    try {
      await uploadConsentForm(patient.id, c.id, file);
      message.success(t('patients.formUploaded'));
      consents.reload();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    }
  };

  return (
    <Drawer
      open={patient !== null}
      onClose={onClose}
      title={patient ? `${t('patients.detail')} · ${patient.name}` : t('patients.detail')}
      size={720}
      destroyOnHidden
      data-testid="patient-drawer"
      extra={
        patient && canRefer(me.roles) ? (
          <Space>
            <Link to={`/consults/new?patientId=${encodeURIComponent(patient.id)}`}>
              <Button icon={<MessageOutlined />} data-testid="patient-ask">
                {t('consults.new')}
              </Button>
            </Link>
            <Link to={`/referrals/new?patientId=${encodeURIComponent(patient.id)}`}>
              <Button type="primary" icon={<SwapOutlined />} data-testid="patient-refer">
                {t('referrals.new')}
              </Button>
            </Link>
          </Space>
        ) : null
      }
    >
      {patient ? (
        <>
          <Descriptions column={{ xs: 1, md: 2 }} size="small" bordered>
            <Descriptions.Item label={t('field.patientName')}>{patient.name}</Descriptions.Item>
            <Descriptions.Item label={t('field.sex')}>{enumLabel(t, 'sex', patient.sex)}</Descriptions.Item>
            <Descriptions.Item label={t('field.birthDate')}>{patient.birthDate}</Descriptions.Item>
            <Descriptions.Item label={t('field.nationalId')}>{patient.nationalIdMasked}</Descriptions.Item>
            <Descriptions.Item label={t('field.phone')}>{patient.phone || t('common.none')}</Descriptions.Item>
            <Descriptions.Item label={t('field.homeInstitution')}>
              {patient.homeInstitution?.name ?? t('common.none')}
            </Descriptions.Item>
            <Descriptions.Item label={t('field.severeDisorder')}>
              {patient.severeDisorder ? <Tag color="red">{t('common.yes')}</Tag> : t('common.no')}
            </Descriptions.Item>
            <Descriptions.Item label={t('field.diagnosisCode')}>{patient.diagnosisCode || t('common.none')}</Descriptions.Item>
          </Descriptions>
          <Divider titlePlacement="start">{t('patients.consents')}</Divider>
          <Table<Consent>
            data-testid="consents-table"
            rowKey="id"
            size="small"
            loading={consents.loading}
            dataSource={consents.data ?? []}
            pagination={false}
            scroll={{ x: 640 }}
            locale={{ emptyText: <Empty description={t('patients.noConsents')} /> }}
            columns={[
              { title: t('field.scope'), dataIndex: 'scope', render: (v: string) => enumLabel(t, 'scope', v) },
              {
                title: t('field.signedBy'),
                key: 'signer',
                render: (_, c) =>
                  `${c.signerName} (${enumLabel(t, 'signedBy', c.signedBy)}${c.signerRelation ? ' · ' + c.signerRelation : ''})`,
              },
              { title: t('field.signedOn'), dataIndex: 'signedOn' },
              {
                title: t('field.form'),
                key: 'form',
                render: (_, c) => (
                  <Space>
                    {c.hasForm ? (
                      <a href={consentFormUrl(patient.id, c.id)} target="_blank" rel="noreferrer">
                        {t('patients.viewForm')}
                      </a>
                    ) : null}
                    <Upload
                      accept={FORM_TYPES.join(',')}
                      showUploadList={false}
                      beforeUpload={(file) => {
                        void upload(c, file);
                        return false;
                      }}
                    >
                      <Button size="small" icon={<UploadOutlined />} data-testid="consent-upload">
                        {t('patients.uploadForm')}
                      </Button>
                    </Upload>
                  </Space>
                ),
              },
            ]}
          />
          <Divider titlePlacement="start">{t('patients.addConsent')}</Divider>
          <ConsentForm patientId={patient.id} onAdded={() => consents.reload()} />
        </>
      ) : null}
    </Drawer>
  );
}
