// One eConsult: the request, the threaded conversation, the actions the user may take,
// the specialist's opinion with its disclaimer, and the link to the referral it became.
import { useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Radio,
  Result,
  Row,
  Skeleton,
  Space,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import {
  ArrowLeftOutlined,
  PauseCircleOutlined,
  ReloadOutlined,
  SwapOutlined,
  VideoCameraOutlined,
} from '@ant-design/icons';
import dayjs from 'dayjs';
import { isApiError } from '../api/client';
import { convertConsult, getConsult, listConsultants } from '../api/consults';
import type { ConsultAction, Urgency } from '../api/types';
import { URGENCIES } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { ConsultActionModal } from '../components/ConsultActionModal';
import { ConsultStatusTag } from '../components/ConsultTags';
import { FormModal } from '../components/FormModal';
import { DiagnosisTags } from '../components/Icd10Select';
import { OpinionCard } from '../components/Opinion';
import { UrgencyTag } from '../components/ReferralTags';
import { consultActionSpec, formatSeconds, FORWARD_CONSULT_ACTIONS } from '../consults/logic';
import { randomKey, submissionFor, type Submission } from '../referrals/logic';
import { errorText } from '../utils/errorText';
import { useLoad } from '../utils/useLoad';
import { useRefreshOnFocus } from '../utils/useRefreshOnFocus';

const when = (s: string | null | undefined) => (s ? dayjs(s).format('YYYY-MM-DD HH:mm') : '');

function Text({ value }: { value: string | null | undefined }) {
  const { t } = useI18n();
  if (!value) return <>{t('common.none')}</>;
  return <span style={{ whiteSpace: 'pre-wrap' }}>{value}</span>;
}

const EVENT_COLORS: Record<string, string> = {
  create: 'blue',
  assign: 'blue',
  request_info: 'orange',
  provide_info: 'cyan',
  answer: 'green',
  cancel: 'red',
};

export function ConsultPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const loaded = useLoad(() => getConsult(id), [id]);
  useRefreshOnFocus(loaded.reload);
  const c = loaded.data;
  const consultants = useLoad(
    () => (c?.targetInstitutionId ? listConsultants(c.targetInstitutionId).then((r) => r.items) : Promise.resolve([])),
    [c?.targetInstitutionId],
  );
  const [acting, setActing] = useState<{ action: ConsultAction; version: number } | null>(null);
  const [converting, setConverting] = useState(false);
  const [convertForm] = Form.useForm<{ urgency: Urgency }>();
  const lastConvert = useRef<Submission | null>(null);

  if (!c) {
    if (loaded.error) {
      const notFound = isApiError(loaded.error) && (loaded.error.status === 404 || loaded.error.status === 403);
      return (
        <Result
          status={notFound ? '404' : 'error'}
          title={errorText(loaded.error, t('common.loadFailed'))}
          extra={
            <Link to="/consults">
              <Button type="primary">{t('consults.back')}</Button>
            </Link>
          }
        />
      );
    }
    return (
      <Card>
        <Skeleton active />
      </Card>
    );
  }

  const specialist = consultants.data?.find((u) => u.id === c.specialistUserId);
  const instName = (instId: string) =>
    instId === c.requesterInstitutionId
      ? c.requesterInstitution?.name
      : instId === c.targetInstitutionId
        ? c.targetInstitution?.name
        : undefined;
  const canBookVideo =
    c.status !== 'cancelled' &&
    ((me.institutionId === c.requesterInstitutionId && (me.roles.includes('doctor') || me.roles.includes('specialist'))) ||
      me.roles.includes('convener'));
  const bookVideoUrl = `/schedule?${new URLSearchParams({
    institutionId: c.targetInstitutionId,
    ...(c.specialistUserId ? { specialistId: c.specialistUserId } : {}),
    consultId: c.id,
  }).toString()}`;

  const convert = async (v: { urgency: Urgency }) => {
    // One key per body: a retried click makes no second referral.
    const sub = submissionFor(lastConvert.current, JSON.stringify({ id: c.id, urgency: v.urgency }), randomKey);
    lastConvert.current = sub;
    try {
      const r = await convertConsult(c.id, v.urgency, sub.key);
      message.success(t('consult.converted'));
      setConverting(false);
      navigate(`/referrals/${r.id}`);
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
      if (isApiError(e) && e.status === 409) loaded.reload();
      throw e;
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="consult-page" data-consult-id={c.id}>
      <Space wrap align="center">
        <Link to="/consults">
          <Button icon={<ArrowLeftOutlined />}>{t('consults.back')}</Button>
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="consult-title">
          {t('consult.title')} · {c.patient?.name ?? ''}
        </Typography.Title>
        <span data-testid="consult-status" data-status={c.status} data-version={c.version}>
          <ConsultStatusTag status={c.status} />
        </span>
        <UrgencyTag urgency={c.urgency} />
        {c.status === 'info_requested' ? (
          <Tag icon={<PauseCircleOutlined />} color="orange" data-testid="consult-clock-paused">
            {t('consult.clockPaused')}
          </Tag>
        ) : null}
        {c.responseSeconds != null ? (
          <Tag color="green" data-testid="consult-response-time">
            {t('consult.respondedIn', { time: formatSeconds(c.responseSeconds, t) })}
          </Tag>
        ) : null}
        <Button
          size="small"
          type="text"
          icon={<ReloadOutlined />}
          onClick={loaded.reload}
          aria-label={t('common.refresh')}
          data-testid="consult-refresh"
        />
      </Space>

      {c.referralId ? (
        <Alert
          type="info"
          showIcon
          icon={<SwapOutlined />}
          data-testid="consult-referral"
          title={t('consult.referralMade')}
          action={
            <Link to={`/referrals/${c.referralId}`} data-testid="consult-referral-link">
              {t('consult.openReferral')}
            </Link>
          }
        />
      ) : null}

      <Card size="small" title={t('referral.actions')} data-testid="consult-actions">
        {c.allowedActions.length || c.canRefer || canBookVideo ? (
          <Space wrap>
            {c.allowedActions.map((a) => (
              <Button
                key={a}
                type={FORWARD_CONSULT_ACTIONS.includes(a) ? 'primary' : 'default'}
                danger={consultActionSpec(a).danger}
                onClick={() => setActing({ action: a, version: c.version })}
                data-testid={`consult-action-${a}`}
              >
                {enumLabel(t, 'caction', a)}
              </Button>
            ))}
            {c.canRefer ? (
              <Button
                type="primary"
                icon={<SwapOutlined />}
                onClick={() => setConverting(true)}
                data-testid="consult-convert"
              >
                {t('consult.convert')}
              </Button>
            ) : null}
            {canBookVideo ? (
              <Link to={bookVideoUrl}>
                <Button icon={<VideoCameraOutlined />} data-testid="consult-book-video">
                  {t('consult.bookVideo')}
                </Button>
              </Link>
            ) : null}
          </Space>
        ) : (
          <Typography.Text type="secondary" data-testid="consult-no-actions">
            {t('referral.noActions')}
          </Typography.Text>
        )}
      </Card>

      {c.opinion ? (
        <OpinionCard
          opinion={c.opinion}
          author={specialist?.displayName}
          extra={
            c.responseSeconds != null ? (
              <Typography.Text type="secondary">{t('consult.respondedIn', { time: formatSeconds(c.responseSeconds, t) })}</Typography.Text>
            ) : null
          }
        />
      ) : null}

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('consult.request')} data-testid="consult-request" style={{ height: '100%' }}>
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('field.patient')}>
                <span data-testid="consult-patient-name">{c.patient?.name ?? t('common.none')}</span>
                {c.patient?.sex ? ` · ${enumLabel(t, 'sex', c.patient.sex)}` : ''}
                {c.patient?.birthDate ? ` · ${c.patient.birthDate}` : ''}
              </Descriptions.Item>
              <Descriptions.Item label={t('consult.requester')}>
                <span data-testid="consult-requester">{c.requesterInstitution?.name ?? t('common.none')}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('consult.target')}>
                <span data-testid="consult-target-name">{c.targetInstitution?.name ?? t('common.none')}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('consult.consultant')}>
                <span data-testid="consult-specialist-name">
                  {c.specialistUserId ? (specialist?.displayName ?? '…') : t('consult.inQueue')}
                </span>
              </Descriptions.Item>
              {c.subSpecialty ? (
                <Descriptions.Item label={t('field.subSpecialty')}>{enumLabel(t, 'sub', c.subSpecialty)}</Descriptions.Item>
              ) : null}
              <Descriptions.Item label={t('consult.submittedAt')}>{when(c.submittedAt)}</Descriptions.Item>
              {c.answeredAt ? <Descriptions.Item label={t('consult.answeredAt')}>{when(c.answeredAt)}</Descriptions.Item> : null}
            </Descriptions>
            <Descriptions column={1} size="small" bordered style={{ marginTop: 12 }}>
              <Descriptions.Item label={t('consult.question')}>
                <span data-testid="consult-question-text">
                  <Text value={c.question} />
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t('field.summary')}>
                <Text value={c.summary} />
              </Descriptions.Item>
              <Descriptions.Item label={t('field.diagnoses')}>
                <DiagnosisTags codes={c.diagnoses} />
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('consult.thread')} data-testid="consult-thread" style={{ height: '100%' }}>
            <Timeline
              items={c.messages.map((m) => ({
                key: m.id,
                color: EVENT_COLORS[m.action] ?? 'gray',
                content: (
                  <div data-testid="consult-message" data-action={m.action}>
                    <Space size={4} wrap>
                      <Typography.Text strong>{enumLabel(t, 'cevent', m.action)}</Typography.Text>
                    </Space>
                    <div>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {when(m.at)} · {m.username}
                        {instName(m.institutionId) ? ` · ${instName(m.institutionId)}` : ''}
                      </Typography.Text>
                    </div>
                    {m.body ? <div style={{ whiteSpace: 'pre-wrap' }}>{m.body}</div> : null}
                  </div>
                ),
              }))}
            />
          </Card>
        </Col>
      </Row>

      <ConsultActionModal
        consult={c}
        open={acting}
        onClose={() => setActing(null)}
        onDone={() => {
          setActing(null);
          loaded.reload();
        }}
        onConflict={() => {
          setActing(null);
          loaded.reload();
        }}
      />

      <FormModal<{ urgency: Urgency }>
        open={converting}
        title={t('consult.convert')}
        testId="convert-modal"
        form={convertForm}
        initialValues={{ urgency: c.urgency }}
        submitText={t('consult.convert')}
        onCancel={() => setConverting(false)}
        onSubmit={convert}
      >
        <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
          {t('consult.convertHint', { target: c.targetInstitution?.name ?? '' })}
        </Typography.Paragraph>
        <Form.Item name="urgency" label={t('field.urgency')} rules={[{ required: true }]}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            options={URGENCIES.map((u) => ({ value: u, label: enumLabel(t, 'urgency', u) }))}
            data-testid="convert-urgency"
          />
        </Form.Item>
      </FormModal>
    </Space>
  );
}
