// Pure rules of the referral screens: the fast-track suggestion, SLA countdowns,
// what each action's form asks for and the body it sends, and the idempotency key
// of a submission. Kept free of React so the unit tests cover them directly.
import type {
  ActionBody,
  ClinicalContent,
  Condition,
  Direction,
  Referral,
  ReferralAction,
  ReferralBox,
  ReferralStatus,
  Urgency,
} from '../api/types';
import type { DictKey } from '../i18n/zh';
import type { Translate } from '../i18n/translate';

// ---- fast track -------------------------------------------------------------

/**
 * Risk grade 3–5 or an unstable assessment proposes the fast track (2018 work standard;
 * the server applies the same rule and records it as fastTrackSuggested). The doctor decides.
 */
export function suggestsFastTrack(riskGrade: number | null | undefined, unstable: boolean | null | undefined): boolean {
  return (typeof riskGrade === 'number' && riskGrade >= 3) || !!unstable;
}

/**
 * The urgency the form shows after the clinical content changed: when the suggestion
 * turns on, fast track is pre-selected; otherwise the doctor's current choice stays.
 */
export function proposedUrgency(current: Urgency | undefined, wasSuggested: boolean, nowSuggested: boolean): Urgency {
  if (nowSuggested && !wasSuggested) return 'fast_track';
  return current ?? 'routine';
}

/** The direction a new referral most likely takes from an institution of this level. */
export function defaultDirection(level: string | undefined): Direction {
  return level === 'tertiary' ? 'down' : 'up';
}

// ---- SLA clocks -------------------------------------------------------------

export type ClockKind = 'accept' | 'admit' | 'appointment';

/** Which clock `dueAt` is (mirrors the server's Referral.DueAt). */
export function clockKind(r: Pick<Referral, 'status' | 'admitDueAt' | 'appointment' | 'dueAt'>): ClockKind | null {
  if (!r.dueAt) return null;
  if (r.status === 'requested' || r.status === 'on_hold') return 'accept';
  if ((r.status === 'accepted' || r.status === 'scheduled') && r.admitDueAt) return 'admit';
  if (r.status === 'scheduled' && r.appointment) return 'appointment';
  return null;
}

export interface Countdown {
  overdue: boolean;
  /** whole milliseconds between now and the due time (always ≥ 0) */
  ms: number;
  days: number;
  hours: number;
  minutes: number;
}

export function countdown(dueAt: string | Date, now: number): Countdown {
  const due = typeof dueAt === 'string' ? Date.parse(dueAt) : dueAt.getTime();
  const diff = due - now;
  const overdue = diff < 0;
  const ms = Math.abs(diff);
  const totalMinutes = Math.floor(ms / 60_000);
  return {
    overdue,
    ms,
    days: Math.floor(totalMinutes / 1440),
    hours: Math.floor((totalMinutes % 1440) / 60),
    minutes: totalMinutes % 60,
  };
}

/** "2天3小时" / "2d 3h", "3小时5分" / "3h 5m", "5分钟" / "5 min". */
export function formatDuration(c: Pick<Countdown, 'days' | 'hours' | 'minutes'>, t: Translate): string {
  if (c.days > 0) return t('clock.dh', { d: c.days, h: c.hours });
  if (c.hours > 0) return t('clock.hm', { h: c.hours, m: c.minutes });
  return t('clock.m', { m: c.minutes });
}

/** "剩余 2小时" / "2h 0m left", or "已超时 5分钟" / "overdue by 5 min". */
export function formatCountdown(c: Countdown, t: Translate): string {
  return t(c.overdue ? 'clock.overdue' : 'clock.left', { time: formatDuration(c, t) });
}

/** Colour of a countdown: red when overdue, orange inside the last hour. */
export function countdownColor(c: Countdown): 'red' | 'orange' | 'default' {
  if (c.overdue) return 'red';
  if (c.ms < 3_600_000) return 'orange';
  return 'default';
}

// ---- colours and parties ----------------------------------------------------

export const URGENCY_COLORS: Record<Urgency, string> = { routine: 'default', urgent: 'orange', fast_track: 'red' };

export const STATUS_COLORS: Record<ReferralStatus, string> = {
  draft: 'default',
  requested: 'blue',
  accepted: 'cyan',
  scheduled: 'geekblue',
  in_progress: 'purple',
  completed: 'green',
  returned: 'orange',
  redirected: 'gold',
  on_hold: 'magenta',
  cancelled: 'default',
  failed: 'volcano',
};

export const CLOSED_STATUSES: readonly ReferralStatus[] = ['completed', 'redirected', 'cancelled', 'failed'];
export const isClosed = (s: ReferralStatus) => CLOSED_STATUSES.includes(s);

/** The other side of a referral in a worklist: who sent it (incoming) or where it went (outgoing). */
export function counterpart(r: Pick<Referral, 'senderInstitution' | 'receiverInstitution'>, box: ReferralBox): string {
  const inst = box === 'incoming' ? r.senderInstitution : r.receiverInstitution;
  return inst?.name ?? '';
}

// ---- actions ----------------------------------------------------------------

export type NoteRule = 'required' | 'optional' | 'none';

export interface ActionSpec {
  /** whether the form has a note, and whether it must be filled */
  note: NoteRule;
  /** label of the note field */
  noteLabel: DictKey;
  schedule: boolean;
  redirect: boolean;
  outcome: boolean;
  /** the first community follow-up (downward completion) */
  followUp: boolean;
  /** outcome diagnoses and plan required (upward completion) */
  outcomeDetailsRequired: boolean;
  /** the clinical content may be revised (resubmitting a returned referral) */
  revision: boolean;
  /** styled as a dangerous step */
  danger: boolean;
}

/** What the form of `action` asks for on a referral in this direction and status. */
export function actionSpec(action: ReferralAction, direction: Direction, status?: ReferralStatus): ActionSpec {
  const base: ActionSpec = {
    note: 'none',
    noteLabel: 'field.note',
    schedule: false,
    redirect: false,
    outcome: false,
    followUp: false,
    outcomeDetailsRequired: false,
    revision: false,
    danger: false,
  };
  switch (action) {
    case 'submit':
      return { ...base, revision: status === 'returned' };
    case 'accept':
    case 'arrive':
      return { ...base, note: 'optional' };
    case 'return':
      return { ...base, note: 'required', noteLabel: 'field.advice', danger: true };
    case 'hold':
      return { ...base, note: 'required', noteLabel: 'field.question' };
    case 'resume':
      return { ...base, note: 'required', noteLabel: 'field.answer' };
    case 'redirect':
      return { ...base, redirect: true, note: 'optional', noteLabel: 'field.reasonNote' };
    case 'schedule':
      return { ...base, schedule: true };
    case 'complete':
      return { ...base, outcome: true, followUp: direction === 'down', outcomeDetailsRequired: direction === 'up' };
    case 'cancel':
    case 'fail':
      return { ...base, note: 'required', noteLabel: 'field.reasonNote', danger: true };
  }
}

/** Primary buttons: the step that moves the referral forward. */
export const FORWARD_ACTIONS: readonly ReferralAction[] = ['submit', 'accept', 'resume', 'schedule', 'arrive', 'complete'];

interface DateLike {
  format: (f: string) => string;
}
interface DateTimeLike {
  toISOString: () => string;
}

/** The values of an action form (antd Form, nested names). */
export interface ActionValues {
  note?: string;
  at?: DateTimeLike | null;
  place?: string;
  receiverInstitutionId?: string;
  receiverDepartment?: string;
  outcome?: { summary?: string; diagnoses?: string[]; plan?: string };
  followUp?: { date?: DateLike | null; riskGrade?: number; condition?: Condition; notes?: string };
  revision?: Partial<ClinicalContent>;
}

const trim = (s: string | undefined) => (s ?? '').trim();

/** The request body of `action` from the form values; `version` is the one the user saw. */
export function buildActionBody(
  action: ReferralAction,
  version: number,
  v: ActionValues,
  referral: Pick<Referral, 'direction' | 'status'> & ClinicalContent,
): ActionBody {
  const spec = actionSpec(action, referral.direction, referral.status);
  const body: ActionBody = { version };
  if (spec.note !== 'none' && trim(v.note)) body.note = trim(v.note);
  if (spec.schedule) {
    body.at = v.at ? v.at.toISOString() : '';
    body.place = trim(v.place);
  }
  if (spec.redirect) {
    body.receiverInstitutionId = v.receiverInstitutionId ?? '';
    if (trim(v.receiverDepartment)) body.receiverDepartment = trim(v.receiverDepartment);
  }
  if (spec.outcome) {
    body.outcome = {
      summary: trim(v.outcome?.summary),
      diagnoses: v.outcome?.diagnoses ?? [],
      plan: trim(v.outcome?.plan),
    };
  }
  if (spec.followUp) {
    body.followUp = {
      date: v.followUp?.date ? v.followUp.date.format('YYYY-MM-DD') : '',
      riskGrade: v.followUp?.riskGrade ?? 0,
      condition: v.followUp?.condition ?? 'stable',
      notes: trim(v.followUp?.notes),
    };
  }
  if (spec.revision && v.revision) {
    const r = v.revision;
    body.revision = {
      reason: trim(r.reason ?? referral.reason),
      summary: trim(r.summary ?? referral.summary),
      diagnoses: r.diagnoses ?? referral.diagnoses,
      riskGrade: r.riskGrade ?? referral.riskGrade,
      unstable: r.unstable ?? referral.unstable,
      medication: trim(r.medication ?? referral.medication),
      subSpecialty: referral.subSpecialty ?? '',
      dischargeSummary: trim(r.dischargeSummary ?? referral.dischargeSummary),
      medicationPlan: trim(r.medicationPlan ?? referral.medicationPlan),
      followUpPlan: trim(r.followUpPlan ?? referral.followUpPlan),
    };
  }
  return body;
}

/** Server field names ("outcome.summary") as antd form paths (['outcome', 'summary']). */
export function fieldPath(field: string): string[] {
  return field.split('.').filter(Boolean);
}

// ---- idempotent submission --------------------------------------------------

export interface Submission {
  key: string;
  body: string;
}

/**
 * The Idempotency-Key for sending `body`: the previous key when this is a retry of
 * the same body (so the server never makes a second referral), a fresh one otherwise.
 */
export function submissionFor(prev: Submission | null, body: string, newKey: () => string): Submission {
  if (prev && prev.body === body) return prev;
  return { key: newKey(), body };
}

/** A random key (crypto.randomUUID where there is one). */
export function randomKey(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- attachments ------------------------------------------------------------

export const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'];
export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;

/** True when a file may travel with a referral (PDF, JPEG or PNG, at most 20 MB). */
export function acceptableAttachment(file: { type: string; size: number }): boolean {
  return ATTACHMENT_TYPES.includes(file.type) && file.size > 0 && file.size <= ATTACHMENT_MAX_BYTES;
}

/** "532 B", "12.5 KB", "3.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
