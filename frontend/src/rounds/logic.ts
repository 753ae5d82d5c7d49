// Pure rules of the ward-round and teaching screens: recurrence labels, check-in
// windows, who may schedule or present, and training-credit arithmetic.
import type { LectureKind, OccurrenceStatus, Recurrence, RoundSeries, RoundWeekday } from '../api/types';
import { ROUND_WEEKDAYS } from '../api/types';
import type { Translate } from '../i18n/translate';
import { enumLabel } from '../i18n/enums';
import { formatDuration } from '../referrals/logic';

export const OCCURRENCE_STATUS_COLORS: Record<OccurrenceStatus, string> = {
  scheduled: 'blue',
  held: 'green',
  cancelled: 'default',
};

export const LECTURE_KIND_COLORS: Record<LectureKind, string> = { lecture: 'cyan', case_conference: 'purple' };

/** The server's weekday name from 0 = Sunday. */
export const weekdayName = (n: number): RoundWeekday => ROUND_WEEKDAYS[((n % 7) + 7) % 7];
/** 0 = Sunday from the server's weekday name. */
export const weekdayNumber = (w: RoundWeekday): number => ROUND_WEEKDAYS.indexOf(w);

/** "每周二 09:00 · 90分钟" / "Tuesdays 09:00 · 90 min". */
export function recurrenceLabel(r: Recurrence, t: Translate): string {
  return t('rounds.recurrence', {
    weekday: enumLabel(t, 'weekday', weekdayNumber(r.weekday)),
    time: r.time,
    minutes: r.durationMinutes,
  });
}

/** Minutes as "1小时30分" / "1h 30m". */
export function formatMinutes(minutes: number, t: Translate): string {
  const m = Math.max(0, Math.floor(minutes));
  return formatDuration({ days: 0, hours: Math.floor(m / 60), minutes: m % 60 }, t);
}

/** Hours with one decimal, for credit tables. */
export function creditHours(minutes: number): string {
  return (Math.max(0, minutes) / 60).toFixed(1);
}

/** Attendance may be recorded from 30 minutes before the start until the scheduled end, unless cancelled. */
export function checkInOpen(s: { startsAt: string; endsAt: string; status?: string }, now: number): boolean {
  if (s.status === 'cancelled') return false;
  return now >= Date.parse(s.startsAt) - 30 * 60_000 && now <= Date.parse(s.endsAt);
}

/** A ward round's room may be joined from 30 minutes before the start to an hour after the end. */
export function roomOpen(s: { startsAt: string; endsAt: string; status?: string }, now: number): boolean {
  if (s.status === 'cancelled') return false;
  return now >= Date.parse(s.startsAt) - 30 * 60_000 && now <= Date.parse(s.endsAt) + 3600_000;
}

interface MeLike {
  roles: readonly string[];
  institutionId: string;
  institution?: { level?: string };
}

/** Ward rounds are scheduled by a specialist or the convener of a core (tertiary) hospital. */
export function canScheduleRounds(me: MeLike): boolean {
  return me.institution?.level === 'tertiary' && (me.roles.includes('specialist') || me.roles.includes('convener'));
}

/** Cases are presented by a doctor or specialist of one of the round's member wards. */
export function canPresentCase(me: MeLike, round: Pick<RoundSeries, 'wardInstitutionIds'>): boolean {
  return round.wardInstitutionIds.includes(me.institutionId) && (me.roles.includes('doctor') || me.roles.includes('specialist'));
}

/** Lectures and case conferences are scheduled by specialists and conveners. */
export function canScheduleTeaching(roles: readonly string[]): boolean {
  return roles.includes('specialist') || roles.includes('convener');
}

/** Who registers for and attends teaching: clinicians. */
export function isClinician(roles: readonly string[]): boolean {
  return roles.includes('doctor') || roles.includes('specialist') || roles.includes('convener');
}
