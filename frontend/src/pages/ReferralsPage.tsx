import { useCallback, useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Badge, Button, Card, Select, Space, Table, Tabs, Tooltip, Typography } from 'antd';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { listReferrals } from '../api/referrals';
import type { Direction, Referral, ReferralBox, ReferralStatus, Urgency } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { canRefer } from '../nav/menu';
import { useNotificationListener, useNotifications } from '../notifications/NotificationsProvider';
import { DiagnosisTags } from '../components/Icd10Select';
import { SlaCountdown, StatusTag, UrgencyTag } from '../components/ReferralTags';
import { counterpart } from '../referrals/logic';
import { errorText } from '../utils/errorText';

const PAGE_SIZE = 25;
/** A live refresh reloads what is shown, up to the server's page limit. */
const MAX_LIMIT = 100;

const isBox = (v: string | null): v is ReferralBox => v === 'incoming' || v === 'outgoing';

export function ReferralsPage() {
  const me = useMe();
  const { t } = useI18n();
  const navigate = useNavigate();
  const live = useNotifications();
  const [params, setParams] = useSearchParams();
  const box: ReferralBox = isBox(params.get('box')) ? (params.get('box') as ReferralBox) : 'incoming';
  const [status, setStatus] = useState<ReferralStatus[]>([]);
  const [urgency, setUrgency] = useState<Urgency>();
  const [direction, setDirection] = useState<Direction>();

  const [items, setItems] = useState<Referral[]>([]);
  const [cursor, setCursor] = useState('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const seq = useRef(0);
  const shown = useRef(0);
  shown.current = items.length;

  /** Loads the first page (fresh, `limit` long) or the page after `from`. */
  const load = useCallback(
    async (from: string, limit = PAGE_SIZE) => {
      const mine = ++seq.current;
      setLoading(true);
      try {
        const page = await listReferrals({ box, status, urgency, direction, cursor: from || undefined, limit });
        if (mine !== seq.current) return;
        setItems((prev) => (from ? [...prev, ...page.items.filter((r) => !prev.some((p) => p.id === r.id))] : page.items));
        setCursor(page.nextCursor ?? '');
        setError(null);
      } catch (e) {
        if (mine === seq.current) setError(e);
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [box, status, urgency, direction],
  );

  useEffect(() => {
    setItems([]);
    void load('');
  }, [load]);

  /** Reloads in place: as many rows as are shown now, so "load more" pages are kept. */
  const refresh = useCallback(() => {
    void load('', Math.min(MAX_LIMIT, Math.max(PAGE_SIZE, shown.current)));
  }, [load]);

  // A notification says a referral of this institution changed (possibly a new one): refresh the list.
  useNotificationListener(() => refresh());

  const columns = [
    {
      title: t('field.patient'),
      key: 'patient',
      render: (_: unknown, r: Referral) => (
        <Link to={`/referrals/${r.id}`} onClick={(e) => e.stopPropagation()} data-testid="worklist-patient">
          {r.patient?.name ?? r.patientId}
        </Link>
      ),
    },
    { title: t('field.urgency'), key: 'urgency', render: (_: unknown, r: Referral) => <UrgencyTag urgency={r.urgency} /> },
    { title: t('field.status'), key: 'status', render: (_: unknown, r: Referral) => <StatusTag status={r.status} /> },
    { title: t('field.dueAt'), key: 'due', render: (_: unknown, r: Referral) => <SlaCountdown referral={r} /> },
    {
      title: box === 'incoming' ? t('referrals.counterpartIncoming') : t('referrals.counterpartOutgoing'),
      key: 'counterpart',
      render: (_: unknown, r: Referral) => counterpart(r, box) || t('common.none'),
    },
    { title: t('field.direction'), key: 'direction', render: (_: unknown, r: Referral) => enumLabel(t, 'dir', r.direction) },
    {
      title: t('field.riskGrade'),
      key: 'risk',
      render: (_: unknown, r: Referral) => t('referral.riskShort', { grade: r.riskGrade }),
    },
    {
      title: t('field.diagnoses'),
      key: 'diagnoses',
      render: (_: unknown, r: Referral) => <DiagnosisTags codes={r.diagnoses} />,
    },
    {
      title: t('field.updatedAt'),
      key: 'updated',
      render: (_: unknown, r: Referral) => dayjs(r.updatedAt).format('MM-DD HH:mm'),
    },
  ];

  return (
    <Card
      title={t('referrals.title')}
      extra={
        <Space>
          <Tooltip title={live.connected ? t('referrals.live') : t('referrals.offline')}>
            <Badge status={live.connected ? 'success' : 'default'} data-testid="worklist-live" data-connected={live.connected ? 'true' : 'false'} />
          </Tooltip>
          <Button icon={<ReloadOutlined />} onClick={refresh} aria-label={t('common.refresh')} data-testid="worklist-refresh" />
          {canRefer(me.roles) ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/referrals/new')} data-testid="referral-new">
              {t('referrals.new')}
            </Button>
          ) : null}
        </Space>
      }
    >
      <Tabs
        activeKey={box}
        onChange={(k) => setParams(k === 'incoming' ? {} : { box: k }, { replace: true })}
        items={[
          { key: 'incoming', label: <span data-testid="worklist-tab-incoming">{t('referrals.incoming')}</span> },
          { key: 'outgoing', label: <span data-testid="worklist-tab-outgoing">{t('referrals.outgoing')}</span> },
        ]}
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Select<ReferralStatus[]>
          mode="multiple"
          allowClear
          placeholder={t('referrals.allStatuses')}
          value={status}
          onChange={setStatus}
          options={enumOptions(t, 'rstatus')}
          style={{ minWidth: 220 }}
          maxTagCount="responsive"
          data-testid="worklist-status"
        />
        <Select<Urgency>
          allowClear
          placeholder={t('referrals.allUrgencies')}
          value={urgency}
          onChange={setUrgency}
          options={enumOptions(t, 'urgency')}
          style={{ width: 160 }}
          data-testid="worklist-urgency"
        />
        <Select<Direction>
          allowClear
          placeholder={t('referrals.allDirections')}
          value={direction}
          onChange={setDirection}
          options={enumOptions(t, 'dir')}
          style={{ width: 140 }}
          data-testid="worklist-direction"
        />
      </Space>
      {error ? <Alert type="error" showIcon title={errorText(error, t('common.loadFailed'))} style={{ marginBottom: 16 }} /> : null}
      <Table<Referral>
        data-testid={`worklist-${box}`}
        rowKey="id"
        size="middle"
        loading={loading && items.length === 0}
        dataSource={items}
        columns={columns}
        pagination={false}
        scroll={{ x: 960 }}
        locale={{ emptyText: t('referrals.empty') }}
        onRow={(r) =>
          ({
            onClick: () => navigate(`/referrals/${r.id}`),
            style: { cursor: 'pointer' },
            'data-testid': 'worklist-row',
            'data-status': r.status,
          }) as HTMLAttributes<HTMLElement>
        }
      />
      <div style={{ textAlign: 'center', marginTop: 16 }}>
        {cursor ? (
          <Button onClick={() => void load(cursor)} loading={loading} data-testid="worklist-load-more">
            {t('referrals.loadMore')}
          </Button>
        ) : items.length > 0 ? (
          <Typography.Text type="secondary">{t('referrals.noMore')}</Typography.Text>
        ) : null}
      </div>
    </Card>
  );
}
