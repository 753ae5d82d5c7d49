import { useState } from 'react';
import { Alert, Button, Card, Input, Select, Space, Table } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { listInstitutions } from '../api/directory';
import type { Institution, Level } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { useLoad } from '../utils/useLoad';
import { EnumTags } from '../components/EnumTags';
import { InstitutionFormModal } from '../components/InstitutionFormModal';
import { errorText } from '../utils/errorText';

export function InstitutionsPage() {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [level, setLevel] = useState<Level | undefined>();
  const [modal, setModal] = useState<{ editing?: Institution } | null>(null);
  const { data, loading, error, reload } = useLoad(() => listInstitutions(q || undefined, level), [q, level]);

  return (
    <Card
      title={t('institutions.title')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setModal({})} data-testid="institution-add">
          {t('institutions.add')}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('institutions.searchPlaceholder')}
          onSearch={(v) => setQ(v.trim())}
          style={{ width: 260 }}
          data-testid="institution-search"
        />
        <Select<Level>
          allowClear
          placeholder={t('institutions.allLevels')}
          options={enumOptions(t, 'level')}
          value={level}
          onChange={setLevel}
          style={{ width: 200 }}
        />
      </Space>
      {error ? <Alert type="error" showIcon title={errorText(error, t('common.loadFailed'))} style={{ marginBottom: 16 }} /> : null}
      <Table<Institution>
        data-testid="institutions-table"
        rowKey="id"
        loading={loading}
        dataSource={data?.items ?? []}
        scroll={{ x: 900 }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: t('field.name'), dataIndex: 'name', sorter: (a, b) => a.name.localeCompare(b.name, 'zh') },
          { title: t('field.level'), dataIndex: 'level', render: (v: string) => enumLabel(t, 'level', v) },
          { title: t('field.kind'), dataIndex: 'kind', render: (v: string) => enumLabel(t, 'kind', v) },
          { title: t('field.region'), dataIndex: 'regionName', render: (v: string, r) => v || r.regionCode },
          { title: t('field.beds'), dataIndex: 'beds', align: 'right', sorter: (a, b) => a.beds - b.beds },
          {
            title: t('field.subSpecialties'),
            dataIndex: 'subSpecialties',
            render: (v: string[]) => <EnumTags kind="sub" values={v ?? []} />,
          },
          {
            title: t('common.actions'),
            key: 'actions',
            fixed: 'right',
            width: 90,
            render: (_, r) => (
              <Button size="small" onClick={() => setModal({ editing: r })}>
                {t('common.edit')}
              </Button>
            ),
          },
        ]}
      />
      <InstitutionFormModal
        open={modal !== null}
        editing={modal?.editing}
        onClose={() => setModal(null)}
        onSaved={() => {
          setModal(null);
          reload();
        }}
      />
    </Card>
  );
}
