import { describe, expect, it } from 'vitest';
import { translator } from '../i18n/translate';
import {
  canPresentCase,
  canScheduleRounds,
  canScheduleTeaching,
  checkInOpen,
  creditHours,
  formatMinutes,
  isClinician,
  recurrenceLabel,
  roomOpen,
  weekdayName,
  weekdayNumber,
} from './logic';

describe('ward rounds', () => {
  it('names recurrences in both languages', () => {
    const r = { weekday: 'tuesday' as const, time: '09:00', durationMinutes: 90, from: '2025-01-07', until: '' };
    expect(recurrenceLabel(r, translator('zh'))).toBe('每周二 09:00 · 90 分钟');
    expect(recurrenceLabel(r, translator('en'))).toBe('Every Tuesday 09:00 · 90 min');
  });

  it('maps weekday names and numbers both ways', () => {
    expect(weekdayName(0)).toBe('sunday');
    expect(weekdayName(9)).toBe('tuesday');
    expect(weekdayNumber('saturday')).toBe(6);
  });

  it('check-in runs from 30 minutes before the start to the end; the room an hour longer', () => {
    const s = { startsAt: '2025-03-04T01:00:00Z', endsAt: '2025-03-04T02:30:00Z', status: 'scheduled' };
    expect(checkInOpen(s, Date.parse('2025-03-04T00:29:00Z'))).toBe(false);
    expect(checkInOpen(s, Date.parse('2025-03-04T00:30:00Z'))).toBe(true);
    expect(checkInOpen(s, Date.parse('2025-03-04T02:30:00Z'))).toBe(true);
    expect(checkInOpen(s, Date.parse('2025-03-04T02:31:00Z'))).toBe(false);
    expect(roomOpen(s, Date.parse('2025-03-04T03:30:00Z'))).toBe(true);
    expect(roomOpen(s, Date.parse('2025-03-04T03:31:00Z'))).toBe(false);
    expect(checkInOpen({ ...s, status: 'cancelled' }, Date.parse('2025-03-04T01:00:00Z'))).toBe(false);
  });

  it('core-hospital specialists and conveners schedule; member-ward doctors present', () => {
    const core = { level: 'tertiary' };
    expect(canScheduleRounds({ roles: ['specialist'], institutionId: 'c', institution: core })).toBe(true);
    expect(canScheduleRounds({ roles: ['convener'], institutionId: 'c', institution: core })).toBe(true);
    expect(canScheduleRounds({ roles: ['doctor'], institutionId: 'c', institution: core })).toBe(false);
    expect(canScheduleRounds({ roles: ['specialist'], institutionId: 'x', institution: { level: 'second_grade' } })).toBe(false);
    const round = { wardInstitutionIds: ['chc', 'county'] };
    expect(canPresentCase({ roles: ['doctor'], institutionId: 'chc' }, round)).toBe(true);
    expect(canPresentCase({ roles: ['convener'], institutionId: 'chc' }, round)).toBe(false);
    expect(canPresentCase({ roles: ['doctor'], institutionId: 'other' }, round)).toBe(false);
  });
});

describe('teaching and credit', () => {
  it('specialists and conveners schedule teaching; every clinician attends', () => {
    expect(canScheduleTeaching(['specialist'])).toBe(true);
    expect(canScheduleTeaching(['convener'])).toBe(true);
    expect(canScheduleTeaching(['doctor'])).toBe(false);
    expect(isClinician(['doctor'])).toBe(true);
    expect(isClinician(['alliance_admin'])).toBe(false);
  });

  it('shows minutes and credit hours', () => {
    const en = translator('en');
    expect(formatMinutes(95, en)).toBe('1h 35m');
    expect(formatMinutes(45, en)).toBe('45 min');
    expect(formatMinutes(-3, en)).toBe('0 min');
    expect(formatMinutes(125, translator('zh'))).toBe('2小时5分');
    expect(creditHours(90)).toBe('1.5');
    expect(creditHours(0)).toBe('0.0');
  });
});
