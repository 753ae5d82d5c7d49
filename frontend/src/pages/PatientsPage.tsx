import { useState } from 'react';
import { Alert, Button, Card, Input, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { listPatients } from '../api/patients';
import type { Patient } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { useLoad } from '../utils/useLoad';
import { errorText } from '../utils/errorText';
import { PatientFormModal } from '../components/PatientFormModal';
import { PatientDrawer } from '../components/PatientDrawer';

export function PatientsPage() {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const patients = useLoad(() => listPatients(q || undefined), [q]);
  const [registering, setRegistering] = useState(false);
  const [open, setOpen] = useState<Patient | null>(null);

  return (
    <Card
      title={t('patients.title')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setRegistering(true)} data-testid="patient-add">
          {t('patients.register')}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('patients.searchPlaceholder')}
          onSearch={(v) => setQ(v.trim())}
          style={{ width: 300 }}
          data-testid="patient-search"
        />
      </Space>
      {patients.error ? (
        <Alert type="error" showIcon title={errorText(patients.error, t('common.loadFailed'))} style={{ marginBottom: 16 }} />
      ) : null}
      <Table<Patient>
        data-testid="patients-table"
        rowKey="id"
        loading={patients.loading}
        dataSource={patients.data?.items ?? []}
        scroll={{ x: 800 }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        onRow={(p) => ({ onClick: () => setOpen(p), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('field.patientName'), dataIndex: 'name' },
          { title: t('field.sex'), dataIndex: 'sex', render: (v: string) => enumLabel(t, 'sex', v) },
          { title: t('field.birthDate'), dataIndex: 'birthDate' },
          { title: t('field.nationalId'), dataIndex: 'nationalIdMasked' },
          {
            title: t('field.severeDisorder'),
            dataIndex: 'severeDisorder',
            render: (v: boolean) => (v ? <Tag color="red">{t('common.yes')}</Tag> : t('common.no')),
          },
          { title: t('field.diagnosisCode'), dataIndex: 'diagnosisCode', render: (v: string) => v || t('common.none') },
          { title: t('field.homeInstitution'), key: 'home', render: (_, p) => p.homeInstitution?.name ?? t('common.none') },
        ]}
      />
      <PatientFormModal
        open={registering}
        onClose={() => setRegistering(false)}
        onSaved={(p) => {
          setRegistering(false);
          patients.reload();
          setOpen(p);
        }}
      />
      <PatientDrawer patient={open} onClose={() => setOpen(null)} />
    </Card>
  );
}
