import { describe, expect, it } from 'vitest';
import type { VideoConsult } from '../api/types';
import {
  addDays,
  beijing,
  beijingInstant,
  beijingToday,
  boardCells,
  canManageSchedule,
  clockOptions,
  formatBeijing,
  formatSpan,
  instantKey,
  joinWindowOpen,
  sameInstant,
  slotWindow,
  spanFits,
  weekDates,
  weekdayOf,
  weekStart,
} from './logic';

describe('Beijing wall clock', () => {
  it('reads instants in UTC+8 whatever the browser zone', () => {
    // 2025-03-03T17:30Z is Tuesday 01:30 in Beijing.
    expect(beijing('2025-03-03T17:30:00Z')).toEqual({ date: '2025-03-04', time: '01:30', weekday: 2 });
    expect(formatBeijing('2025-03-04T01:00:00Z')).toBe('2025-03-04 09:00');
    expect(formatBeijing(null)).toBe('');
    expect(formatSpan({ start: '2025-03-04T01:00:00Z', end: '2025-03-04T01:30:00Z' })).toBe('09:00–09:30');
  });

  it('turns a Beijing date and time into the instant', () => {
    expect(beijingInstant('2025-03-04', '09:00')).toBe('2025-03-04T01:00:00.000Z');
    expect(beijingInstant('2025-03-04')).toBe('2025-03-03T16:00:00.000Z');
    expect(beijingToday(Date.parse('2025-12-31T16:30:00Z'))).toBe('2026-01-01');
  });

  it('compares instants written differently', () => {
    expect(sameInstant('2025-03-04T01:00:00Z', '2025-03-04T01:00:00.000Z')).toBe(true);
    expect(instantKey('2025-03-04T09:00:00+08:00')).toBe('2025-03-04T01:00:00.000Z');
  });
});

describe('weeks', () => {
  it('runs Monday to Sunday', () => {
    expect(weekdayOf('2025-03-04')).toBe(2);
    expect(weekStart('2025-03-04')).toBe('2025-03-03');
    expect(weekStart('2025-03-09')).toBe('2025-03-03'); // Sunday belongs to the week before
    expect(weekStart('2025-03-03')).toBe('2025-03-03');
    expect(weekDates('2025-12-29')).toEqual(['2025-12-29', '2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04']);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('asks for free slots from now in the current week, none in a past one', () => {
    const now = Date.parse('2025-03-05T04:00:00Z'); // Wednesday 12:00 Beijing
    expect(slotWindow('2025-03-03', now)).toEqual({ from: '2025-03-05T04:00:00.000Z', to: '2025-03-09T16:00:00.000Z' });
    expect(slotWindow('2025-03-10', now)).toEqual({ from: '2025-03-09T16:00:00.000Z', to: '2025-03-16T16:00:00.000Z' });
    expect(slotWindow('2025-02-24', now)).toBeNull();
  });
});

const video = (id: string, start: string, end: string, status: VideoConsult['status'] = 'booked') =>
  ({ id, start, end, status, patientId: 'p' }) as VideoConsult;

describe('board cells', () => {
  it('puts free slots and visible bookings on their Beijing day in time order; cancelled ones leave', () => {
    const dates = weekDates('2025-03-03');
    const cells = boardCells(
      dates,
      [
        { start: '2025-03-04T01:30:00Z', end: '2025-03-04T02:00:00Z' },
        { start: '2025-03-04T01:00:00Z', end: '2025-03-04T01:30:00Z' },
        { start: '2025-03-09T15:30:00Z', end: '2025-03-09T16:00:00Z' }, // Sunday 23:30 Beijing
        { start: '2025-03-09T16:00:00Z', end: '2025-03-09T16:30:00Z' }, // next Monday: not this week
      ],
      [video('v1', '2025-03-04T02:00:00Z', '2025-03-04T02:30:00Z'), video('v2', '2025-03-04T02:30:00Z', '2025-03-04T03:00:00Z', 'cancelled')],
    );
    const tuesday = cells.get('2025-03-04')!;
    expect(tuesday.map((c) => `${c.kind}@${formatSpan(c.slot)}`)).toEqual(['free@09:00–09:30', 'free@09:30–10:00', 'booked@10:00–10:30']);
    expect(cells.get('2025-03-09')!.map((c) => c.kind)).toEqual(['free']);
    expect([...cells.values()].flat()).toHaveLength(4);
  });
});

describe('editing availability', () => {
  it('offers times every quarter hour', () => {
    const opts = clockOptions('08:00', '09:00', 15);
    expect(opts).toEqual(['08:00', '08:15', '08:30', '08:45', '09:00']);
    expect(clockOptions()).toContain('22:00');
  });

  it('a span fits when it ends after it starts and holds one slot', () => {
    expect(spanFits('09:00', '12:00', 30)).toBe(true);
    expect(spanFits('09:00', '09:20', 30)).toBe(false);
    expect(spanFits('12:00', '09:00')).toBe(false);
    expect(spanFits('09:00', '09:00')).toBe(false);
    expect(spanFits(undefined, '09:00')).toBe(false);
  });

  it('the specialist and their facility’s convener manage a schedule', () => {
    const spec = { id: 's1', roles: ['specialist'], institutionId: 'core' };
    const conv = { id: 'c1', roles: ['convener'], institutionId: 'core' };
    const otherConv = { id: 'c2', roles: ['convener'], institutionId: 'chc' };
    const doctor = { id: 'd1', roles: ['doctor'], institutionId: 'core' };
    expect(canManageSchedule(spec, 's1', 'core')).toBe(true);
    expect(canManageSchedule(spec, 's2', 'core')).toBe(false);
    expect(canManageSchedule(conv, 's1', 'core')).toBe(true);
    expect(canManageSchedule(otherConv, 's1', 'core')).toBe(false);
    expect(canManageSchedule(doctor, 's1', 'core')).toBe(false);
    expect(canManageSchedule(conv, undefined, 'core')).toBe(false);
  });

  it('the room opens 15 minutes before and closes 2 hours after', () => {
    const v = { start: '2025-03-04T01:00:00Z', end: '2025-03-04T01:30:00Z', status: 'booked' as const };
    expect(joinWindowOpen(v, Date.parse('2025-03-04T00:44:00Z'))).toBe(false);
    expect(joinWindowOpen(v, Date.parse('2025-03-04T00:45:00Z'))).toBe(true);
    expect(joinWindowOpen(v, Date.parse('2025-03-04T03:30:00Z'))).toBe(true);
    expect(joinWindowOpen(v, Date.parse('2025-03-04T03:31:00Z'))).toBe(false);
    expect(joinWindowOpen({ ...v, status: 'cancelled' }, Date.parse('2025-03-04T01:00:00Z'))).toBe(false);
  });
});
