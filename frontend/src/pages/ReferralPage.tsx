import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Result,
  Row,
  Skeleton,
  Space,
  Tag,
  Timeline,
  Typography,
  Upload,
} from 'antd';
import { ArrowLeftOutlined, PaperClipOutlined, ReloadOutlined, ThunderboltOutlined, UploadOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { isApiError } from '../api/client';
import { attachmentUrl, getReferral, uploadAttachment } from '../api/referrals';
import type { ReferralAction } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { DiagnosisTags } from '../components/Icd10Select';
import { ReferralActionModal } from '../components/ReferralActionModal';
import { SlaCountdown, StatusTag, UrgencyTag } from '../components/ReferralTags';
import { useNotificationListener } from '../notifications/NotificationsProvider';
import {
  acceptableAttachment,
  actionSpec,
  ATTACHMENT_TYPES,
  formatBytes,
  FORWARD_ACTIONS,
  isClosed,
} from '../referrals/logic';
import { errorText } from '../utils/errorText';
import { useLoad } from '../utils/useLoad';

const when = (s: string | null | undefined) => (s ? dayjs(s).format('YYYY-MM-DD HH:mm') : '');

function Text({ value }: { value: string | null | undefined }) {
  const { t } = useI18n();
  if (!value) return <>{t('common.none')}</>;
  return <span style={{ whiteSpace: 'pre-wrap' }}>{value}</span>;
}

export function ReferralPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const { message } = App.useApp();
  const loaded = useLoad(() => getReferral(id), [id]);
  const [acting, setActing] = useState<{ action: ReferralAction; version: number } | null>(null);
  const [uploading, setUploading] = useState(false);

  // Live: another user changed this referral (or the stream reconnected): show the new state.
  useNotificationListener((n) => {
    if (!n || n.referralId === id) loaded.reload();
  });

  const r = loaded.data;
  if (!r) {
    if (loaded.error) {
      const notFound = isApiError(loaded.error) && (loaded.error.status === 404 || loaded.error.status === 403);
      return (
        <Result
          status={notFound ? '404' : 'error'}
          title={errorText(loaded.error, t('common.loadFailed'))}
          extra={
            <Link to="/referrals">
              <Button type="primary">{t('referral.back')}</Button>
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

  const instName = (instId: string) =>
    instId === r.senderInstitutionId
      ? r.senderInstitution?.name
      : instId === r.receiverInstitutionId
        ? r.receiverInstitution?.name
        : undefined;

  const upload = async (file: File) => {
    if (!acceptableAttachment(file)) {
      message.error(t('referralForm.attachmentRejected', { name: file.name }));
      return;
    }
    setUploading(true);
    try {
      await uploadAttachment(r.id, file);
      message.success(t('referral.uploaded'));
      loaded.reload();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    } finally {
      setUploading(false);
    }
  };

  const clocks: { label: string; value: ReactNode; key: string }[] = [
    { key: 'submittedAt', label: t('field.submittedAt'), value: when(r.submittedAt) },
    {
      key: 'acceptDueAt',
      label: t('field.acceptDueAt'),
      value: r.acceptDueAt ? `${when(r.acceptDueAt)}${r.acceptedAt ? ` (${t('field.acceptedAt')} ${when(r.acceptedAt)})` : ''}` : '',
    },
    {
      key: 'admitDueAt',
      label: t('field.admitDueAt'),
      value: r.admitDueAt ? `${when(r.admitDueAt)}${r.arrivedAt ? ` (${t('field.arrivedAt')} ${when(r.arrivedAt)})` : ''}` : '',
    },
    { key: 'followUpDueAt', label: t('field.followUpDueAt'), value: when(r.followUpDueAt) },
    {
      key: 'appointment',
      label: t('field.appointment'),
      value: r.appointment ? (
        <span data-testid="referral-appointment">
          {when(r.appointment.at)} · {r.appointment.place}
        </span>
      ) : (
        ''
      ),
    },
    { key: 'arrivedAt', label: t('field.arrivedAt'), value: !r.admitDueAt ? when(r.arrivedAt) : '' },
    { key: 'closedAt', label: t('field.closedAt'), value: when(r.closedAt) },
  ].filter((c) => c.value);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="referral-page" data-referral-id={r.id}>
      <Space wrap align="center">
        <Link to="/referrals">
          <Button icon={<ArrowLeftOutlined />}>{t('referral.back')}</Button>
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="referral-title">
          {t('referral.title')} · {r.patient?.name ?? ''}
        </Typography.Title>
        <span data-testid="referral-status" data-status={r.status} data-version={r.version}>
          <StatusTag status={r.status} />
        </span>
        <UrgencyTag urgency={r.urgency} />
        <Tag>{enumLabel(t, 'dir', r.direction)}</Tag>
        {r.fastTrackSuggested ? (
          <Tag icon={<ThunderboltOutlined />} color={r.urgency === 'fast_track' ? 'red' : 'warning'} data-testid="referral-fast-track-suggested">
            {r.urgency === 'fast_track' ? t('referral.fastTrackSuggested') : t('referral.fastTrackNotTaken')}
          </Tag>
        ) : null}
        <SlaCountdown referral={r} />
        <Button size="small" type="text" icon={<ReloadOutlined />} onClick={loaded.reload} aria-label={t('common.refresh')} />
      </Space>

      <Card size="small" title={t('referral.actions')} data-testid="referral-actions">
        {r.allowedActions.length ? (
          <Space wrap>
            {r.allowedActions.map((a) => (
              <Button
                key={a}
                type={FORWARD_ACTIONS.includes(a) ? 'primary' : 'default'}
                danger={actionSpec(a, r.direction, r.status).danger}
                onClick={() => setActing({ action: a, version: r.version })}
                data-testid={`referral-action-${a}`}
              >
                {enumLabel(t, 'action', a)}
              </Button>
            ))}
          </Space>
        ) : (
          <Typography.Text type="secondary" data-testid="referral-no-actions">
            {t('referral.noActions')}
          </Typography.Text>
        )}
      </Card>

      {r.note ? <Alert type="info" showIcon data-testid="referral-note" title={t('referral.note')} description={<Text value={r.note} />} /> : null}
      {r.consultId ? (
        <Alert
          type="info"
          showIcon
          data-testid="referral-from-consult"
          title={t('referral.fromConsult')}
          action={
            <Link to={`/consults/${r.consultId}`} data-testid="referral-consult-link">
              {t('referral.openConsult')}
            </Link>
          }
        />
      ) : null}
      {r.redirectedFromId ? (
        <Alert
          type="info"
          showIcon
          title={t('referral.redirectedFrom')}
          action={<Link to={`/referrals/${r.redirectedFromId}`}>{t('referral.open')}</Link>}
        />
      ) : null}
      {r.redirectedToId ? (
        <Alert
          type="warning"
          showIcon
          data-testid="referral-redirected-to"
          title={t('referral.redirectedTo')}
          action={<Link to={`/referrals/${r.redirectedToId}`}>{t('referral.open')}</Link>}
        />
      ) : null}

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('referral.parties')} style={{ height: '100%' }} data-testid="referral-parties">
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('field.patient')}>
                <span data-testid="referral-patient-name">{r.patient?.name ?? t('common.none')}</span>
                {r.patient ? ` · ${enumLabel(t, 'sex', r.patient.sex)} · ${r.patient.birthDate}` : ''}
              </Descriptions.Item>
              <Descriptions.Item label={t('field.sender')}>
                <span data-testid="referral-sender">{r.senderInstitution?.name ?? t('common.none')}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('field.receiver')}>
                <span data-testid="referral-receiver">{r.receiverInstitution?.name ?? t('common.none')}</span>
                {r.receiverDepartment ? ` · ${t('referral.department', { name: r.receiverDepartment })}` : ''}
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('referral.clocks')} style={{ height: '100%' }} data-testid="referral-clocks">
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('referral.running')}>
                <SlaCountdown referral={r} />
              </Descriptions.Item>
              {clocks.map((c) => (
                <Descriptions.Item key={c.key} label={c.label}>
                  {c.value}
                </Descriptions.Item>
              ))}
            </Descriptions>
          </Card>
        </Col>
      </Row>

      {r.outcome ? (
        <Card title={t('referral.outcome')} data-testid="referral-outcome" styles={{ header: { background: '#f0f7f0' } }}>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('field.outcomeSummary')}>
              <span data-testid="referral-outcome-summary">
                <Text value={r.outcome.summary} />
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('field.outcomeDiagnoses')}>
              <span data-testid="referral-outcome-diagnoses">
                <DiagnosisTags codes={r.outcome.diagnoses} />
              </span>
            </Descriptions.Item>
            <Descriptions.Item label={t('field.outcomePlan')}>
              <span data-testid="referral-outcome-plan">
                <Text value={r.outcome.plan} />
              </span>
            </Descriptions.Item>
          </Descriptions>
        </Card>
      ) : null}

      {r.followUp ? (
        <Card
          title={t('referral.followUp')}
          data-testid="referral-followup"
          extra={
            r.followUp.onTime === undefined ? null : r.followUp.onTime ? (
              <Tag color="green">{t('referral.onTime')}</Tag>
            ) : (
              <Tag color="red">{t('referral.late')}</Tag>
            )
          }
        >
          <Descriptions column={{ xs: 1, md: 3 }} size="small" bordered>
            <Descriptions.Item label={t('field.followUpDate')}>
              <span data-testid="referral-followup-date">{r.followUp.date}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('field.riskGrade')}>
              <span data-testid="referral-followup-risk">{t('referral.riskShort', { grade: r.followUp.riskGrade })}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('field.condition')}>
              <span data-testid="referral-followup-condition">{enumLabel(t, 'condition', r.followUp.condition)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('field.followUpNotes')} span={3}>
              <Text value={r.followUp.notes} />
            </Descriptions.Item>
          </Descriptions>
        </Card>
      ) : null}

      <Card title={t('referral.clinical')} data-testid="referral-clinical">
        <Descriptions column={1} size="small" bordered>
          <Descriptions.Item label={t('field.reason')}>
            <Text value={r.reason} />
          </Descriptions.Item>
          <Descriptions.Item label={t('field.summary')}>
            <Text value={r.summary} />
          </Descriptions.Item>
          <Descriptions.Item label={t('field.diagnoses')}>
            <DiagnosisTags codes={r.diagnoses} />
          </Descriptions.Item>
          <Descriptions.Item label={t('field.riskGrade')}>
            <span data-testid="referral-risk">{enumLabel(t, 'risk', r.riskGrade)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('field.unstable')}>
            {r.unstable ? <Tag color="red">{t('common.yes')}</Tag> : t('common.no')}
          </Descriptions.Item>
          <Descriptions.Item label={t('field.medication')}>
            <Text value={r.medication} />
          </Descriptions.Item>
          {r.subSpecialty ? (
            <Descriptions.Item label={t('field.subSpecialty')}>
              {enumLabel(t, 'sub', r.subSpecialty)}
            </Descriptions.Item>
          ) : null}
          {r.direction === 'down' || r.dischargeSummary ? (
            <>
              <Descriptions.Item label={t('field.dischargeSummary')}>
                <span data-testid="referral-dischargeSummary">
                  <Text value={r.dischargeSummary} />
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t('field.medicationPlan')}>
                <Text value={r.medicationPlan} />
              </Descriptions.Item>
              <Descriptions.Item label={t('field.followUpPlan')}>
                <Text value={r.followUpPlan} />
              </Descriptions.Item>
            </>
          ) : null}
        </Descriptions>
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('referral.timeline')} data-testid="referral-timeline" style={{ height: '100%' }}>
            <Timeline
              items={r.events.map((e) => ({
                key: e.id,
                color: e.to === 'completed' ? 'green' : e.to === 'cancelled' || e.to === 'failed' ? 'red' : 'blue',
                content: (
                  <div data-testid="timeline-item" data-action={e.action}>
                    <Space size={4} wrap>
                      <Typography.Text strong>{enumLabel(t, 'event', e.action)}</Typography.Text>
                      <Tag>{enumLabel(t, 'rstatus', e.to)}</Tag>
                    </Space>
                    <div>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {when(e.at)} · {e.username}
                        {instName(e.institutionId) ? ` · ${instName(e.institutionId)}` : ''}
                      </Typography.Text>
                    </div>
                    {e.note ? <div style={{ whiteSpace: 'pre-wrap' }}>{e.note}</div> : null}
                  </div>
                ),
              }))}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card
            title={t('referral.attachments')}
            data-testid="referral-attachments"
            style={{ height: '100%' }}
            extra={
              isClosed(r.status) ? null : (
                <Upload
                  accept={ATTACHMENT_TYPES.join(',')}
                  showUploadList={false}
                  beforeUpload={(file) => {
                    void upload(file);
                    return false;
                  }}
                >
                  <Button size="small" icon={<UploadOutlined />} loading={uploading} data-testid="referral-upload">
                    {t('referral.upload')}
                  </Button>
                </Upload>
              )
            }
          >
            {r.attachments.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('referral.noAttachments')} />
            ) : (
              <Space orientation="vertical" style={{ width: '100%' }}>
                {r.attachments.map((a) => (
                  <div key={a.id} data-testid="attachment-item">
                    <PaperClipOutlined />{' '}
                    <a href={attachmentUrl(r.id, a.id)} target="_blank" rel="noreferrer">
                      {a.name}
                    </a>{' '}
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {formatBytes(a.size)} · {when(a.createdAt)}
                      {instName(a.institutionId) ? ` · ${instName(a.institutionId)}` : ''}
                    </Typography.Text>
                  </div>
                ))}
              </Space>
            )}
          </Card>
        </Col>
      </Row>

      <ReferralActionModal
        referral={r}
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
    </Space>
  );
}
