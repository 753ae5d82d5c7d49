import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Input, Space, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { listAudit, listUsers } from '../api/users';
import type { AuditEntry } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { useLoad } from '../utils/useLoad';
import { errorText } from '../utils/errorText';
import { UserSelect } from '../components/UserSelect';

const PAGE_SIZE = 50;

function detailText(d: unknown): string {
  if (d === null || d === undefined || d === '') return '';
  if (typeof d === 'string') return d;
  try {
    return JSON.stringify(d);
  } catch {
    return String(d);
  }
}

export function AuditPage() {
  const { t } = useI18n();
  const [action, setAction] = useState('');
  const [userId, setUserId] = useState<string>();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const users = useLoad(() => listUsers().then((r) => r.items), []);
  const seq = useRef(0);

  /** Loads the first page (fresh) or the page after `from`. */
  const load = useCallback(
    async (from: string) => {
      const mine = ++seq.current;
      setLoading(true);
      try {
        const page = await listAudit({ cursor: from || undefined, limit: PAGE_SIZE, action: action || undefined, userId });
        if (mine !== seq.current) return;
        setEntries((prev) => (from ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor ?? '');
        setError(null);
      } catch (e) {
        if (mine === seq.current) setError(e);
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [action, userId],
  );

  useEffect(() => {
    void load('');
  }, [load]);

  return (
    <Card title={t('audit.title')}>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('audit.actionPlaceholder')}
          onSearch={(v) => setAction(v.trim())}
          style={{ width: 280 }}
          data-testid="audit-action"
        />
        <UserSelect
          users={users.data ?? []}
          placeholder={t('audit.allUsers')}
          value={userId}
          onChange={(v) => setUserId(v || undefined)}
          style={{ width: 260 }}
          data-testid="audit-user"
        />
      </Space>
      {error ? <Alert type="error" showIcon title={errorText(error, t('common.loadFailed'))} style={{ marginBottom: 16 }} /> : null}
      <Table<AuditEntry>
        data-testid="audit-table"
        rowKey="id"
        size="small"
        loading={loading && entries.length === 0}
        dataSource={entries}
        pagination={false}
        scroll={{ x: 1100 }}
        columns={[
          { title: t('field.at'), dataIndex: 'at', width: 170, render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm:ss') },
          { title: t('field.user'), dataIndex: 'username', width: 130 },
          { title: t('field.action'), dataIndex: 'action', width: 180, render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
          {
            title: t('field.target'),
            key: 'target',
            width: 200,
            render: (_, e) => (e.targetType ? `${e.targetType}${e.targetId ? ' · ' + e.targetId : ''}` : t('common.none')),
          },
          { title: t('field.patient'), dataIndex: 'patientId', width: 120, ellipsis: true },
          { title: t('field.ip'), dataIndex: 'ip', width: 120 },
          {
            title: t('field.detail'),
            dataIndex: 'detail',
            ellipsis: { showTitle: true },
            render: (d: unknown) => detailText(d),
          },
        ]}
      />
      <div style={{ textAlign: 'center', marginTop: 16 }}>
        {cursor ? (
          <Button onClick={() => void load(cursor)} loading={loading} data-testid="audit-load-more">
            {t('audit.loadMore')}
          </Button>
        ) : entries.length > 0 ? (
          <Typography.Text type="secondary">{t('audit.noMore')}</Typography.Text>
        ) : null}
      </div>
    </Card>
  );
}
