// Remote ward rounds: the series the institution hosts or attends, scheduling a new
// one (core hospitals), and the follow-up tasks the rounds gave me.
import { useState, type HTMLAttributes } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Button, Card, Checkbox, Col, DatePicker, Form, Input, Row, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { listConsultants } from '../api/consults';
import { listMembers } from '../api/directory';
import { createRound, listMyTasks, listRounds, updateTask } from '../api/rounds';
import type { RoundSeries, RoundTaskItem, RoundWeekday } from '../api/types';
import { ROUND_WEEKDAYS } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { FormModal } from '../components/FormModal';
import { membersByLevel } from '../consults/logic';
import { canScheduleRounds, recurrenceLabel, weekdayNumber } from '../rounds/logic';
import { beijingToday, clockOptions, formatBeijing } from '../schedule/logic';
import { errorText } from '../utils/errorText';
import { showFormError, toDateString } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';

interface RoundValues {
  title: string;
  hostUserId?: string;
  wardInstitutionIds: string[];
  weekday: RoundWeekday;
  time: string;
  durationMinutes: number;
  from: Dayjs;
  until?: Dayjs | null;
}

const DURATIONS = [30, 45, 60, 90, 120, 180];
const CLOCK = clockOptions('07:00', '21:00', 15).map((c) => ({ value: c, label: c }));

export function RoundFormModal({ open, onClose, onSaved }: { open: boolean; onClose: () => void; onSaved: (r: RoundSeries) => void }) {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<RoundValues>();
  const hosts = useLoad(() => (open ? listConsultants(me.institutionId).then((r) => r.items) : Promise.resolve([])), [open]);
  const alliances = me.alliances ?? [];
  const wards = useLoad(
    () =>
      open
        ? Promise.all(alliances.map((a) => listMembers(a.id).then((r) => r.items))).then((xs) => membersByLevel(xs.flat(), me.institutionId))
        : Promise.resolve([]),
    [open],
  );

  const submit = async (v: RoundValues) => {
    try {
      const r = await createRound({
        title: v.title.trim(),
        hostUserId: v.hostUserId || undefined,
        wardInstitutionIds: v.wardInstitutionIds,
        recurrence: {
          weekday: v.weekday,
          time: v.time,
          durationMinutes: v.durationMinutes,
          from: toDateString(v.from),
          until: v.until ? toDateString(v.until) : '',
        },
      });
      message.success(t('rounds.created'));
      onSaved(r);
    } catch (e) {
      const field = (e as { field?: string }).field?.replace('recurrence.', '');
      showFormError(form, field ? Object.assign(e as object, { field }) : e, ['title', 'hostUserId', 'wardInstitutionIds', 'weekday', 'time', 'durationMinutes', 'from', 'until'], t('common.failed'), (m) =>
        message.error(m),
      );
      throw e;
    }
  };

  return (
    <FormModal<RoundValues>
      open={open}
      title={t('rounds.new')}
      testId="round"
      form={form}
      width={640}
      initialValues={{
        hostUserId: me.roles.includes('specialist') ? me.id : undefined,
        weekday: 'tuesday',
        time: '09:00',
        durationMinutes: 90,
        from: dayjs(beijingToday()),
        wardInstitutionIds: [],
      }}
      onCancel={onClose}
      onSubmit={submit}
    >
      <Form.Item name="title" label={t('rounds.roundTitle')} rules={[{ required: true, whitespace: true }]}>
        <Input maxLength={200} data-testid="round-title" />
      </Form.Item>
      <Form.Item name="hostUserId" label={t('rounds.host')} rules={[{ required: !me.roles.includes('specialist') }]}>
        <Select
          loading={hosts.loading}
          options={(hosts.data ?? []).map((u) => ({ value: u.id, label: `${u.displayName} · ${enumLabel(t, 'title', u.title)}` }))}
          data-testid="round-host"
        />
      </Form.Item>
      <Form.Item name="wardInstitutionIds" label={t('rounds.wards')} rules={[{ required: true, type: 'array', min: 1 }]}>
        <Select
          mode="multiple"
          showSearch={{ optionFilterProp: 'label' }}
          loading={wards.loading}
          options={(wards.data ?? []).map((m) => ({ value: m.institutionId, label: m.institution?.name ?? m.institutionId }))}
          data-testid="round-wards"
        />
      </Form.Item>
      <Row gutter={12}>
        <Col xs={24} sm={8}>
          <Form.Item name="weekday" label={t('schedule.weekday')} rules={[{ required: true }]}>
            <Select options={ROUND_WEEKDAYS.map((w) => ({ value: w, label: enumLabel(t, 'weekday', weekdayNumber(w)) }))} data-testid="round-weekday" />
          </Form.Item>
        </Col>
        <Col xs={12} sm={8}>
          <Form.Item name="time" label={t('schedule.start')} rules={[{ required: true }]}>
            <Select showSearch options={CLOCK} data-testid="round-time" />
          </Form.Item>
        </Col>
        <Col xs={12} sm={8}>
          <Form.Item name="durationMinutes" label={t('rounds.duration')} rules={[{ required: true }]}>
            <Select options={DURATIONS.map((n) => ({ value: n, label: t('schedule.minutes', { n }) }))} data-testid="round-duration" />
          </Form.Item>
        </Col>
      </Row>
      <Row gutter={12}>
        <Col span={12}>
          <Form.Item name="from" label={t('schedule.validFrom')} rules={[{ required: true }]}>
            <DatePicker style={{ width: '100%' }} data-testid="round-from" />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="until" label={t('schedule.validUntil')}>
            <DatePicker style={{ width: '100%' }} data-testid="round-until" />
          </Form.Item>
        </Col>
      </Row>
      <Typography.Text type="secondary">{t('schedule.beijingHint')}</Typography.Text>
    </FormModal>
  );
}

function SeriesTable() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const me = useMe();
  const list = useLoad(() => listRounds().then((r) => r.items), []);
  const [creating, setCreating] = useState(false);
  return (
    <>
      <Space style={{ marginBottom: 16 }} wrap>
        <Button icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.refresh')} />
        {canScheduleRounds(me) ? (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="round-new">
            {t('rounds.new')}
          </Button>
        ) : null}
      </Space>
      {list.error ? <Alert type="error" showIcon title={errorText(list.error, t('common.loadFailed'))} style={{ marginBottom: 16 }} /> : null}
      <Table<RoundSeries>
        data-testid="rounds-table"
        rowKey="id"
        loading={list.loading && !list.data}
        dataSource={list.data ?? []}
        pagination={{ pageSize: 25, hideOnSinglePage: true }}
        scroll={{ x: 900 }}
        locale={{ emptyText: t('rounds.empty') }}
        onRow={(r) =>
          ({
            onClick: () => navigate(`/rounds/${r.id}`),
            style: { cursor: 'pointer' },
            'data-testid': 'round-row',
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('rounds.roundTitle'),
            key: 'title',
            render: (_, r) => (
              <Link to={`/rounds/${r.id}`} onClick={(e) => e.stopPropagation()}>
                {r.title}
              </Link>
            ),
          },
          { title: t('rounds.recurrenceLabel'), key: 'rec', render: (_, r) => recurrenceLabel(r.recurrence, t) },
          { title: t('rounds.host'), key: 'host', render: (_, r) => `${r.host.displayName} · ${r.hostInstitution.name}` },
          {
            title: t('rounds.wards'),
            key: 'wards',
            render: (_, r) =>
              r.wardInstitutions.map((w) => (
                <Tag key={w.id} style={{ marginBottom: 2 }}>
                  {w.name}
                </Tag>
              )),
          },
          { title: t('rounds.period'), key: 'period', render: (_, r) => `${r.recurrence.from} – ${r.recurrence.until || t('schedule.openEnded')}` },
        ]}
      />
      <RoundFormModal
        open={creating}
        onClose={() => setCreating(false)}
        onSaved={(r) => {
          setCreating(false);
          navigate(`/rounds/${r.id}`);
        }}
      />
    </>
  );
}

/** Follow-up tasks the rounds gave me (the presenting doctor). */
export function MyTasks() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [all, setAll] = useState(false);
  const list = useLoad(() => listMyTasks(all).then((r) => r.items), [all]);
  const toggle = async (task: RoundTaskItem, done: boolean) => {
    try {
      await updateTask(task.id, task.version, done);
      list.reload();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
      list.reload();
    }
  };
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Checkbox checked={all} onChange={(e) => setAll(e.target.checked)} data-testid="tasks-all">
          {t('rounds.showDone')}
        </Checkbox>
      </Space>
      <Table<RoundTaskItem>
        data-testid="tasks-table"
        rowKey="id"
        size="middle"
        loading={list.loading && !list.data}
        dataSource={list.data ?? []}
        pagination={false}
        scroll={{ x: 760 }}
        locale={{ emptyText: t('rounds.noTasks') }}
        columns={[
          {
            title: t('rounds.done'),
            key: 'done',
            width: 72,
            render: (_, task) => (
              <Checkbox checked={task.done} onChange={(e) => void toggle(task, e.target.checked)} data-testid="task-done" />
            ),
          },
          { title: t('rounds.task'), key: 'text', render: (_, task) => <span style={{ whiteSpace: 'pre-wrap' }}>{task.text}</span> },
          { title: t('field.patient'), key: 'patient', render: (_, task) => task.patient.name },
          { title: t('rounds.dueOn'), key: 'due', render: (_, task) => task.dueOn },
          { title: t('rounds.round'), key: 'round', render: (_, task) => `${task.roundTitle} · ${formatBeijing(task.roundStartsAt)}` },
        ]}
      />
    </>
  );
}

export function RoundsPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'tasks' ? 'tasks' : 'series';
  return (
    <Card title={t('rounds.title')}>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams(k === 'series' ? {} : { tab: k }, { replace: true })}
        items={[
          { key: 'series', label: <span data-testid="rounds-tab-series">{t('rounds.series')}</span>, children: <SeriesTable /> },
          { key: 'tasks', label: <span data-testid="rounds-tab-tasks">{t('rounds.myTasks')}</span>, children: <MyTasks /> },
        ]}
      />
    </Card>
  );
}
