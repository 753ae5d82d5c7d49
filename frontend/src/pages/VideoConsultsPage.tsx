// The video consultations of the user's institution, either side: upcoming or past.
import { useState, type HTMLAttributes } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, Button, Card, Segmented, Space, Table, Typography } from 'antd';
import { CalendarOutlined, ReloadOutlined } from '@ant-design/icons';
import { listVideos } from '../api/consults';
import type { VideoConsult } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { VideoStatusTag } from '../components/ConsultTags';
import { addDays, beijingInstant, beijingToday, formatBeijing, beijing } from '../schedule/logic';
import { errorText } from '../utils/errorText';
import { useConsultantNames, useInstitutionNames } from '../utils/useDirectoryNames';
import { useLoad } from '../utils/useLoad';
import { usePatientNames } from '../utils/usePatientNames';

type When = 'upcoming' | 'past';

export function VideoConsultsPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [when, setWhen] = useState<When>('upcoming');
  const today = beijingToday();
  const list = useLoad(() => {
    const q =
      when === 'upcoming'
        ? { from: beijingInstant(today), to: beijingInstant(addDays(today, 62)) }
        : { from: beijingInstant(addDays(today, -62)), to: beijingInstant(today) };
    return listVideos(q).then((r) => (when === 'past' ? [...r.items].reverse() : r.items));
  }, [when, today]);
  const items = list.data ?? [];
  const patients = usePatientNames(items.map((v) => v.patientId));
  const institutions = useInstitutionNames();
  const specialists = useConsultantNames(items.map((v) => v.targetInstitutionId));

  const columns = [
    {
      title: t('video.when'),
      key: 'when',
      render: (_: unknown, v: VideoConsult) => (
        <Link to={`/video-consults/${v.id}`} onClick={(e) => e.stopPropagation()} data-testid="video-row-when">
          {formatBeijing(v.start)}–{beijing(v.end).time}
        </Link>
      ),
    },
    { title: t('field.status'), key: 'status', render: (_: unknown, v: VideoConsult) => <VideoStatusTag status={v.status} /> },
    {
      title: t('field.patient'),
      key: 'patient',
      render: (_: unknown, v: VideoConsult) => <span data-testid="video-row-patient">{patients.get(v.patientId) ?? '…'}</span>,
    },
    {
      title: t('video.specialist'),
      key: 'specialist',
      render: (_: unknown, v: VideoConsult) =>
        `${specialists.get(v.specialistUserId)?.name ?? ''} · ${institutions.get(v.targetInstitutionId) ?? ''}`,
    },
    {
      title: t('consult.requester'),
      key: 'requester',
      render: (_: unknown, v: VideoConsult) => institutions.get(v.requesterInstitutionId) ?? t('common.none'),
    },
    {
      title: t('booking.invitedSpecialty'),
      key: 'specialty',
      render: (_: unknown, v: VideoConsult) => enumLabel(t, 'sub', v.invitedSpecialty),
    },
    {
      title: t('booking.purpose'),
      key: 'purpose',
      render: (_: unknown, v: VideoConsult) => (
        <Typography.Text ellipsis style={{ maxWidth: 260 }}>
          {v.purpose}
        </Typography.Text>
      ),
    },
  ];

  return (
    <Card
      title={t('video.listTitle')}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.refresh')} data-testid="videos-refresh" />
          <Button type="primary" icon={<CalendarOutlined />} onClick={() => navigate('/schedule')} data-testid="videos-board">
            {t('menu.schedule')}
          </Button>
        </Space>
      }
    >
      <Segmented<When>
        value={when}
        onChange={setWhen}
        options={[
          { value: 'upcoming', label: <span data-testid="videos-upcoming">{t('video.upcoming')}</span> },
          { value: 'past', label: <span data-testid="videos-past">{t('video.past')}</span> },
        ]}
        style={{ marginBottom: 16 }}
      />
      {list.error ? <Alert type="error" showIcon title={errorText(list.error, t('common.loadFailed'))} style={{ marginBottom: 16 }} /> : null}
      <Table<VideoConsult>
        data-testid="videos-table"
        rowKey="id"
        size="middle"
        loading={list.loading && !list.data}
        dataSource={items}
        columns={columns}
        pagination={{ pageSize: 25, hideOnSinglePage: true }}
        scroll={{ x: 960 }}
        locale={{ emptyText: t('video.empty') }}
        onRow={(v) =>
          ({
            onClick: () => navigate(`/video-consults/${v.id}`),
            style: { cursor: 'pointer' },
            'data-testid': 'video-row',
            'data-status': v.status,
          }) as HTMLAttributes<HTMLElement>
        }
      />
    </Card>
  );
}
