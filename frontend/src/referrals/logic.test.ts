import { describe, expect, it } from 'vitest';
import { translator } from '../i18n/translate';
import type { ClinicalContent, ReferralAction } from '../api/types';
import { REFERRAL_ACTIONS } from '../api/types';
import {
  acceptableAttachment,
  actionSpec,
  buildActionBody,
  clockKind,
  counterpart,
  countdown,
  countdownColor,
  defaultDirection,
  fieldPath,
  formatBytes,
  formatCountdown,
  isClosed,
  proposedUrgency,
  randomKey,
  submissionFor,
  suggestsFastTrack,
} from './logic';

const zh = translator('zh');
const en = translator('en');
const NOW = Date.parse('2024-05-01T08:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('fast-track suggestion', () => {
  it('risk grade 3 to 5 or an unstable assessment proposes the fast track', () => {
    for (const g of [0, 1, 2]) expect(suggestsFastTrack(g, false), `grade ${g}`).toBe(false);
    for (const g of [3, 4, 5]) expect(suggestsFastTrack(g, false), `grade ${g}`).toBe(true);
    expect(suggestsFastTrack(0, true)).toBe(true);
    expect(suggestsFastTrack(undefined, false)).toBe(false);
    expect(suggestsFastTrack(null, undefined)).toBe(false);
  });

  it('pre-selects fast track when the suggestion turns on, and otherwise leaves the doctor’s choice alone', () => {
    expect(proposedUrgency('routine', false, true)).toBe('fast_track');
    expect(proposedUrgency('urgent', false, true)).toBe('fast_track');
    // the doctor changed it back while the suggestion stands: kept
    expect(proposedUrgency('urgent', true, true)).toBe('urgent');
    // the suggestion goes away: the current choice stays (the doctor decides)
    expect(proposedUrgency('fast_track', true, false)).toBe('fast_track');
    expect(proposedUrgency(undefined, false, false)).toBe('routine');
  });

  it('a core hospital refers down by default, everyone else up', () => {
    expect(defaultDirection('tertiary')).toBe('down');
    expect(defaultDirection('chc')).toBe('up');
    expect(defaultDirection('second_grade')).toBe('up');
    expect(defaultDirection(undefined)).toBe('up');
  });
});

describe('SLA countdown', () => {
  it('splits the time left into days, hours and minutes', () => {
    expect(countdown(at(2 * HOUR), NOW)).toMatchObject({ overdue: false, days: 0, hours: 2, minutes: 0 });
    expect(countdown(at(3 * 24 * HOUR + 5 * HOUR + 7 * MIN + 30_000), NOW)).toMatchObject({
      overdue: false,
      days: 3,
      hours: 5,
      minutes: 7,
    });
    expect(countdown(new Date(NOW + 59 * MIN), NOW)).toMatchObject({ days: 0, hours: 0, minutes: 59 });
  });

  it('is overdue once the due time has passed', () => {
    const c = countdown(at(-(90 * MIN)), NOW);
    expect(c).toMatchObject({ overdue: true, hours: 1, minutes: 30 });
    expect(countdownColor(c)).toBe('red');
  });

  it('formats in both languages', () => {
    expect(formatCountdown(countdown(at(26 * HOUR), NOW), zh)).toBe('剩余 1天2小时');
    expect(formatCountdown(countdown(at(26 * HOUR), NOW), en)).toBe('1d 2h left');
    expect(formatCountdown(countdown(at(2 * HOUR + 5 * MIN), NOW), zh)).toBe('剩余 2小时5分');
    expect(formatCountdown(countdown(at(-(5 * MIN)), NOW), zh)).toBe('已超时 5分钟');
    expect(formatCountdown(countdown(at(-(5 * MIN)), NOW), en)).toBe('overdue by 5 min');
  });

  it('turns orange in the last hour', () => {
    expect(countdownColor(countdown(at(30 * MIN), NOW))).toBe('orange');
    expect(countdownColor(countdown(at(3 * HOUR), NOW))).toBe('default');
  });

  it('names the clock that runs, as the server picks dueAt', () => {
    const due = at(HOUR);
    expect(clockKind({ status: 'requested', admitDueAt: null, appointment: null, dueAt: due })).toBe('accept');
    expect(clockKind({ status: 'on_hold', admitDueAt: null, appointment: null, dueAt: due })).toBe('accept');
    expect(clockKind({ status: 'accepted', admitDueAt: due, appointment: null, dueAt: due })).toBe('admit');
    expect(clockKind({ status: 'scheduled', admitDueAt: null, appointment: { at: due, place: 'x' }, dueAt: due })).toBe(
      'appointment',
    );
    expect(clockKind({ status: 'completed', admitDueAt: null, appointment: null, dueAt: null })).toBeNull();
  });
});

const clinical: ClinicalContent = {
  reason: 'r',
  summary: 's',
  diagnoses: ['F20'],
  riskGrade: 4,
  unstable: false,
  medication: 'm',
  subSpecialty: '',
  dischargeSummary: '',
  medicationPlan: '',
  followUpPlan: '',
};
const up = { ...clinical, direction: 'up' as const, status: 'in_progress' as const };
const down = { ...clinical, direction: 'down' as const, status: 'in_progress' as const };
const day = (s: string) => ({ format: () => s });

describe('action forms', () => {
  it('every action has a spec', () => {
    for (const a of REFERRAL_ACTIONS) expect(actionSpec(a, 'up')).toBeTruthy();
  });

  it('advice, questions, answers and reasons are required where the server requires them', () => {
    const required: ReferralAction[] = ['return', 'hold', 'resume', 'cancel', 'fail'];
    for (const a of required) expect(actionSpec(a, 'up').note, a).toBe('required');
    expect(actionSpec('accept', 'up').note).toBe('optional');
    expect(actionSpec('schedule', 'up').note).toBe('none');
    expect(actionSpec('return', 'up').noteLabel).toBe('field.advice');
    expect(actionSpec('hold', 'up').noteLabel).toBe('field.question');
    expect(actionSpec('resume', 'up').noteLabel).toBe('field.answer');
  });

  it('completing an upward referral returns diagnosis and plan; a downward one records the first follow-up', () => {
    expect(actionSpec('complete', 'up')).toMatchObject({ outcome: true, outcomeDetailsRequired: true, followUp: false });
    expect(actionSpec('complete', 'down')).toMatchObject({ outcome: true, outcomeDetailsRequired: false, followUp: true });
  });

  it('a returned referral may be revised when resubmitted; a draft is submitted as it is', () => {
    expect(actionSpec('submit', 'up', 'returned').revision).toBe(true);
    expect(actionSpec('submit', 'up', 'draft').revision).toBe(false);
  });

  it('the body always carries the version the user saw', () => {
    expect(buildActionBody('accept', 3, {}, up)).toEqual({ version: 3 });
    expect(buildActionBody('accept', 3, { note: '  ok ' }, up)).toEqual({ version: 3, note: 'ok' });
    expect(buildActionBody('return', 2, { note: ' 请先完善血常规 ' }, up)).toEqual({ version: 2, note: '请先完善血常规' });
  });

  it('schedule sends an RFC 3339 time and the place', () => {
    const when = { toISOString: () => '2024-05-02T01:00:00.000Z' };
    expect(buildActionBody('schedule', 4, { at: when, place: ' 门诊 2 楼 ', note: 'x' }, up)).toEqual({
      version: 4,
      at: '2024-05-02T01:00:00.000Z',
      place: '门诊 2 楼',
    });
  });

  it('redirect names the new receiver', () => {
    expect(buildActionBody('redirect', 2, { receiverInstitutionId: 'i2', receiverDepartment: ' ', note: '床位满' }, up)).toEqual({
      version: 2,
      receiverInstitutionId: 'i2',
      note: '床位满',
    });
  });

  it('complete sends the outcome, and downward the first follow-up', () => {
    const outcome = { summary: ' 好转 ', diagnoses: ['F20.0'], plan: ' 维持 ' };
    expect(buildActionBody('complete', 5, { outcome }, up)).toEqual({
      version: 5,
      outcome: { summary: '好转', diagnoses: ['F20.0'], plan: '维持' },
    });
    const body = buildActionBody(
      'complete',
      5,
      { outcome: { summary: '已接收' }, followUp: { date: day('2024-05-01'), riskGrade: 1, condition: 'basically_stable', notes: ' n ' } },
      down,
    );
    expect(body).toEqual({
      version: 5,
      outcome: { summary: '已接收', diagnoses: [], plan: '' },
      followUp: { date: '2024-05-01', riskGrade: 1, condition: 'basically_stable', notes: 'n' },
    });
  });

  it('resubmitting a returned referral sends the whole revised clinical content', () => {
    const body = buildActionBody('submit', 3, { revision: { summary: ' new ', riskGrade: 2 } }, { ...up, status: 'returned' });
    expect(body.revision).toEqual({ ...clinical, summary: 'new', riskGrade: 2 });
    expect(buildActionBody('submit', 1, { revision: { summary: 'x' } }, { ...up, status: 'draft' })).toEqual({ version: 1 });
  });

  it('server field names map to form paths', () => {
    expect(fieldPath('outcome.summary')).toEqual(['outcome', 'summary']);
    expect(fieldPath('note')).toEqual(['note']);
  });
});

describe('idempotent submission', () => {
  it('reuses the key for a retry of the same body and makes a new one for a changed body', () => {
    let n = 0;
    const gen = () => `k${++n}`;
    const first = submissionFor(null, '{"a":1}', gen);
    expect(first).toEqual({ key: 'k1', body: '{"a":1}' });
    expect(submissionFor(first, '{"a":1}', gen)).toBe(first);
    expect(submissionFor(first, '{"a":2}', gen)).toEqual({ key: 'k2', body: '{"a":2}' });
  });

  it('random keys differ', () => {
    const a = randomKey();
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(randomKey()).not.toBe(a);
  });
});

describe('misc', () => {
  it('closed statuses', () => {
    expect(['completed', 'redirected', 'cancelled', 'failed'].every((s) => isClosed(s as never))).toBe(true);
    expect(isClosed('requested')).toBe(false);
    expect(isClosed('returned')).toBe(false);
  });

  it('the counterpart of a worklist row is the other institution', () => {
    const r = { senderInstitution: { name: 'CHC' }, receiverInstitution: { name: 'Core' } } as never;
    expect(counterpart(r, 'incoming')).toBe('CHC');
    expect(counterpart(r, 'outgoing')).toBe('Core');
  });

  it('accepts PDF, JPEG and PNG up to 20 MB', () => {
    expect(acceptableAttachment({ type: 'application/pdf', size: 1000 })).toBe(true);
    expect(acceptableAttachment({ type: 'image/png', size: 20 * 1024 * 1024 })).toBe(true);
    expect(acceptableAttachment({ type: 'image/png', size: 20 * 1024 * 1024 + 1 })).toBe(false);
    expect(acceptableAttachment({ type: 'image/gif', size: 10 })).toBe(false);
    expect(acceptableAttachment({ type: 'application/pdf', size: 0 })).toBe(false);
  });

  it('formats sizes', () => {
    expect(formatBytes(532)).toBe('532 B');
    expect(formatBytes(12_800)).toBe('12.5 KB');
    expect(formatBytes(3.2 * 1024 * 1024)).toBe('3.2 MB');
  });
});
