// The schedule board: a week calendar of one specialist's video-consultation slots
// (free and booked), their weekly templates and exceptions, and booking a slot, for
// oneself or, as a convener, on behalf of the doctor who asked.
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Button, Card, Col, Empty, Row, Select, Space, Spin, Tag, Tooltip, Typography } from 'antd';
import { LeftOutlined, ReloadOutlined, RightOutlined, VideoCameraOutlined } from '@ant-design/icons';
import { freeSlots, getAvailability, getConsult, listConsultants, listVideos } from '../api/consults';
import { listMembers } from '../api/directory';
import type { Slot } from '../api/types';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { AvailabilityEditor } from '../components/AvailabilityEditor';
import { VideoBookingModal } from '../components/VideoBookingModal';
import { VideoStatusTag } from '../components/ConsultTags';
import { membersByLevel, VIDEO_STATUS_COLORS } from '../consults/logic';
import {
  addDays,
  beijingInstant,
  beijingToday,
  boardCells,
  canManageSchedule,
  formatSpan,
  instantKey,
  slotWindow,
  weekDates,
  weekdayOf,
  weekStart,
} from '../schedule/logic';
import { errorText } from '../utils/errorText';
import { useLoad } from '../utils/useLoad';
import { usePatientNames } from '../utils/usePatientNames';

const isDate = (s: string | null): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

export function ScheduleBoardPage() {
  const me = useMe();
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const consultId = params.get('consultId') ?? '';
  const today = beijingToday();
  const week = isDate(params.get('week')) ? weekStart(params.get('week')!) : weekStart(today);
  const dates = weekDates(week);

  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  const alliances = me.alliances ?? [];
  const members = useLoad(
    () => Promise.all(alliances.map((a) => listMembers(a.id).then((r) => r.items))).then((xs) => membersByLevel(xs.flat())),
    [alliances.map((a) => a.id).join(',')],
  );
  const defaultInstitution =
    me.institution?.level === 'tertiary' ? me.institutionId : (alliances[0]?.initiatorId ?? me.institutionId);
  const institutionId = params.get('institutionId') || defaultInstitution;

  const consultants = useLoad(() => listConsultants(institutionId).then((r) => r.items), [institutionId]);
  const specialistId =
    params.get('specialistId') && consultants.data?.some((u) => u.id === params.get('specialistId'))
      ? params.get('specialistId')!
      : (consultants.data?.[0]?.id ?? '');
  const specialist = consultants.data?.find((u) => u.id === specialistId);

  const availability = useLoad(
    () => (specialistId ? getAvailability(specialistId) : Promise.resolve(undefined)),
    [specialistId],
  );
  const [tick, setTick] = useState(0);
  const slots = useLoad(() => {
    const w = slotWindow(week, Date.now());
    return specialistId && w ? freeSlots(specialistId, w.from, w.to).then((r) => r.items) : Promise.resolve([]);
  }, [specialistId, week, tick, availability.data]);
  const videos = useLoad(
    () =>
      specialistId
        ? listVideos({ from: beijingInstant(week), to: beijingInstant(addDays(week, 7)), specialistId }).then((r) => r.items)
        : Promise.resolve([]),
    [specialistId, week, tick],
  );
  const names = usePatientNames((videos.data ?? []).map((v) => v.patientId));
  const consult = useLoad(() => (consultId ? getConsult(consultId) : Promise.resolve(null)), [consultId]);

  const cells = useMemo(() => boardCells(dates, slots.data ?? [], videos.data ?? []), [dates.join(','), slots.data, videos.data]); // eslint-disable-line react-hooks/exhaustive-deps
  const canManage = canManageSchedule(me, specialistId, institutionId);
  const canBook = me.roles.includes('doctor') || me.roles.includes('specialist') || me.roles.includes('convener');
  const [booking, setBooking] = useState<Slot | null>(null);

  // Another specialist: an open booking form was for the previous one's slot.
  useEffect(() => {
    setBooking(null);
  }, [specialistId]);

  const refresh = () => setTick((n) => n + 1);
  const loading = slots.loading || videos.loading;
  const error = slots.error || videos.error || consultants.error;

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="schedule-page">
      {consultId && consult.data ? (
        <Alert
          type="info"
          showIcon
          icon={<VideoCameraOutlined />}
          data-testid="schedule-consult-banner"
          title={t('schedule.forConsult', { patient: consult.data.patient?.name ?? '' })}
          action={
            <Space>
              <Link to={`/consults/${consultId}`}>{t('schedule.backToConsult')}</Link>
              <Button size="small" onClick={() => set({ consultId: undefined })}>
                {t('common.close')}
              </Button>
            </Space>
          }
        />
      ) : null}
      <Card
        title={t('schedule.title')}
        extra={<Button icon={<ReloadOutlined />} onClick={refresh} aria-label={t('common.refresh')} data-testid="schedule-refresh" />}
      >
        <Row gutter={[12, 12]} align="middle" style={{ marginBottom: 16 }}>
          <Col xs={24} md={10}>
            <Select
              style={{ width: '100%' }}
              showSearch={{ optionFilterProp: 'label' }}
              value={institutionId}
              loading={members.loading}
              onChange={(v: string) => set({ institutionId: v, specialistId: undefined })}
              options={(members.data ?? []).map((m) => ({ value: m.institutionId, label: m.institution?.name ?? m.institutionId }))}
              data-testid="schedule-institution"
            />
          </Col>
          <Col xs={24} md={8}>
            <Select
              style={{ width: '100%' }}
              value={specialistId || undefined}
              loading={consultants.loading}
              placeholder={t('schedule.noSpecialists')}
              onChange={(v: string) => set({ specialistId: v })}
              options={(consultants.data ?? []).map((u) => ({
                value: u.id,
                label: `${u.displayName} · ${enumLabel(t, 'title', u.title)}`,
              }))}
              data-testid="schedule-specialist"
            />
          </Col>
          <Col xs={24} md={6}>
            <Space wrap>
              <Button icon={<LeftOutlined />} onClick={() => set({ week: addDays(week, -7) })} aria-label={t('schedule.prevWeek')} data-testid="schedule-prev-week" />
              <Button onClick={() => set({ week: undefined })} data-testid="schedule-this-week">
                {t('schedule.thisWeek')}
              </Button>
              <Button icon={<RightOutlined />} onClick={() => set({ week: addDays(week, 7) })} aria-label={t('schedule.nextWeek')} data-testid="schedule-next-week" />
            </Space>
          </Col>
        </Row>
        <Space wrap style={{ marginBottom: 12 }}>
          <Typography.Text strong data-testid="schedule-week-label" data-week={week}>
            {t('schedule.weekOf', { from: dates[0], to: dates[6] })}
          </Typography.Text>
          <Typography.Text type="secondary">{t('schedule.beijingTime')}</Typography.Text>
          {loading ? <Spin size="small" /> : null}
          <Tag color="green">{t('schedule.free')}</Tag>
          <Tag color="blue">{t('schedule.booked')}</Tag>
        </Space>
        {error ? <Alert type="error" showIcon style={{ marginBottom: 12 }} title={errorText(error, t('common.loadFailed'))} /> : null}
        {!consultants.loading && !consultants.data?.length ? (
          <Empty description={t('schedule.noSpecialists')} />
        ) : (
          <div
            data-testid="schedule-week"
            data-specialist-id={specialistId}
            style={{ display: 'grid', gridTemplateColumns: 'repeat(7, minmax(100px, 1fr))', gap: 8, overflowX: 'auto' }}
          >
            {dates.map((d) => {
              const day = cells.get(d) ?? [];
              const past = d < today;
              return (
                <div
                  key={d}
                  data-testid="schedule-day"
                  data-date={d}
                  style={{
                    border: '1px solid #f0f0f0',
                    borderRadius: 8,
                    padding: 6,
                    minHeight: 160,
                    background: d === today ? '#f3faf9' : past ? '#fafafa' : '#fff',
                  }}
                >
                  <div style={{ textAlign: 'center', marginBottom: 8 }}>
                    <Typography.Text strong>{enumLabel(t, 'weekday', weekdayOf(d))}</Typography.Text>
                    <div>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {d.slice(5)}
                      </Typography.Text>
                    </div>
                  </div>
                  <Space orientation="vertical" size={6} style={{ width: '100%' }}>
                    {day.map((c) =>
                      c.kind === 'free' ? (
                        <Tooltip key={c.key} title={canBook ? t('schedule.bookThis') : undefined}>
                          <Button
                            block
                            style={{ borderColor: '#52c41a', color: '#389e0d', height: 40, paddingInline: 4 }}
                            disabled={!canBook}
                            onClick={() => setBooking(c.slot)}
                            data-testid="slot-free"
                            data-start={instantKey(c.slot.start)}
                          >
                            {formatSpan(c.slot)}
                          </Button>
                        </Tooltip>
                      ) : (
                        <div
                          key={c.key}
                          role="link"
                          tabIndex={0}
                          onClick={() => navigate(`/video-consults/${c.video.id}`)}
                          onKeyDown={(e) => e.key === 'Enter' && navigate(`/video-consults/${c.video.id}`)}
                          data-testid="slot-booked"
                          data-start={instantKey(c.slot.start)}
                          data-video-id={c.video.id}
                          style={{
                            cursor: 'pointer',
                            borderRadius: 6,
                            padding: '6px 8px',
                            minHeight: 40,
                            background: c.video.status === 'booked' ? '#e6f4ff' : '#f6ffed',
                            border: `1px solid ${VIDEO_STATUS_COLORS[c.video.status] === 'blue' ? '#91caff' : '#d9d9d9'}`,
                          }}
                        >
                          <div style={{ fontWeight: 500 }}>{formatSpan(c.slot)}</div>
                          <div style={{ fontSize: 12 }} data-testid="slot-booked-patient">
                            {names.get(c.video.patientId) ?? t('schedule.bookedSlot')}
                          </div>
                          <VideoStatusTag status={c.video.status} />
                        </div>
                      ),
                    )}
                    {!day.length ? (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {t('schedule.nothing')}
                      </Typography.Text>
                    ) : null}
                  </Space>
                </div>
              );
            })}
          </div>
        )}
      </Card>

      {specialistId ? (
        <AvailabilityEditor
          specialistId={specialistId}
          availability={availability.data}
          loading={availability.loading}
          canManage={canManage}
          onChanged={availability.reload}
        />
      ) : null}

      <VideoBookingModal
        slot={booking}
        specialist={specialist}
        consultId={consultId || undefined}
        onClose={() => setBooking(null)}
        onBooked={() => {
          setBooking(null);
          refresh();
        }}
        onTaken={() => {
          setBooking(null);
          refresh();
        }}
      />
    </Space>
  );
}
