import { useState } from 'react';
import { Alert, App, Button, Card, Input, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { listInstitutions } from '../api/directory';
import { listUsers, resetPassword } from '../api/users';
import type { User } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { useLoad } from '../utils/useLoad';
import { errorText } from '../utils/errorText';
import { EnumTags } from '../components/EnumTags';
import { UserFormModal } from '../components/UserFormModal';
import { InitialPasswordModal } from '../components/InitialPasswordModal';

function isLocked(u: User, now = Date.now()): boolean {
  return !!u.lockedUntil && Date.parse(u.lockedUntil) > now;
}

export function UsersPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [institutionId, setInstitutionId] = useState<string>();
  const users = useLoad(() => listUsers(q || undefined, institutionId), [q, institutionId]);
  const institutions = useLoad(() => listInstitutions().then((r) => r.items), []);
  const [modal, setModal] = useState<{ editing?: User } | null>(null);
  const [password, setPassword] = useState<{ name: string; password: string } | null>(null);

  const reset = async (u: User) => {
    try {
      const r = await resetPassword(u.id);
      setPassword({ name: u.displayName, password: r.initialPassword });
      users.reload();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    }
  };

  return (
    <Card
      title={t('users.title')}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setModal({})} data-testid="user-add">
          {t('users.add')}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('users.searchPlaceholder')}
          onSearch={(v) => setQ(v.trim())}
          style={{ width: 260 }}
          data-testid="user-search"
        />
        <Select<string>
          allowClear
          placeholder={t('users.allInstitutions')}
          value={institutionId}
          onChange={setInstitutionId}
          options={(institutions.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          showSearch={{ optionFilterProp: 'label' }}
          style={{ width: 240 }}
        />
      </Space>
      {users.error ? (
        <Alert type="error" showIcon title={errorText(users.error, t('common.loadFailed'))} style={{ marginBottom: 16 }} />
      ) : null}
      <Table<User>
        data-testid="users-table"
        rowKey="id"
        loading={users.loading}
        dataSource={users.data?.items ?? []}
        scroll={{ x: 1000 }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: t('field.username'), dataIndex: 'username' },
          { title: t('field.displayName'), dataIndex: 'displayName' },
          { title: t('field.institution'), key: 'institution', render: (_, u) => u.institution?.name ?? t('common.none') },
          { title: t('field.roles'), dataIndex: 'roles', render: (v: string[]) => <EnumTags kind="role" values={v} /> },
          { title: t('field.title'), dataIndex: 'title', render: (v: string) => enumLabel(t, 'title', v) },
          {
            title: t('field.status'),
            key: 'status',
            render: (_, u) =>
              u.disabled ? (
                <Tag color="red">{t('users.disabled')}</Tag>
              ) : isLocked(u) ? (
                <Tag color="orange">{t('users.locked')}</Tag>
              ) : (
                <Tag color="green">{t('users.active')}</Tag>
              ),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            fixed: 'right',
            width: 190,
            render: (_, u) => (
              <Space>
                <Button size="small" onClick={() => setModal({ editing: u })} data-testid="user-edit">
                  {t('common.edit')}
                </Button>
                <Popconfirm
                  title={t('users.resetConfirm', { name: u.displayName })}
                  onConfirm={() => reset(u)}
                  okText={t('common.confirm')}
                  cancelText={t('common.cancel')}
                >
                  <Button size="small" data-testid="user-reset">
                    {t('users.resetPassword')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <UserFormModal
        open={modal !== null}
        editing={modal?.editing}
        institutions={institutions.data ?? []}
        onClose={() => setModal(null)}
        onSaved={(u, created) => {
          setModal(null);
          users.reload();
          if (created?.initialPassword) setPassword({ name: u.displayName, password: created.initialPassword });
        }}
      />
      <InitialPasswordModal shown={password} onClose={() => setPassword(null)} />
    </Card>
  );
}
