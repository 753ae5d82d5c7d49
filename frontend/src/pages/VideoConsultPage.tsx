// One video consultation: the booking as the 2018 telemedicine rules want it recorded,
// the link into its room, attendance and duration, and the specialist's opinion.
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, Button, Card, Col, Descriptions, Empty, Result, Row, Skeleton, Space, Table, Typography } from 'antd';
import { ArrowLeftOutlined, ReloadOutlined, VideoCameraOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { isApiError } from '../api/client';
import { getConsult, getVideo, listConsultants } from '../api/consults';
import { listConsents } from '../api/patients';
import type { RoomStay, VideoAction } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { VideoStatusTag } from '../components/ConsultTags';
import { OpinionCard } from '../components/Opinion';
import { VideoActionModal } from '../components/VideoActionModal';
import { formatSeconds, videoActionSpec } from '../consults/logic';
import { beijing, formatBeijing, joinWindowOpen } from '../schedule/logic';
import { errorText } from '../utils/errorText';
import { useInstitutionNames } from '../utils/useDirectoryNames';
import { useLoad } from '../utils/useLoad';
import { useNow } from '../utils/useNow';
import { usePatientNames } from '../utils/usePatientNames';
import { useRefreshOnFocus } from '../utils/useRefreshOnFocus';

function Text({ value }: { value: string | null | undefined }) {
  const { t } = useI18n();
  if (!value) return <>{t('common.none')}</>;
  return <span style={{ whiteSpace: 'pre-wrap' }}>{value}</span>;
}

export function VideoConsultPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const { t } = useI18n();
  const now = useNow();
  const loaded = useLoad(() => getVideo(id), [id]);
  useRefreshOnFocus(loaded.reload);
  const v = loaded.data;
  const consultants = useLoad(
    () => (v ? listConsultants(v.targetInstitutionId).then((r) => r.items) : Promise.resolve([])),
    [v?.targetInstitutionId],
  );
  const consult = useLoad(() => (v?.consultId ? getConsult(v.consultId).catch(() => null) : Promise.resolve(null)), [v?.consultId]);
  const consents = useLoad(
    () => (v ? listConsents(v.patientId).then((r) => r.items).catch(() => []) : Promise.resolve([])),
    [v?.patientId],
  );
  const patients = usePatientNames(v ? [v.patientId] : []);
  const institutions = useInstitutionNames();
  const [acting, setActing] = useState<{ action: VideoAction; version: number } | null>(null);

  if (!v) {
    if (loaded.error) {
      const notFound = isApiError(loaded.error) && (loaded.error.status === 404 || loaded.error.status === 403);
      return (
        <Result
          status={notFound ? '404' : 'error'}
          title={errorText(loaded.error, t('common.loadFailed'))}
          extra={
            <Link to="/video-consults">
              <Button type="primary">{t('video.back')}</Button>
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

  const specialist = consultants.data?.find((u) => u.id === v.specialistUserId);
  const requesterName = (() => {
    if (v.requesterUserId === me.id) return me.displayName;
    const created = consult.data?.messages.find((m) => m.action === 'create' && m.userId === v.requesterUserId);
    return created?.username ?? '';
  })();
  const people = new Map<string, string>([
    [v.specialistUserId, specialist?.displayName ?? t('video.specialist')],
    [v.requesterUserId, requesterName || t('video.requestingDoctor')],
    [me.id, me.displayName],
  ]);
  const consent = consents.data?.find((c) => c.id === v.consentId);
  const joinable = v.status === 'booked' || v.status === 'completed';
  const open = joinWindowOpen(v, now);

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="video-page" data-video-id={v.id}>
      <Space wrap align="center">
        <Link to="/video-consults">
          <Button icon={<ArrowLeftOutlined />}>{t('video.back')}</Button>
        </Link>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="video-title">
          {t('video.title')} · {patients.get(v.patientId) ?? ''}
        </Typography.Title>
        <span data-testid="video-status" data-status={v.status} data-version={v.version}>
          <VideoStatusTag status={v.status} />
        </span>
        <Button size="small" type="text" icon={<ReloadOutlined />} onClick={loaded.reload} aria-label={t('common.refresh')} data-testid="video-refresh" />
      </Space>

      {joinable ? (
        <Alert
          type={open ? 'success' : 'info'}
          showIcon
          icon={<VideoCameraOutlined />}
          data-testid="video-join-card"
          title={`${formatBeijing(v.start)}–${beijing(v.end).time} ${t('schedule.beijingTime')}`}
          description={open ? t('video.roomOpen') : t('video.roomOpensAt', { at: formatBeijing(new Date(Date.parse(v.start) - 15 * 60_000).toISOString()) })}
          action={
            <Link to={`/rooms/${v.roomId}`} data-testid="video-join">
              <Button type="primary" icon={<VideoCameraOutlined />}>
                {t('video.join')}
              </Button>
            </Link>
          }
        />
      ) : null}
      {v.note ? <Alert type="warning" showIcon title={t('video.note')} description={<Text value={v.note} />} data-testid="video-note" /> : null}

      <Card size="small" title={t('referral.actions')} data-testid="video-actions">
        {v.allowedActions.length ? (
          <Space wrap>
            {v.allowedActions.map((a) => (
              <Button
                key={a}
                type={a === 'file_opinion' ? 'primary' : 'default'}
                danger={videoActionSpec(a).danger}
                onClick={() => setActing({ action: a, version: v.version })}
                data-testid={`video-action-${a}`}
              >
                {enumLabel(t, 'vaction', a)}
              </Button>
            ))}
          </Space>
        ) : (
          <Typography.Text type="secondary" data-testid="video-no-actions">
            {t('referral.noActions')}
          </Typography.Text>
        )}
      </Card>

      {v.opinion ? <OpinionCard opinion={v.opinion} author={specialist?.displayName} /> : null}

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('video.request')} data-testid="video-details" style={{ height: '100%' }}>
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('field.patient')}>
                <span data-testid="video-patient">{patients.get(v.patientId) ?? '…'}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('video.specialist')}>
                <span data-testid="video-specialist">
                  {specialist?.displayName ?? '…'} · {enumLabel(t, 'title', v.invitedTitle)} · {institutions.get(v.targetInstitutionId) ?? ''}
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t('booking.invitedSpecialty')}>{enumLabel(t, 'sub', v.invitedSpecialty)}</Descriptions.Item>
              <Descriptions.Item label={t('booking.requester')}>
                <span data-testid="video-requester">
                  {requesterName ? `${requesterName} · ` : ''}
                  {institutions.get(v.requesterInstitutionId) ?? ''}
                </span>
              </Descriptions.Item>
              {v.bookedByUserId !== v.requesterUserId ? (
                <Descriptions.Item label={t('video.bookedBy')}>
                  <span data-testid="video-booked-by">
                    {v.bookedByUserId === me.id ? me.displayName : t('video.convener')} {t('video.onBehalf')}
                  </span>
                </Descriptions.Item>
              ) : null}
              <Descriptions.Item label={t('booking.consent')}>
                {consent
                  ? `${enumLabel(t, 'scope', consent.scope)} · ${consent.signerName}${consent.signerRelation ? `（${consent.signerRelation}）` : ''} · ${consent.signedOn}`
                  : t('video.consentOnFile')}
              </Descriptions.Item>
              {v.consultId ? (
                <Descriptions.Item label={t('video.fromConsult')}>
                  <Link to={`/consults/${v.consultId}`} data-testid="video-consult-link">
                    {t('referral.openConsult')}
                  </Link>
                </Descriptions.Item>
              ) : null}
            </Descriptions>
            <Descriptions column={1} size="small" bordered style={{ marginTop: 12 }}>
              <Descriptions.Item label={t('booking.purpose')}>
                <span data-testid="video-purpose">
                  <Text value={v.purpose} />
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t('booking.recordSummary')}>
                <Text value={v.recordSummary} />
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card
            title={t('video.attendance')}
            data-testid="video-attendance"
            style={{ height: '100%' }}
            extra={
              <Typography.Text data-testid="video-duration">
                {t('video.duration', { time: formatSeconds(v.durationSeconds, t) })}
              </Typography.Text>
            }
          >
            {v.attendance.length ? (
              <Table<RoomStay>
                size="small"
                rowKey={(s) => `${s.userId}-${s.joinedAt}`}
                pagination={false}
                dataSource={v.attendance}
                columns={[
                  { title: t('field.user'), key: 'u', render: (_, s) => people.get(s.userId) ?? t('video.observer') },
                  { title: t('video.joined'), key: 'j', render: (_, s) => dayjs(s.joinedAt).format('MM-DD HH:mm:ss') },
                  {
                    title: t('video.left'),
                    key: 'l',
                    render: (_, s) => (s.leftAt ? dayjs(s.leftAt).format('MM-DD HH:mm:ss') : t('video.stillThere')),
                  },
                  { title: t('video.stayed'), key: 's', render: (_, s) => formatSeconds(s.seconds, t) },
                ]}
              />
            ) : (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('video.noAttendance')} />
            )}
          </Card>
        </Col>
      </Row>

      <VideoActionModal
        video={v}
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
