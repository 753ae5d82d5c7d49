// Pure rules of the eConsult and video-consultation screens: which tabs a role sees,
// what each action's form asks for and the body it sends, the opinion's body, and the
// response time. Kept free of React so the unit tests cover them directly.
import type {
  ConsultAction,
  Membership,
  ConsultActionBody,
  ConsultBox,
  ConsultStatus,
  OpinionInput,
  VideoAction,
  VideoStatus,
} from '../api/types';
import type { DictKey } from '../i18n/zh';
import type { Translate } from '../i18n/translate';
import { formatDuration, type NoteRule } from '../referrals/logic';

export const CONSULT_STATUS_COLORS: Record<ConsultStatus, string> = {
  requested: 'blue',
  assigned: 'geekblue',
  info_requested: 'orange',
  answered: 'green',
  cancelled: 'default',
};

export const VIDEO_STATUS_COLORS: Record<VideoStatus, string> = {
  booked: 'blue',
  completed: 'green',
  cancelled: 'default',
  no_show: 'volcano',
};

export const isConsultOpen = (s: ConsultStatus) => s !== 'answered' && s !== 'cancelled';

/**
 * The worklist tabs of a role, the first being where the user starts: a specialist
 * answers what is assigned to them, a convener watches the institution's queue, a
 * grass-root doctor follows what they asked.
 */
export function consultBoxesFor(roles: readonly string[]): ConsultBox[] {
  if (roles.includes('specialist')) return ['mine', 'queue', 'sent'];
  if (roles.includes('convener')) return ['queue', 'sent'];
  return ['sent', 'queue'];
}

/** Clinicians who may ask a specialist (conveners coordinate, they do not ask). */
export function canAskConsult(roles: readonly string[]): boolean {
  return roles.includes('doctor') || roles.includes('specialist');
}

export interface ConsultActionSpec {
  /** whether the form has a message, and whether it must be filled */
  message: NoteRule;
  messageLabel: DictKey;
  /** a consultant picker (assign) */
  specialist: boolean;
  /** the structured opinion form (answer) */
  opinion: boolean;
  danger: boolean;
}

/** What the form of a consult action asks for. */
export function consultActionSpec(action: ConsultAction): ConsultActionSpec {
  const base: ConsultActionSpec = { message: 'none', messageLabel: 'field.note', specialist: false, opinion: false, danger: false };
  switch (action) {
    case 'assign':
      return { ...base, specialist: true, message: 'optional', messageLabel: 'field.note' };
    case 'request_info':
      return { ...base, message: 'required', messageLabel: 'consult.infoNeeded' };
    case 'provide_info':
      return { ...base, message: 'required', messageLabel: 'consult.infoProvided' };
    case 'answer':
      return { ...base, opinion: true };
    case 'cancel':
      return { ...base, message: 'required', messageLabel: 'field.reasonNote', danger: true };
  }
}

/** Buttons styled as the step forward. */
export const FORWARD_CONSULT_ACTIONS: readonly ConsultAction[] = ['assign', 'provide_info', 'answer'];

/** The opinion form's values (antd Form, under the name `opinion`). */
export interface OpinionValues {
  impression?: string;
  diagnoses?: string[];
  recommendations?: string;
  medicationRecommendations?: string;
  referralAdvised?: boolean;
  videoConsultAdvised?: boolean;
  followUpAdvice?: string;
}

const trim = (s: string | undefined) => (s ?? '').trim();

/** The opinion as the server takes it, trimmed; the server adds the disclaimer. */
export function opinionBody(v: OpinionValues | undefined): OpinionInput {
  return {
    impression: trim(v?.impression),
    diagnoses: v?.diagnoses ?? [],
    recommendations: trim(v?.recommendations),
    medicationRecommendations: trim(v?.medicationRecommendations),
    referralAdvised: !!v?.referralAdvised,
    videoConsultAdvised: !!v?.videoConsultAdvised,
    followUpAdvice: trim(v?.followUpAdvice),
  };
}

export interface ConsultActionValues {
  message?: string;
  specialistUserId?: string;
  opinion?: OpinionValues;
}

/** The request body of a consult action; `version` is the one the user saw. */
export function buildConsultActionBody(action: ConsultAction, version: number, v: ConsultActionValues): ConsultActionBody {
  const spec = consultActionSpec(action);
  const body: ConsultActionBody = { version };
  if (spec.message !== 'none' && trim(v.message)) body.message = trim(v.message);
  if (spec.specialist) body.specialistUserId = v.specialistUserId ?? '';
  if (spec.opinion) body.opinion = opinionBody(v.opinion);
  return body;
}

/** "2天3小时" / "2d 3h" … for a response time in seconds; under a minute shows as "<1 min". */
export function formatSeconds(seconds: number, t: Translate): string {
  const total = Math.max(0, Math.floor(seconds / 60));
  if (total === 0) return t('clock.underMinute');
  return formatDuration({ days: Math.floor(total / 1440), hours: Math.floor((total % 1440) / 60), minutes: total % 60 }, t);
}

export interface VideoActionSpec {
  note: NoteRule;
  /** choose another free slot of the same specialist */
  slot: boolean;
  opinion: boolean;
  danger: boolean;
}

export function videoActionSpec(action: VideoAction): VideoActionSpec {
  switch (action) {
    case 'move':
      return { note: 'none', slot: true, opinion: false, danger: false };
    case 'cancel':
    case 'no_show':
      return { note: 'required', slot: false, opinion: false, danger: true };
    case 'file_opinion':
      return { note: 'none', slot: false, opinion: true, danger: false };
  }
}

/** Where a field error of the server ("opinion.impression") goes in a form (['opinion', 'impression']). */
export function formPath(field: string): (string | number)[] {
  return field.split('.').filter(Boolean);
}

/** A `purpose` for a video consultation booked from an eConsult: its question, cut to the server's 500. */
export function purposeFrom(question: string): string {
  const chars = Array.from(question.trim());
  return chars.length > 500 ? chars.slice(0, 500).join('') : chars.join('');
}

const LEVEL_ORDER = ['tertiary', 'second_grade', 'chc', 'township', 'village'];

/**
 * The institutions of one's alliances (each once), core hospitals first, then by level;
 * `exclude` (one's own institution, which one does not ask) is left out.
 */
export function membersByLevel(members: readonly Membership[], exclude?: string): Membership[] {
  const seen = new Set<string>();
  const out: Membership[] = [];
  for (const m of members) {
    if (m.institutionId === exclude || seen.has(m.institutionId)) continue;
    seen.add(m.institutionId);
    out.push(m);
  }
  const rank = (m: Membership) => {
    const level = LEVEL_ORDER.indexOf(m.institution?.level ?? '');
    return (level < 0 ? LEVEL_ORDER.length : level) * 2 + (m.role === 'core' ? 0 : 1);
  };
  return out.sort((a, b) => rank(a) - rank(b));
}
