// The eConsult worklists: what the institution asked (sent), what it was asked (queue),
// and what is assigned to me (mine, for specialists).
import { useState, type HTMLAttributes } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Button, Card, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { PauseCircleOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { listConsults } from '../api/consults';
import type { Consult, ConsultBox, ConsultStatus } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { ConsultStatusTag } from '../components/ConsultTags';
import { DiagnosisTags } from '../components/Icd10Select';
import { UrgencyTag } from '../components/ReferralTags';
import { canAskConsult, consultBoxesFor, formatSeconds } from '../consults/logic';
import { errorText } from '../utils/errorText';
import { useLoad } from '../utils/useLoad';

export function ConsultsPage() {
  const me = useMe();
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const boxes = consultBoxesFor(me.roles);
  const asked = params.get('box') as ConsultBox | null;
  const box: ConsultBox = asked && boxes.includes(asked) ? asked : boxes[0];
  const [status, setStatus] = useState<ConsultStatus[]>([]);
  const list = useLoad(() => listConsults(box, status).then((r) => r.items), [box, status.join(',')]);

  const columns = [
    {
      title: t('field.patient'),
      key: 'patient',
      render: (_: unknown, c: Consult) => (
        <Link to={`/consults/${c.id}`} onClick={(e) => e.stopPropagation()} data-testid="consult-row-patient">
          {c.patient?.name ?? c.patientId}
        </Link>
      ),
    },
    {
      title: t('field.status'),
      key: 'status',
      render: (_: unknown, c: Consult) => (
        <Space size={4}>
          <ConsultStatusTag status={c.status} />
          {c.status === 'info_requested' ? <PauseCircleOutlined title={t('consult.clockPaused')} /> : null}
        </Space>
      ),
    },
    { title: t('field.urgency'), key: 'urgency', render: (_: unknown, c: Consult) => <UrgencyTag urgency={c.urgency} /> },
    {
      title: box === 'sent' ? t('consult.target') : t('consult.requester'),
      key: 'counterpart',
      render: (_: unknown, c: Consult) =>
        (box === 'sent' ? c.targetInstitution?.name : c.requesterInstitution?.name) ?? t('common.none'),
    },
    {
      title: t('consult.question'),
      key: 'question',
      render: (_: unknown, c: Consult) => (
        <Typography.Text ellipsis style={{ maxWidth: 280 }}>
          {c.question}
        </Typography.Text>
      ),
    },
    {
      title: t('field.subSpecialty'),
      key: 'sub',
      render: (_: unknown, c: Consult) => (c.subSpecialty ? enumLabel(t, 'sub', c.subSpecialty) : t('common.none')),
    },
    { title: t('field.diagnoses'), key: 'diagnoses', render: (_: unknown, c: Consult) => <DiagnosisTags codes={c.diagnoses} /> },
    {
      title: t('consult.responseTime'),
      key: 'response',
      render: (_: unknown, c: Consult) =>
        c.responseSeconds != null ? formatSeconds(c.responseSeconds, t) : t('common.none'),
    },
    {
      title: t('consult.submittedAt'),
      key: 'submitted',
      render: (_: unknown, c: Consult) => dayjs(c.submittedAt).format('MM-DD HH:mm'),
    },
    {
      title: t('consult.referral'),
      key: 'referral',
      render: (_: unknown, c: Consult) => (c.referralId ? <Tag color="purple">{t('consult.referred')}</Tag> : null),
    },
  ];

  return (
    <Card
      title={t('consults.title')}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.refresh')} data-testid="consults-refresh" />
          {canAskConsult(me.roles) ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/consults/new')} data-testid="consult-new">
              {t('consults.new')}
            </Button>
          ) : null}
        </Space>
      }
    >
      <Tabs
        activeKey={box}
        onChange={(k) => setParams(k === boxes[0] ? {} : { box: k }, { replace: true })}
        items={boxes.map((b) => ({ key: b, label: <span data-testid={`consults-tab-${b}`}>{t(`consults.box.${b}`)}</span> }))}
      />
      <Space wrap style={{ marginBottom: 16 }}>
        <Select<ConsultStatus[]>
          mode="multiple"
          allowClear
          placeholder={t('referrals.allStatuses')}
          value={status}
          onChange={setStatus}
          options={enumOptions(t, 'cstatus')}
          style={{ minWidth: 220 }}
          maxTagCount="responsive"
          data-testid="consults-status"
        />
      </Space>
      {list.error ? <Alert type="error" showIcon title={errorText(list.error, t('common.loadFailed'))} style={{ marginBottom: 16 }} /> : null}
      <Table<Consult>
        data-testid={`consults-${box}`}
        rowKey="id"
        size="middle"
        loading={list.loading && !list.data}
        dataSource={list.data ?? []}
        columns={columns}
        pagination={{ pageSize: 25, hideOnSinglePage: true }}
        scroll={{ x: 1000 }}
        locale={{ emptyText: t('consults.empty') }}
        onRow={(c) =>
          ({
            onClick: () => navigate(`/consults/${c.id}`),
            style: { cursor: 'pointer' },
            'data-testid': 'consult-row',
            'data-status': c.status,
          }) as HTMLAttributes<HTMLElement>
        }
      />
    </Card>
  );
}
