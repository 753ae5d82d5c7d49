// One ward-round series: its sessions (materialised from the recurrence), and extra sessions.
import { useState, type HTMLAttributes } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Alert, App, Button, Card, Col, DatePicker, Descriptions, Form, Result, Row, Segmented, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { isApiError } from '../api/client';
import { addOccurrence, getRound, listOccurrences } from '../api/rounds';
import type { RoundOccurrence } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { OccurrenceStatusTag } from '../components/ConsultTags';
import { FormModal } from '../components/FormModal';
import { recurrenceLabel } from '../rounds/logic';
import { addDays, beijing, beijingInstant, beijingToday, clockOptions, formatBeijing } from '../schedule/logic';
import { errorText } from '../utils/errorText';
import { toDateString } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';

type When = 'upcoming' | 'past';
const CLOCK = clockOptions('07:00', '21:00', 15).map((c) => ({ value: c, label: c }));

export function RoundPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const round = useLoad(() => getRound(id), [id]);
  const [when, setWhen] = useState<When>('upcoming');
  const today = beijingToday();
  const occurrences = useLoad(
    () =>
      (when === 'upcoming' ? listOccurrences(id, today, addDays(today, 27)) : listOccurrences(id, addDays(today, -56), addDays(today, -1))).then(
        (r) => (when === 'past' ? [...r.items].reverse() : r.items),
      ),
    [id, when, today],
  );
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<{ date: Dayjs; time: string; durationMinutes: number }>();

  const r = round.data;
  if (!r) {
    if (round.error) {
      const notFound = isApiError(round.error) && (round.error.status === 404 || round.error.status === 403);
      return <Result status={notFound ? '404' : 'error'} title={errorText(round.error, t('common.loadFailed'))} />;
    }
    return (
      <Card>
        <Skeleton active />
      </Card>
    );
  }

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="round-page">
      <Space wrap align="center">
        <Link to="/rounds">
          <Button icon={<ArrowLeftOutlined />}>{t('rounds.back')}</Button>
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {r.title}
        </Typography.Title>
      </Space>
      <Card>
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('rounds.recurrenceLabel')}>{recurrenceLabel(r.recurrence, t)}</Descriptions.Item>
          <Descriptions.Item label={t('rounds.period')}>
            {r.recurrence.from} – {r.recurrence.until || t('schedule.openEnded')}
          </Descriptions.Item>
          <Descriptions.Item label={t('rounds.host')}>
            {r.host.displayName} · {r.hostInstitution.name}
          </Descriptions.Item>
          <Descriptions.Item label={t('rounds.wards')}>
            {r.wardInstitutions.map((w) => (
              <Tag key={w.id}>{w.name}</Tag>
            ))}
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Card
        title={t('rounds.sessions')}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={occurrences.reload} aria-label={t('common.refresh')} />
            {r.canSchedule ? (
              <Button icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="round-add-session">
                {t('rounds.addSession')}
              </Button>
            ) : null}
          </Space>
        }
      >
        <Segmented<When>
          value={when}
          onChange={setWhen}
          options={[
            { value: 'upcoming', label: t('video.upcoming') },
            { value: 'past', label: t('video.past') },
          ]}
          style={{ marginBottom: 16 }}
        />
        {occurrences.error ? <Alert type="error" showIcon title={errorText(occurrences.error, t('common.loadFailed'))} /> : null}
        <Table<RoundOccurrence>
          data-testid="occurrences-table"
          rowKey="id"
          loading={occurrences.loading && !occurrences.data}
          dataSource={occurrences.data ?? []}
          pagination={false}
          locale={{ emptyText: t('rounds.noSessions') }}
          onRow={(o) =>
            ({
              onClick: () => navigate(`/rounds/occurrences/${o.id}`),
              style: { cursor: 'pointer' },
              'data-testid': 'occurrence-row',
            }) as HTMLAttributes<HTMLElement>
          }
          columns={[
            {
              title: t('video.when'),
              key: 'when',
              render: (_, o) => (
                <Link to={`/rounds/occurrences/${o.id}`} onClick={(e) => e.stopPropagation()}>
                  {formatBeijing(o.startsAt)}–{beijing(o.endsAt).time}
                </Link>
              ),
            },
            { title: t('field.status'), key: 'status', render: (_, o) => <OccurrenceStatusTag status={o.status} /> },
            { title: t('video.note'), key: 'note', render: (_, o) => o.note || '' },
          ]}
        />
      </Card>
      <FormModal<{ date: Dayjs; time: string; durationMinutes: number }>
        open={adding}
        title={t('rounds.addSession')}
        testId="session"
        form={form}
        initialValues={{ date: dayjs(addDays(today, 1)), time: r.recurrence.time, durationMinutes: r.recurrence.durationMinutes }}
        onCancel={() => setAdding(false)}
        onSubmit={async (v) => {
          try {
            await addOccurrence(r.id, beijingInstant(toDateString(v.date), v.time), v.durationMinutes);
            message.success(t('rounds.sessionAdded'));
            setAdding(false);
            occurrences.reload();
          } catch (e) {
            message.error(errorText(e, t('common.failed')));
            throw e;
          }
        }}
      >
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="date" label={t('schedule.date')} rules={[{ required: true }]}>
              <DatePicker style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="time" label={t('schedule.start')} rules={[{ required: true }]}>
              <Select showSearch options={CLOCK} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="durationMinutes" label={t('rounds.duration')} rules={[{ required: true }]}>
          <Select options={[30, 45, 60, 90, 120, 180].map((n) => ({ value: n, label: t('schedule.minutes', { n }) }))} />
        </Form.Item>
        <Typography.Text type="secondary">{t('schedule.beijingHint')}</Typography.Text>
      </FormModal>
    </Space>
  );
}
