// Teaching: lectures and difficult-case conferences across the alliance, with
// registration, the room, self check-in, recordings for later viewing, and my
// training credit (attended minutes at rounds and lectures, per year).
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Empty,
  Form,
  Input,
  List,
  Radio,
  Row,
  Segmented,
  Select,
  Space,
  Switch,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { PlusOutlined, ReloadOutlined, VideoCameraOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { listConsultants } from '../api/consults';
import {
  addRecording,
  checkInLecture,
  createLecture,
  listLectures,
  listRecordings,
  registerForLecture,
  trainingCredits,
  unregisterFromLecture,
} from '../api/rounds';
import type { Lecture, LectureKind, Patient, TrainingCredit } from '../api/types';
import { LECTURE_KINDS } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { FormModal } from '../components/FormModal';
import { PatientSelect } from '../components/PatientSelect';
import { canScheduleTeaching, checkInOpen, creditHours, formatMinutes, isClinician, LECTURE_KIND_COLORS, roomOpen } from '../rounds/logic';
import { addDays, beijing, beijingInstant, beijingToday, clockOptions, formatBeijing } from '../schedule/logic';
import { errorText } from '../utils/errorText';
import { showFormError, toDateString } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';
import { useNow } from '../utils/useNow';

type When = 'upcoming' | 'past' | 'recorded';
const CLOCK = clockOptions('07:00', '21:00', 15).map((c) => ({ value: c, label: c }));

interface LectureValues {
  kind: LectureKind;
  title: string;
  description?: string;
  presenterUserId?: string;
  date: Dayjs;
  time: string;
  durationMinutes: number;
  recordingEnabled: boolean;
}

function LectureFormModal({ open, onClose, onSaved }: { open: boolean; onClose: () => void; onSaved: () => void }) {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<LectureValues>();
  const kind = Form.useWatch('kind', form);
  const [patient, setPatient] = useState<Patient | null>(null);
  const presenters = useLoad(() => (open ? listConsultants(me.institutionId).then((r) => r.items) : Promise.resolve([])), [open]);
  const presents = me.roles.includes('doctor') || me.roles.includes('specialist');

  const submit = async (v: LectureValues) => {
    try {
      await createLecture({
        kind: v.kind,
        title: v.title.trim(),
        description: v.description?.trim() || undefined,
        presenterUserId: v.presenterUserId || undefined,
        startsAt: beijingInstant(toDateString(v.date), v.time),
        durationMinutes: v.durationMinutes,
        recordingEnabled: !!v.recordingEnabled,
        patientId: v.kind === 'case_conference' && patient ? patient.id : undefined,
      });
      message.success(t('lectures.created'));
      setPatient(null);
      onSaved();
    } catch (e) {
      showFormError(form, e, ['kind', 'title', 'description', 'presenterUserId', 'durationMinutes', 'recordingEnabled'], t('common.failed'), (m) =>
        message.error(m),
      );
      throw e;
    }
  };

  return (
    <FormModal<LectureValues>
      open={open}
      title={t('lectures.new')}
      testId="lecture"
      form={form}
      width={640}
      initialValues={{
        kind: 'lecture',
        date: dayjs(addDays(beijingToday(), 7)),
        time: '14:00',
        durationMinutes: 60,
        recordingEnabled: false,
        presenterUserId: presents ? me.id : undefined,
      }}
      onCancel={() => {
        setPatient(null);
        onClose();
      }}
      onSubmit={submit}
    >
      <Form.Item name="kind" label={t('lectures.kind')} rules={[{ required: true }]}>
        <Radio.Group optionType="button" buttonStyle="solid" options={enumOptions(t, 'lkind')} data-testid="lecture-kind" />
      </Form.Item>
      <Form.Item name="title" label={t('lectures.lectureTitle')} rules={[{ required: true, whitespace: true }]}>
        <Input maxLength={200} data-testid="lecture-title" />
      </Form.Item>
      <Form.Item name="description" label={t('lectures.description')}>
        <Input.TextArea rows={3} maxLength={8000} data-testid="lecture-description" />
      </Form.Item>
      <Form.Item name="presenterUserId" label={t('lectures.presenter')} rules={[{ required: !presents }]}>
        <Select
          allowClear={presents}
          loading={presenters.loading}
          options={[
            ...(presents && !(presenters.data ?? []).some((u) => u.id === me.id) ? [{ value: me.id, label: me.displayName }] : []),
            ...(presenters.data ?? []).map((u) => ({ value: u.id, label: `${u.displayName} · ${enumLabel(t, 'title', u.title)}` })),
          ]}
          data-testid="lecture-presenter"
        />
      </Form.Item>
      <Row gutter={12}>
        <Col xs={24} sm={10}>
          <Form.Item name="date" label={t('schedule.date')} rules={[{ required: true }]}>
            <DatePicker style={{ width: '100%' }} data-testid="lecture-date" />
          </Form.Item>
        </Col>
        <Col xs={12} sm={7}>
          <Form.Item name="time" label={t('schedule.start')} rules={[{ required: true }]}>
            <Select showSearch options={CLOCK} data-testid="lecture-time" />
          </Form.Item>
        </Col>
        <Col xs={12} sm={7}>
          <Form.Item name="durationMinutes" label={t('rounds.duration')} rules={[{ required: true }]}>
            <Select options={[30, 45, 60, 90, 120, 180].map((n) => ({ value: n, label: t('schedule.minutes', { n }) }))} data-testid="lecture-duration" />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="recordingEnabled" label={t('lectures.recordingEnabled')} valuePropName="checked" extra={t('lectures.recordingHint')}>
        <Switch data-testid="lecture-recording" />
      </Form.Item>
      {kind === 'case_conference' ? (
        <Form.Item label={t('lectures.patient')} extra={t('lectures.patientHint')}>
          <PatientSelect value={patient} onChange={setPatient} data-testid="lecture-patient" />
        </Form.Item>
      ) : null}
      <Typography.Text type="secondary">{t('schedule.beijingHint')}</Typography.Text>
    </FormModal>
  );
}

function Recordings({ lecture }: { lecture: Lecture }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const list = useLoad(() => listRecordings(lecture.id).then((r) => r.items), [lecture.id]);
  const [form] = Form.useForm<{ title: string; location: string }>();
  const add = async (v: { title: string; location: string }) => {
    try {
      await addRecording(lecture.id, v.title.trim(), v.location.trim());
      message.success(t('lectures.recordingAdded'));
      form.resetFields();
      list.reload();
    } catch (e) {
      showFormError(form, e, ['title', 'location'], t('common.failed'), (m) => message.error(m));
    }
  };
  return (
    <div data-testid="lecture-recordings">
      {list.data?.length ? (
        <List
          size="small"
          dataSource={list.data}
          renderItem={(r) => (
            <List.Item data-testid="recording-item">
              <Space wrap>
                <VideoCameraOutlined />
                {/^https:\/\//.test(r.location) ? (
                  <a href={r.location} target="_blank" rel="noreferrer">
                    {r.title}
                  </a>
                ) : (
                  <Typography.Text>{r.title}</Typography.Text>
                )}
                <Typography.Text type="secondary" copyable={{ text: r.location }}>
                  {r.location}
                </Typography.Text>
                <Typography.Text type="secondary">{dayjs(r.createdAt).format('YYYY-MM-DD')}</Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      ) : (
        <Typography.Text type="secondary">{list.loading ? '' : t('lectures.noRecordings')}</Typography.Text>
      )}
      {lecture.canManage && lecture.recordingEnabled ? (
        <Form form={form} layout="inline" style={{ marginTop: 8, rowGap: 8 }} onFinish={(v) => void add(v)}>
          <Form.Item name="title" rules={[{ required: true, whitespace: true }]}>
            <Input maxLength={200} placeholder={t('lectures.recordingTitle')} data-testid="recording-title" />
          </Form.Item>
          <Form.Item name="location" rules={[{ required: true, whitespace: true }]} style={{ minWidth: 280 }}>
            <Input maxLength={1000} placeholder={t('lectures.recordingLocation')} data-testid="recording-location" />
          </Form.Item>
          <Button htmlType="submit" icon={<PlusOutlined />} data-testid="recording-add">
            {t('lectures.addRecording')}
          </Button>
        </Form>
      ) : null}
    </div>
  );
}

function LectureList() {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const now = useNow();
  const [when, setWhen] = useState<When>('upcoming');
  const [kind, setKind] = useState<LectureKind>();
  const [creating, setCreating] = useState(false);
  const today = beijingToday();
  const list = useLoad(
    () =>
      listLectures({
        kind,
        from: when === 'upcoming' ? today : undefined,
        to: when === 'past' ? addDays(today, -1) : undefined,
        recorded: when === 'recorded',
      }).then((r) => (when === 'upcoming' ? r.items : [...r.items].reverse())),
    [when, kind, today],
  );
  const clinician = isClinician(me.roles);

  const run = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      message.success(done);
      list.reload();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    }
  };

  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <Segmented<When>
          value={when}
          onChange={setWhen}
          options={[
            { value: 'upcoming', label: t('video.upcoming') },
            { value: 'past', label: t('video.past') },
            { value: 'recorded', label: t('lectures.withRecordings') },
          ]}
        />
        <Select<LectureKind>
          allowClear
          placeholder={t('lectures.allKinds')}
          value={kind}
          onChange={setKind}
          options={LECTURE_KINDS.map((k) => ({ value: k, label: enumLabel(t, 'lkind', k) }))}
          style={{ width: 160 }}
        />
        <Button icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.refresh')} />
        {canScheduleTeaching(me.roles) ? (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="lecture-new">
            {t('lectures.new')}
          </Button>
        ) : null}
      </Space>
      {list.error ? <Alert type="error" showIcon title={errorText(list.error, t('common.loadFailed'))} style={{ marginBottom: 16 }} /> : null}
      <Table<Lecture>
        data-testid="lectures-table"
        rowKey="id"
        size="middle"
        loading={list.loading && !list.data}
        dataSource={list.data ?? []}
        pagination={{ pageSize: 25, hideOnSinglePage: true }}
        scroll={{ x: 1000 }}
        locale={{ emptyText: t('lectures.empty') }}
        expandable={{ expandedRowRender: (l) => <Recordings lecture={l} />, rowExpandable: () => true }}
        columns={[
          {
            title: t('lectures.lectureTitle'),
            key: 'title',
            render: (_, l) => (
              <Space orientation="vertical" size={0}>
                <Space size={4} wrap>
                  <Tag color={LECTURE_KIND_COLORS[l.kind]}>{enumLabel(t, 'lkind', l.kind)}</Tag>
                  <Typography.Text strong data-testid="lecture-title-text">
                    {l.title}
                  </Typography.Text>
                </Space>
                {l.description ? (
                  <Typography.Text type="secondary" ellipsis style={{ maxWidth: 320 }}>
                    {l.description}
                  </Typography.Text>
                ) : null}
                {l.patient ? <Typography.Text type="secondary">{t('lectures.patientShort', { name: l.patient.name })}</Typography.Text> : null}
              </Space>
            ),
          },
          { title: t('video.when'), key: 'when', render: (_, l) => `${formatBeijing(l.startsAt)}–${beijing(l.endsAt).time}` },
          { title: t('lectures.presenter'), key: 'presenter', render: (_, l) => `${l.presenter.displayName} · ${l.presenterInstitution.name}` },
          {
            title: t('lectures.registrations'),
            key: 'reg',
            render: (_, l) => (
              <Space size={4}>
                {l.registrationCount}
                {l.registered ? <Tag color="green">{t('lectures.registered')}</Tag> : null}
              </Space>
            ),
          },
          {
            title: t('lectures.recordings'),
            key: 'rec',
            render: (_, l) => (l.recordingEnabled ? <Tag color="red">{t('lectures.recordingOn', { n: l.recordingCount })}</Tag> : l.recordingCount || ''),
          },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, l) => (
              <Space wrap>
                {clinician && Date.parse(l.endsAt) > now ? (
                  l.registered ? (
                    <Button size="small" onClick={() => void run(() => unregisterFromLecture(l.id), t('lectures.unregistered'))} data-testid="lecture-unregister">
                      {t('lectures.unregister')}
                    </Button>
                  ) : (
                    <Button size="small" type="primary" onClick={() => void run(() => registerForLecture(l.id), t('lectures.registeredDone'))} data-testid="lecture-register">
                      {t('lectures.register')}
                    </Button>
                  )
                ) : null}
                {roomOpen(l, now) ? (
                  <Link to={`/rooms/${l.roomId}`} data-testid="lecture-join">
                    <Button size="small" icon={<VideoCameraOutlined />}>
                      {t('video.join')}
                    </Button>
                  </Link>
                ) : null}
                {clinician && checkInOpen(l, now) ? (
                  <Button size="small" onClick={() => void run(() => checkInLecture(l.id, 'join'), t('rounds.checkedIn'))} data-testid="lecture-checkin">
                    {t('rounds.checkIn')}
                  </Button>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      <LectureFormModal
        open={creating}
        onClose={() => setCreating(false)}
        onSaved={() => {
          setCreating(false);
          list.reload();
        }}
      />
    </>
  );
}

function Credits() {
  const { t } = useI18n();
  const list = useLoad(() => trainingCredits().then((r) => r.items), []);
  return list.data && !list.data.length ? (
    <Empty description={t('lectures.noCredits')} data-testid="credits-empty" />
  ) : (
    <Table<TrainingCredit>
      data-testid="credits-table"
      rowKey="year"
      loading={list.loading && !list.data}
      dataSource={list.data ?? []}
      pagination={false}
      columns={[
        { title: t('lectures.year'), key: 'year', render: (_, c) => c.year },
        { title: t('lectures.roundMinutes'), key: 'r', render: (_, c) => formatMinutes(c.roundMinutes, t) },
        { title: t('lectures.lectureMinutes'), key: 'l', render: (_, c) => formatMinutes(c.lectureMinutes, t) },
        {
          title: t('lectures.total'),
          key: 't',
          render: (_, c) => (
            <Typography.Text strong>
              {formatMinutes(c.totalMinutes, t)} ({t('lectures.hours', { h: creditHours(c.totalMinutes) })})
            </Typography.Text>
          ),
        },
        { title: t('lectures.sessions'), key: 's', render: (_, c) => c.sessions },
      ]}
    />
  );
}

export function LecturesPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'credits' ? 'credits' : 'lectures';
  return (
    <Card title={t('lectures.title')}>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams(k === 'lectures' ? {} : { tab: k }, { replace: true })}
        items={[
          { key: 'lectures', label: <span data-testid="lectures-tab-list">{t('lectures.list')}</span>, children: <LectureList /> },
          { key: 'credits', label: <span data-testid="lectures-tab-credits">{t('lectures.myCredits')}</span>, children: <Credits /> },
        ]}
      />
    </Card>
  );
}
