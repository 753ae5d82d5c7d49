import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Empty, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { listAlliances, listInstitutions, listMembers, removeMember } from '../api/directory';
import { listUsers } from '../api/users';
import type { Alliance, Membership } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { useLoad } from '../utils/useLoad';
import { errorText } from '../utils/errorText';
import { MemberFormModal } from '../components/MemberFormModal';

export function MembersPage() {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();

  // The user's own alliances (GET /me); an administrator whose institution is in none sees all alliances.
  const alliances = useLoad<Alliance[]>(
    () => (me.alliances?.length ? Promise.resolve(me.alliances) : listAlliances().then((r) => r.items)),
    [me.alliances],
  );
  const [chosen, setChosen] = useState<string>();
  const alliance = alliances.data?.find((a) => a.id === chosen) ?? alliances.data?.[0];

  const members = useLoad(
    () => (alliance ? listMembers(alliance.id).then((r) => r.items) : Promise.resolve([] as Membership[])),
    [alliance?.id],
  );
  const institutions = useLoad(() => listInstitutions().then((r) => r.items), []);
  const users = useLoad(() => listUsers().then((r) => r.items), []);
  const [modal, setModal] = useState<{ editing?: Membership } | null>(null);

  const candidates = useMemo(() => {
    const taken = new Set((members.data ?? []).map((m) => m.institutionId));
    return (institutions.data ?? []).filter((i) => !taken.has(i.id));
  }, [members.data, institutions.data]);

  const remove = async (m: Membership) => {
    if (!alliance) return;
    try {
      await removeMember(alliance.id, m.institutionId);
      message.success(t('members.removed'));
      members.reload();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    }
  };

  if (!alliances.loading && !alliance) {
    return (
      <Card title={t('members.title')}>
        {alliances.error ? (
          <Alert type="error" showIcon title={errorText(alliances.error, t('common.loadFailed'))} />
        ) : (
          <Empty description={t('members.noAlliance')} />
        )}
      </Card>
    );
  }

  return (
    <Card
      title={
        <Space wrap>
          <span>{t('members.title')}</span>
          {(alliances.data?.length ?? 0) > 1 ? (
            <Select
              value={alliance?.id}
              onChange={setChosen}
              options={alliances.data!.map((a) => ({ value: a.id, label: a.name }))}
              style={{ minWidth: 220 }}
              data-testid="alliance-select"
            />
          ) : (
            <Tag color="cyan" data-testid="alliance-name">
              {alliance?.name}
            </Tag>
          )}
        </Space>
      }
      extra={
        <Button
          type="primary"
          icon={<PlusOutlined />}
          disabled={!alliance || institutions.loading}
          onClick={() => {
            institutions.reload();
            setModal({});
          }}
          data-testid="member-add"
        >
          {t('members.add')}
        </Button>
      }
    >
      {members.error ? (
        <Alert type="error" showIcon title={errorText(members.error, t('common.loadFailed'))} style={{ marginBottom: 16 }} />
      ) : null}
      <Table<Membership>
        data-testid="members-table"
        rowKey="institutionId"
        loading={members.loading || alliances.loading}
        dataSource={members.data ?? []}
        scroll={{ x: 900 }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          {
            title: t('field.institution'),
            key: 'institution',
            width: 260,
            render: (_, m) => (
              <Space>
                <span>{m.institution?.name ?? m.institutionId}</span>
                {m.institutionId === alliance?.initiatorId ? <Tag color="gold">{t('members.initiator')}</Tag> : null}
              </Space>
            ),
          },
          {
            title: t('field.level'),
            key: 'level',
            render: (_, m) => (m.institution ? enumLabel(t, 'level', m.institution.level) : t('common.none')),
          },
          {
            title: t('field.memberRole'),
            dataIndex: 'role',
            render: (v: string) => <Tag color={v === 'core' ? 'blue' : undefined}>{enumLabel(t, 'mrole', v)}</Tag>,
          },
          { title: t('field.joinedOn'), dataIndex: 'joinedOn' },
          {
            title: t('field.convener'),
            key: 'convener',
            render: (_, m) => m.convener?.displayName ?? t('common.none'),
          },
          {
            title: t('field.subRegionalExpert'),
            key: 'expert',
            render: (_, m) => m.subRegionalExpert?.displayName ?? t('common.none'),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            fixed: 'right',
            width: 150,
            render: (_, m) => (
              <Space>
                <Button size="small" onClick={() => setModal({ editing: m })} data-testid="member-edit">
                  {t('common.edit')}
                </Button>
                {m.institutionId !== alliance?.initiatorId ? (
                  <Popconfirm
                    title={t('members.removeConfirm', { name: m.institution?.name ?? m.institutionId })}
                    onConfirm={() => remove(m)}
                    okText={t('common.confirm')}
                    cancelText={t('common.cancel')}
                  >
                    <Button size="small" danger data-testid="member-remove">
                      {t('common.remove')}
                    </Button>
                  </Popconfirm>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      {alliance ? (
        <MemberFormModal
          open={modal !== null}
          allianceId={alliance.id}
          editing={modal?.editing}
          candidates={candidates}
          users={users.data ?? []}
          onClose={() => setModal(null)}
          onSaved={() => {
            setModal(null);
            members.reload();
          }}
        />
      ) : null}
    </Card>
  );
}
