// One ward-round session: joining its room and recording attendance, the case list the
// member wards present, the host's notes and recommendations per case, and follow-up
// tasks for the presenting doctor.
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  DatePicker,
  Descriptions,
  Empty,
  Form,
  Input,
  List,
  Result,
  Skeleton,
  Space,
  Table,
  Typography,
} from 'antd';
import { ArrowLeftOutlined, LoginOutlined, LogoutOutlined, PlusOutlined, ReloadOutlined, VideoCameraOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { isApiError } from '../api/client';
import { listConsents } from '../api/patients';
import {
  actOnOccurrence,
  addTask,
  checkInRound,
  getCase,
  getOccurrence,
  listCases,
  presentCase,
  roundAttendance,
  updateTask,
  writeCaseNotes,
} from '../api/rounds';
import type { Attendee, OccurrenceAction, Patient, RoundCase, RoundOccurrenceDetail } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { ConsentButton } from '../components/ConsentForm';
import { OccurrenceStatusTag } from '../components/ConsultTags';
import { FormModal } from '../components/FormModal';
import { PatientSelect } from '../components/PatientSelect';
import { canPresentCase, checkInOpen, formatMinutes, roomOpen } from '../rounds/logic';
import { beijing, beijingToday, formatBeijing } from '../schedule/logic';
import { errorText } from '../utils/errorText';
import { showFormError, toDateString } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';
import { useNow } from '../utils/useNow';

function CaseCard({ item, occurrence, onChanged }: { item: RoundCase; occurrence: RoundOccurrenceDetail; onChanged: () => void }) {
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const detail = useLoad(() => getCase(item.id), [item.id, item.version]);
  const c = detail.data ?? { ...item, tasks: [] };
  const [notesForm] = Form.useForm<{ notes: string; recommendations: string }>();
  const [taskForm] = Form.useForm<{ text: string; dueOn: Dayjs }>();
  const [saving, setSaving] = useState(false);
  const [editing, setEditing] = useState(false);
  const cancelled = occurrence.status === 'cancelled';

  const saveNotes = async (v: { notes?: string; recommendations?: string }) => {
    setSaving(true);
    try {
      await writeCaseNotes(c.id, c.version, v.notes?.trim() ?? '', v.recommendations?.trim() ?? '');
      message.success(t('common.saved'));
      setEditing(false);
      onChanged();
    } catch (e) {
      if (isApiError(e) && e.status === 409) {
        message.warning(t('rounds.caseChanged'));
        onChanged();
      } else showFormError(notesForm, e, ['notes', 'recommendations'], t('common.failed'), (m) => message.error(m));
    } finally {
      setSaving(false);
    }
  };

  const newTask = async (v: { text: string; dueOn: Dayjs }) => {
    try {
      await addTask(c.id, v.text.trim(), toDateString(v.dueOn));
      message.success(t('rounds.taskAdded'));
      taskForm.resetFields();
      detail.reload();
    } catch (e) {
      showFormError(taskForm, e, ['text', 'dueOn'], t('common.failed'), (m) => message.error(m));
    }
  };

  const toggle = async (id: string, version: number, done: boolean) => {
    try {
      await updateTask(id, version, done);
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    }
    detail.reload();
  };

  return (
    <Card
      size="small"
      data-testid="round-case"
      data-case-id={c.id}
      title={
        <Space wrap>
          <Typography.Text strong>{c.patient.name}</Typography.Text>
          <Typography.Text type="secondary">
            {c.patient.sex ? enumLabel(t, 'sex', c.patient.sex) : ''} {c.patient.birthDate}
          </Typography.Text>
        </Space>
      }
      extra={<Typography.Text type="secondary">{t('rounds.presentedBy', { name: c.presenter.displayName })}</Typography.Text>}
    >
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t('consult.question')}>
          <span style={{ whiteSpace: 'pre-wrap' }}>{c.question}</span>
        </Descriptions.Item>
        {!editing ? (
          <>
            <Descriptions.Item label={t('rounds.notes')}>
              <span style={{ whiteSpace: 'pre-wrap' }} data-testid="case-notes">
                {c.notes || t('common.none')}
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('rounds.recommendations')}>
              <span style={{ whiteSpace: 'pre-wrap' }} data-testid="case-recommendations">
                {c.recommendations || t('common.none')}
              </span>
            </Descriptions.Item>
          </>
        ) : null}
      </Descriptions>
      {c.canWriteNotes && !cancelled ? (
        editing ? (
          <Form
            form={notesForm}
            layout="vertical"
            style={{ marginTop: 12 }}
            initialValues={{ notes: c.notes, recommendations: c.recommendations }}
            onFinish={(v) => void saveNotes(v)}
            data-testid="case-notes-form"
          >
            <Form.Item name="notes" label={t('rounds.notes')}>
              <Input.TextArea rows={3} maxLength={8000} data-testid="case-notes-input" />
            </Form.Item>
            <Form.Item name="recommendations" label={t('rounds.recommendations')} extra={t('opinion.noPrescriptionHint')}>
              <Input.TextArea rows={3} maxLength={8000} data-testid="case-recommendations-input" />
            </Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" loading={saving} data-testid="case-notes-save">
                {t('common.save')}
              </Button>
              <Button onClick={() => setEditing(false)}>{t('common.cancel')}</Button>
            </Space>
          </Form>
        ) : (
          <Button style={{ marginTop: 12 }} onClick={() => setEditing(true)} data-testid="case-notes-edit">
            {t('rounds.writeNotes')}
          </Button>
        )
      ) : null}

      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('rounds.tasks')}
      </Typography.Title>
      {c.tasks.length ? (
        <List
          size="small"
          dataSource={c.tasks}
          renderItem={(task) => (
            <List.Item data-testid="case-task">
              <Space align="start">
                <Checkbox
                  checked={task.done}
                  disabled={task.assigneeUserId !== me.id}
                  onChange={(e) => void toggle(task.id, task.version, e.target.checked)}
                />
                <span style={{ whiteSpace: 'pre-wrap', textDecoration: task.done ? 'line-through' : undefined }}>{task.text}</span>
                <Typography.Text type="secondary">{t('rounds.dueShort', { date: task.dueOn })}</Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      ) : (
        <Typography.Text type="secondary">{t('rounds.noTasks')}</Typography.Text>
      )}
      {c.canWriteNotes && !cancelled ? (
        <Form
          form={taskForm}
          layout="inline"
          style={{ marginTop: 12, rowGap: 8 }}
          initialValues={{ dueOn: dayjs(beijingToday()).add(14, 'day') }}
          onFinish={(v) => void newTask(v)}
        >
          <Form.Item name="text" rules={[{ required: true, whitespace: true }]} style={{ minWidth: 260, flex: 1 }}>
            <Input maxLength={2000} placeholder={t('rounds.taskPlaceholder')} data-testid="case-task-text" />
          </Form.Item>
          <Form.Item name="dueOn" rules={[{ required: true }]}>
            <DatePicker data-testid="case-task-due" />
          </Form.Item>
          <Button htmlType="submit" icon={<PlusOutlined />} data-testid="case-task-add">
            {t('rounds.addTask')}
          </Button>
        </Form>
      ) : null}
    </Card>
  );
}

export function RoundOccurrencePage() {
  const { id = '' } = useParams();
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const now = useNow();
  const occ = useLoad(() => getOccurrence(id), [id]);
  const cases = useLoad(() => listCases(id).then((r) => r.items), [id]);
  const attendance = useLoad(() => roundAttendance(id).then((r) => r.items), [id]);
  const [presenting, setPresenting] = useState(false);
  const [patient, setPatient] = useState<Patient | null>(null);
  const [patientError, setPatientError] = useState('');
  const [caseForm] = Form.useForm<{ question: string }>();
  const [cancelling, setCancelling] = useState(false);
  const [cancelForm] = Form.useForm<{ note: string }>();
  const consents = useLoad(
    () => (patient ? listConsents(patient.id).then((r) => r.items.filter((c) => c.scope === 'teleconsult')) : Promise.resolve([])),
    [patient?.id],
  );

  const o = occ.data;
  if (!o) {
    if (occ.error) {
      const notFound = isApiError(occ.error) && (occ.error.status === 404 || occ.error.status === 403);
      return <Result status={notFound ? '404' : 'error'} title={errorText(occ.error, t('common.loadFailed'))} />;
    }
    return (
      <Card>
        <Skeleton active />
      </Card>
    );
  }

  const act = async (action: OccurrenceAction, note?: string) => {
    try {
      await actOnOccurrence(o.id, action, o.version, note);
      message.success(t('referral.actionDone', { action: enumLabel(t, 'oaction', action) }));
      occ.reload();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
      occ.reload();
      throw e;
    }
  };

  const checkIn = async (event: 'join' | 'leave') => {
    try {
      const a = await checkInRound(o.id, event);
      message.success(event === 'join' ? t('rounds.checkedIn') : t('rounds.checkedOut', { time: formatMinutes(a.minutes, t) }));
      attendance.reload();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    }
  };

  const present = async (v: { question: string }) => {
    if (!patient) {
      setPatientError(t('referralForm.needPatient'));
      throw new Error('no patient');
    }
    try {
      await presentCase(o.id, patient.id, v.question.trim());
      message.success(t('rounds.casePresented'));
      setPresenting(false);
      setPatient(null);
      cases.reload();
    } catch (e) {
      if (isApiError(e) && e.field === 'patientId') setPatientError(e.message);
      else showFormError(caseForm, e, ['question'], t('common.failed'), (m) => message.error(m));
      throw e;
    }
  };

  const mine = (attendance.data ?? []).find((a) => a.user.id === me.id);
  const present_ = !!mine?.stretches?.some((s) => !s.leftAt);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="occurrence-page" data-occurrence-id={o.id}>
      <Space wrap align="center">
        <Link to={`/rounds/${o.seriesId}`}>
          <Button icon={<ArrowLeftOutlined />}>{t('rounds.backToSeries')}</Button>
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {o.title} · {formatBeijing(o.startsAt)}–{beijing(o.endsAt).time}
        </Typography.Title>
        <span data-testid="occurrence-status" data-status={o.status}>
          <OccurrenceStatusTag status={o.status} />
        </span>
        <Button
          size="small"
          type="text"
          icon={<ReloadOutlined />}
          aria-label={t('common.refresh')}
          onClick={() => {
            occ.reload();
            cases.reload();
            attendance.reload();
          }}
        />
      </Space>
      {o.note ? <Alert type="warning" showIcon title={t('video.note')} description={o.note} /> : null}

      {o.status !== 'cancelled' ? (
        <Alert
          type={roomOpen(o, now) ? 'success' : 'info'}
          showIcon
          icon={<VideoCameraOutlined />}
          title={roomOpen(o, now) ? t('rounds.roomOpen') : t('rounds.roomOpensAt', { at: formatBeijing(new Date(Date.parse(o.startsAt) - 30 * 60_000).toISOString()) })}
          action={
            <Space wrap>
              <Link to={`/rooms/${o.roomId}`} data-testid="occurrence-join">
                <Button type="primary" icon={<VideoCameraOutlined />}>
                  {t('video.join')}
                </Button>
              </Link>
              {checkInOpen(o, now) ? (
                present_ ? (
                  <Button icon={<LogoutOutlined />} onClick={() => void checkIn('leave')} data-testid="occurrence-checkout">
                    {t('rounds.checkOut')}
                  </Button>
                ) : (
                  <Button icon={<LoginOutlined />} onClick={() => void checkIn('join')} data-testid="occurrence-checkin">
                    {t('rounds.checkIn')}
                  </Button>
                )
              ) : null}
            </Space>
          }
        />
      ) : null}

      {o.allowedActions.length ? (
        <Card size="small" title={t('referral.actions')}>
          <Space wrap>
            {o.allowedActions.includes('hold') ? (
              <Button type="primary" onClick={() => void act('hold').catch(() => undefined)} data-testid="occurrence-hold">
                {enumLabel(t, 'oaction', 'hold')}
              </Button>
            ) : null}
            {o.allowedActions.includes('cancel') ? (
              <Button danger onClick={() => setCancelling(true)} data-testid="occurrence-cancel">
                {enumLabel(t, 'oaction', 'cancel')}
              </Button>
            ) : null}
          </Space>
        </Card>
      ) : null}

      <Card
        title={t('rounds.caseList')}
        data-testid="occurrence-cases"
        extra={
          canPresentCase(me, o.round) && o.status === 'scheduled' ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setPresenting(true)} data-testid="case-present">
              {t('rounds.presentCase')}
            </Button>
          ) : null
        }
      >
        {cases.data?.length ? (
          <Space orientation="vertical" style={{ width: '100%' }} size="middle">
            {cases.data.map((c) => (
              <CaseCard key={c.id} item={c} occurrence={o} onChanged={cases.reload} />
            ))}
          </Space>
        ) : (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={cases.loading ? '' : t('rounds.noCases')} />
        )}
      </Card>

      <Card title={t('video.attendance')} data-testid="occurrence-attendance">
        <Table<Attendee>
          size="small"
          rowKey={(a) => a.user.id}
          pagination={false}
          dataSource={attendance.data ?? []}
          locale={{ emptyText: t('video.noAttendance') }}
          columns={[
            { title: t('field.user'), key: 'u', render: (_, a) => a.user.displayName || a.user.id },
            {
              title: t('video.joined'),
              key: 'j',
              render: (_, a) => (a.stretches ?? []).map((s) => `${dayjs(s.joinedAt).format('HH:mm')}–${s.leftAt ? dayjs(s.leftAt).format('HH:mm') : '…'}`).join(', '),
            },
            { title: t('rounds.creditMinutes'), key: 'm', render: (_, a) => formatMinutes(a.minutes, t) },
          ]}
        />
      </Card>

      <FormModal<{ question: string }>
        open={presenting}
        title={t('rounds.presentCase')}
        testId="case"
        form={caseForm}
        width={640}
        onCancel={() => {
          setPresenting(false);
          setPatient(null);
          setPatientError('');
        }}
        onSubmit={present}
      >
        <Form.Item label={t('field.patient')} required validateStatus={patientError ? 'error' : undefined} help={patientError || undefined}>
          <PatientSelect
            value={patient}
            onChange={(p) => {
              setPatient(p);
              setPatientError('');
            }}
            data-testid="case-patient"
          />
        </Form.Item>
        {patient && !consents.loading && !consents.data?.length ? (
          <div style={{ marginBottom: 16 }}>
            <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('consultForm.teleconsultMissing')} />
            <ConsentButton patientId={patient.id} scope="teleconsult" onAdded={() => consents.reload()} />
          </div>
        ) : null}
        <Form.Item name="question" label={t('consult.question')} rules={[{ required: true, whitespace: true }]}>
          <Input.TextArea rows={3} maxLength={4000} data-testid="case-question" />
        </Form.Item>
      </FormModal>

      <FormModal<{ note: string }>
        open={cancelling}
        title={enumLabel(t, 'oaction', 'cancel')}
        testId="occurrence-cancel-modal"
        form={cancelForm}
        onCancel={() => setCancelling(false)}
        onSubmit={async (v) => {
          await act('cancel', v.note.trim());
          setCancelling(false);
        }}
      >
        <Form.Item name="note" label={t('field.reasonNote')} rules={[{ required: true, whitespace: true }]}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </FormModal>
    </Space>
  );
}
