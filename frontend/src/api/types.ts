// Shapes and enums of API v1 (docs/api-v1-draft.md).

export const ROLES = ['doctor', 'specialist', 'convener', 'alliance_admin', 'sysadmin'] as const;
export type Role = (typeof ROLES)[number];

export const TITLES = ['resident', 'attending', 'associate_chief', 'chief', 'other'] as const;
export type Title = (typeof TITLES)[number];

export const LEVELS = ['tertiary', 'second_grade', 'chc', 'township', 'village'] as const;
export type Level = (typeof LEVELS)[number];

export const KINDS = [
  'psychiatric_hospital',
  'general_hospital_psych_dept',
  'chc',
  'township_health_centre',
  'village_clinic',
  'rehabilitation_centre',
  'private_psychiatric_hospital',
  'university_counselling_centre',
] as const;
export type Kind = (typeof KINDS)[number];

export const SUB_SPECIALTIES = [
  'general_adult',
  'child_adolescent',
  'geriatric',
  'mood',
  'addiction',
  'sleep',
  'psychosomatic',
  'forensic',
] as const;
export type SubSpecialty = (typeof SUB_SPECIALTIES)[number];

export const MODELS = ['vertical', 'horizontal', 'remote', 'chain'] as const;
export type AllianceModel = (typeof MODELS)[number];

export const MEMBERSHIP_ROLES = ['core', 'member'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

export const SEXES = ['male', 'female', 'unknown'] as const;
export type Sex = (typeof SEXES)[number];

export const CONSENT_SCOPES = ['referral', 'teleconsult', 'follow_up', 'recording'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

export const SIGNED_BY = ['patient', 'guardian'] as const;
export type SignedBy = (typeof SIGNED_BY)[number];

export interface Institution {
  id: string;
  name: string;
  level: Level;
  kind: Kind;
  regionCode: string;
  regionName: string;
  subSpecialties: SubSpecialty[];
  beds: number;
  createdAt: string;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  title: Title;
  practiceYears: number;
  phone: string;
  institutionId: string;
  institution?: Institution;
  disabled: boolean;
  lockedUntil: string | null;
  createdAt: string;
}

export interface Alliance {
  id: string;
  name: string;
  model: AllianceModel;
  initiatorId: string;
  regionCode: string;
  establishedOn: string;
}

export interface Me extends User {
  alliances: Alliance[];
}

export interface UserRef {
  id: string;
  displayName: string;
}

export interface Membership {
  allianceId: string;
  institutionId: string;
  institution?: Institution;
  role: MembershipRole;
  joinedOn: string;
  convenerUserId: string | null;
  convener: UserRef | null;
  subRegionalExpertUserId: string | null;
  subRegionalExpert: UserRef | null;
}

export interface AuditEntry {
  id: string;
  seq: number | null;
  at: string;
  userId: string;
  username: string;
  institutionId: string;
  action: string;
  patientId: string;
  targetType: string;
  targetId: string;
  ip: string;
  requestId: string;
  detail: unknown;
}

export interface Patient {
  id: string;
  name: string;
  sex: Sex;
  birthDate: string;
  phone: string;
  nationalIdMasked: string;
  homeInstitutionId: string;
  homeInstitution?: Institution;
  severeDisorder: boolean;
  diagnosisCode: string;
  createdAt: string;
}

export interface Consent {
  id: string;
  patientId: string;
  scope: ConsentScope;
  signedBy: SignedBy;
  signerName: string;
  signerRelation: string;
  signedOn: string;
  hasForm: boolean;
  createdAt: string;
}

export interface Region {
  code: string;
  name: string;
  nameEn: string;
  level: string;
}

export interface Items<T> {
  items: T[];
}

export interface AuditPage extends Items<AuditEntry> {
  nextCursor: string;
}

export interface LoginResponse {
  token: string;
  csrfToken: string;
  user: User;
}

// Request bodies
export interface InstitutionInput {
  name: string;
  level: Level;
  kind: Kind;
  regionCode: string;
  subSpecialties: SubSpecialty[];
  beds: number;
}

export interface MemberInput {
  institutionId: string;
  role: MembershipRole;
  joinedOn: string;
  convenerUserId?: string | null;
  subRegionalExpertUserId?: string | null;
}

export interface MemberPatch {
  role?: MembershipRole;
  convenerUserId?: string | null;
  subRegionalExpertUserId?: string | null;
}

export interface UserInput {
  username: string;
  displayName: string;
  roles: Role[];
  institutionId: string;
  title: Title;
  practiceYears: number;
  phone?: string;
  password?: string;
}

export interface UserPatch {
  displayName?: string;
  roles?: Role[];
  title?: Title;
  practiceYears?: number;
  phone?: string;
  disabled?: boolean;
}

export interface CreatedUser {
  user: User;
  initialPassword?: string;
}

export interface MePatch {
  displayName?: string;
  phone?: string;
  title?: Title;
}

export interface PatientInput {
  name: string;
  sex: Sex;
  birthDate: string;
  phone: string;
  nationalId: string;
  severeDisorder: boolean;
  diagnosisCode?: string;
}

export interface ConsentInput {
  scope: ConsentScope;
  signedBy: SignedBy;
  signerName: string;
  signerRelation?: string;
  signedOn: string;
}

export interface AuditQuery {
  cursor?: string;
  limit?: number;
  userId?: string;
  patientId?: string;
  action?: string;
}

// Two-way referral (issue 3)
export const DIRECTIONS = ['up', 'down', 'lateral'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Least urgent first, as the server lists them. */
export const URGENCIES = ['routine', 'urgent', 'fast_track'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const REFERRAL_STATUSES = [
  'draft',
  'requested',
  'accepted',
  'scheduled',
  'in_progress',
  'completed',
  'returned',
  'redirected',
  'on_hold',
  'cancelled',
  'failed',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** Actions a client may ask for, in the server's rule order. */
export const REFERRAL_ACTIONS = [
  'submit',
  'accept',
  'return',
  'redirect',
  'hold',
  'resume',
  'schedule',
  'arrive',
  'complete',
  'cancel',
  'fail',
] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

/** What a timeline event or a notification can say happened. */
export const REFERRAL_EVENTS = ['create', ...REFERRAL_ACTIONS, 'sla_breach_accept', 'sla_breach_admit'] as const;
export type ReferralEventAction = (typeof REFERRAL_EVENTS)[number];

export const CONDITIONS = ['stable', 'basically_stable', 'unstable'] as const;
export type Condition = (typeof CONDITIONS)[number];

export const RISK_GRADES = [0, 1, 2, 3, 4, 5] as const;

/** Why a receiver was suggested (matched referral). */
export const SUGGESTION_REASONS = ['subspecialty', 'level', 'region', 'province', 'load'] as const;
export type SuggestionReason = (typeof SUGGESTION_REASONS)[number];

export interface Icd10Code {
  code: string;
  nameZh: string;
  nameEn: string;
}

export interface ReceiverSuggestion {
  institution: Institution;
  openLoad: number;
  score: number;
  reasons: SuggestionReason[];
}

export interface ClinicalContent {
  reason: string;
  summary: string;
  diagnoses: string[];
  riskGrade: number;
  unstable: boolean;
  medication: string;
  subSpecialty?: string;
  dischargeSummary?: string;
  medicationPlan?: string;
  followUpPlan?: string;
}

export interface ReferralInput extends ClinicalContent {
  patientId: string;
  direction: Direction;
  urgency: Urgency;
  receiverInstitutionId: string;
  receiverDepartment?: string;
  receiverUserId?: string;
  draft?: boolean;
}

export interface Appointment {
  at: string;
  place: string;
}

export interface Outcome {
  summary: string;
  diagnoses: string[];
  plan: string;
}

export interface FollowUp {
  date: string;
  riskGrade: number;
  condition: Condition;
  notes: string;
  onTime?: boolean;
}

export interface PatientBrief {
  id: string;
  name: string;
  sex: Sex;
  birthDate: string;
}

export interface Referral extends Required<ClinicalContent> {
  id: string;
  allianceId: string;
  patientId: string;
  direction: Direction;
  urgency: Urgency;
  fastTrackSuggested: boolean;
  status: ReferralStatus;
  version: number;
  senderInstitutionId: string;
  senderUserId?: string;
  receiverInstitutionId: string;
  receiverDepartment: string;
  receiverUserId?: string;
  appointment: Appointment | null;
  outcome: Outcome | null;
  followUp: FollowUp | null;
  note: string;
  redirectedFromId: string;
  redirectedToId: string;
  submittedAt: string | null;
  acceptDueAt: string | null;
  admitDueAt: string | null;
  followUpDueAt: string | null;
  acceptedAt: string | null;
  arrivedAt: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  dueAt: string | null;
  senderInstitution?: Institution;
  receiverInstitution?: Institution;
  patient?: PatientBrief;
  allowedActions: ReferralAction[];
}

export interface ReferralEvent {
  id: string;
  version: number;
  action: ReferralEventAction | string;
  from: ReferralStatus | '';
  to: ReferralStatus;
  userId: string;
  username: string;
  institutionId: string;
  note: string;
  at: string;
}

export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  institutionId: string;
  createdAt: string;
}

export interface ReferralDetail extends Referral {
  events: ReferralEvent[];
  attachments: Attachment[];
}

export type ReferralBox = 'incoming' | 'outgoing';

export interface ReferralQuery {
  box: ReferralBox;
  status?: ReferralStatus[];
  urgency?: Urgency;
  direction?: Direction;
  cursor?: string;
  limit?: number;
}

export interface Page<T> extends Items<T> {
  nextCursor: string;
}

/** The body of POST /referrals/{id}/actions/{action}. */
export interface ActionBody {
  version: number;
  note?: string;
  at?: string;
  place?: string;
  receiverInstitutionId?: string;
  receiverDepartment?: string;
  outcome?: Outcome;
  followUp?: Omit<FollowUp, 'onTime'>;
  revision?: ClinicalContent;
}

export type NotificationKind = 'referral.changed' | 'referral.sla_breach';

export interface AppNotification {
  id: string;
  kind: NotificationKind | string;
  referralId: string;
  status: ReferralStatus | string;
  action: ReferralEventAction | string;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationPage extends Page<AppNotification> {
  unread: number;
}

export interface SlaBreach {
  referralId: string;
  kind: 'accept' | 'admit';
  urgency: Urgency;
  dueAt: string;
  detectedAt: string;
}
