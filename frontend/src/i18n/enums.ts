import type {
  AllianceModel,
  Condition,
  ConsultAction,
  ConsultEvent,
  ConsultStatus,
  ExceptionKind,
  LectureKind,
  OccurrenceAction,
  OccurrenceStatus,
  VideoAction,
  VideoStatus,
  ConsentScope,
  Direction,
  Kind,
  Level,
  MembershipRole,
  ReferralAction,
  ReferralEventAction,
  ReferralStatus,
  Role,
  Sex,
  SignedBy,
  SubSpecialty,
  SuggestionReason,
  Title,
  Urgency,
} from '../api/types';
import {
  CONDITIONS,
  CONSULT_ACTIONS,
  CONSULT_EVENTS,
  CONSULT_STATUSES,
  EXCEPTION_KINDS,
  LECTURE_KINDS,
  OCCURRENCE_ACTIONS,
  OCCURRENCE_STATUSES,
  VIDEO_ACTIONS,
  VIDEO_STATUSES,
  WEEKDAY_NUMBERS,
  CONSENT_SCOPES,
  DIRECTIONS,
  KINDS,
  LEVELS,
  MEMBERSHIP_ROLES,
  MODELS,
  REFERRAL_ACTIONS,
  REFERRAL_EVENTS,
  REFERRAL_STATUSES,
  RISK_GRADES,
  ROLES,
  SEXES,
  SIGNED_BY,
  SUB_SPECIALTIES,
  SUGGESTION_REASONS,
  TITLES,
  URGENCIES,
} from '../api/types';
import type { DictKey } from './zh';
import { hasKey, type Translate } from './translate';

/** Dictionary prefix → enum type. Display names live under `${prefix}.${value}`. */
export interface EnumTypes {
  role: Role;
  title: Title;
  level: Level;
  kind: Kind;
  sub: SubSpecialty;
  model: AllianceModel;
  mrole: MembershipRole;
  sex: Sex;
  scope: ConsentScope;
  signedBy: SignedBy;
  dir: Direction;
  urgency: Urgency;
  rstatus: ReferralStatus;
  action: ReferralAction;
  event: ReferralEventAction;
  condition: Condition;
  risk: (typeof RISK_GRADES)[number];
  sreason: SuggestionReason;
  cstatus: ConsultStatus;
  caction: ConsultAction;
  cevent: ConsultEvent;
  vstatus: VideoStatus;
  vaction: VideoAction;
  ostatus: OccurrenceStatus;
  oaction: OccurrenceAction;
  lkind: LectureKind;
  xkind: ExceptionKind;
  weekday: (typeof WEEKDAY_NUMBERS)[number];
}
export type EnumKind = keyof EnumTypes;

export const ENUM_VALUES: { [K in EnumKind]: readonly EnumTypes[K][] } = {
  role: ROLES,
  title: TITLES,
  level: LEVELS,
  kind: KINDS,
  sub: SUB_SPECIALTIES,
  model: MODELS,
  mrole: MEMBERSHIP_ROLES,
  sex: SEXES,
  scope: CONSENT_SCOPES,
  signedBy: SIGNED_BY,
  dir: DIRECTIONS,
  urgency: URGENCIES,
  rstatus: REFERRAL_STATUSES,
  action: REFERRAL_ACTIONS,
  event: REFERRAL_EVENTS,
  condition: CONDITIONS,
  risk: RISK_GRADES,
  sreason: SUGGESTION_REASONS,
  cstatus: CONSULT_STATUSES,
  caction: CONSULT_ACTIONS,
  cevent: CONSULT_EVENTS,
  vstatus: VIDEO_STATUSES,
  vaction: VIDEO_ACTIONS,
  ostatus: OCCURRENCE_STATUSES,
  oaction: OCCURRENCE_ACTIONS,
  lkind: LECTURE_KINDS,
  xkind: EXCEPTION_KINDS,
  weekday: WEEKDAY_NUMBERS,
};

// Compile-time proof that every enum value has a dictionary entry.
type EnumDictKey = { [K in EnumKind]: `${K}.${EnumTypes[K]}` }[EnumKind];
const everyEnumHasLabel: EnumDictKey extends DictKey ? true : false = true;
void everyEnumHasLabel;

/** Display name of an enum value; an unknown value (newer server) is shown as it is. */
export function enumLabel<K extends EnumKind>(t: Translate, kind: K, value: EnumTypes[K] | string | number): string {
  const key = `${kind}.${value}`;
  return hasKey(key) ? t(key) : String(value);
}

export function enumOptions<K extends EnumKind>(t: Translate, kind: K) {
  return ENUM_VALUES[kind].map((value) => ({ value, label: enumLabel(t, kind, value) }));
}
