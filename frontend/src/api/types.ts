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
  /** the eConsult this referral was made from, if any */
  consultId?: string;
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
  /** Where the notification leads when it is not about a referral (a video reminder), else "". */
  link?: string;
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

// eConsults (issue 4): asynchronous advice and guidance

export const CONSULT_STATUSES = ['requested', 'assigned', 'info_requested', 'answered', 'cancelled'] as const;
export type ConsultStatus = (typeof CONSULT_STATUSES)[number];

export const CONSULT_URGENCIES = ['routine', 'urgent'] as const;
export type ConsultUrgency = (typeof CONSULT_URGENCIES)[number];

/** Client actions, in the server's rule order. */
export const CONSULT_ACTIONS = ['assign', 'request_info', 'provide_info', 'answer', 'cancel'] as const;
export type ConsultAction = (typeof CONSULT_ACTIONS)[number];

/** What a thread message records. */
export const CONSULT_EVENTS = ['create', ...CONSULT_ACTIONS] as const;
export type ConsultEvent = (typeof CONSULT_EVENTS)[number];

export type ConsultBox = 'sent' | 'queue' | 'mine';

/** A specialist's structured answer (eConsult or video consultation). Advice, never a prescription. */
export interface Opinion {
  impression: string;
  diagnoses: string[];
  recommendations: string;
  medicationRecommendations: string;
  referralAdvised: boolean;
  videoConsultAdvised: boolean;
  followUpAdvice: string;
  /** printed on every opinion by the server: it is not a prescription */
  disclaimer: string;
  authorUserId: string;
  at: string;
}

export type OpinionInput = Omit<Opinion, 'disclaimer' | 'authorUserId' | 'at'>;

export interface Consult {
  id: string;
  patientId: string;
  status: ConsultStatus;
  urgency: ConsultUrgency;
  version: number;
  requesterInstitutionId: string;
  requesterUserId: string;
  targetInstitutionId: string;
  specialistUserId: string;
  subSpecialty: string;
  question: string;
  summary: string;
  diagnoses: string[];
  opinion: Opinion | null;
  submittedAt: string;
  pausedSince: string | null;
  answeredAt: string | null;
  /** request to answer, less the time spent waiting for the requester; set once answered */
  responseSeconds: number | null;
  referralId: string;
  createdAt: string;
  updatedAt: string;
  requesterInstitution?: Institution;
  targetInstitution?: Institution;
  patient?: PatientBrief;
  allowedActions: ConsultAction[];
  /** the caller's institution may turn it into a referral now */
  canRefer: boolean;
}

export interface ConsultMessage {
  id: string;
  consultId: string;
  version: number;
  action: ConsultEvent | string;
  userId: string;
  username: string;
  institutionId: string;
  body: string;
  at: string;
}

export interface ConsultDetail extends Consult {
  messages: ConsultMessage[];
}

export interface ConsultInput {
  patientId: string;
  targetInstitutionId: string;
  specialistUserId?: string;
  subSpecialty?: string;
  urgency: ConsultUrgency;
  question: string;
  summary: string;
  diagnoses: string[];
}

/** The body of POST /consults/{id}/actions/{action}. */
export interface ConsultActionBody {
  version: number;
  message?: string;
  specialistUserId?: string;
  opinion?: OpinionInput;
}

/** A specialist who may answer consultations (≥ 3 years of independent practice). */
export interface Consultant {
  id: string;
  displayName: string;
  title: Title | string;
  practiceYears: number;
}

// Video consultations and the specialists' schedules

export const VIDEO_STATUSES = ['booked', 'completed', 'cancelled', 'no_show'] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

export const VIDEO_ACTIONS = ['move', 'cancel', 'no_show', 'file_opinion'] as const;
export type VideoAction = (typeof VIDEO_ACTIONS)[number];

export interface VideoConsult {
  id: string;
  patientId: string;
  status: VideoStatus;
  version: number;
  requesterInstitutionId: string;
  requesterUserId: string;
  bookedByUserId: string;
  targetInstitutionId: string;
  specialistUserId: string;
  start: string;
  end: string;
  purpose: string;
  recordSummary: string;
  invitedSpecialty: SubSpecialty | string;
  invitedTitle: Title | string;
  consentId: string;
  observers: string[] | null;
  roomId: string;
  consultId: string;
  opinion: Opinion | null;
  note: string;
  createdAt: string;
  updatedAt: string;
}

export interface RoomStay {
  userId: string;
  joinedAt: string;
  leftAt: string | null;
  seconds: number;
}

export interface VideoConsultDetail extends VideoConsult {
  allowedActions: VideoAction[];
  attendance: RoomStay[];
  durationSeconds: number;
}

export interface BookingInput {
  patientId: string;
  specialistUserId: string;
  start: string;
  end: string;
  purpose: string;
  recordSummary: string;
  invitedSpecialty: string;
  consentId: string;
  observers?: string[];
  onBehalfOfUserId?: string;
  consultId?: string;
}

export interface VideoActionBody {
  version: number;
  start?: string;
  end?: string;
  note?: string;
  opinion?: OpinionInput;
}

export const EXCEPTION_KINDS = ['off', 'extra'] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

/** 0 = Sunday, as the server counts. */
export const WEEKDAY_NUMBERS = [0, 1, 2, 3, 4, 5, 6] as const;

export interface AvailabilityTemplate {
  id: string;
  userId: string;
  weekday: number;
  start: string;
  end: string;
  slotMinutes: number;
  validFrom: string;
  validUntil: string;
}

export interface AvailabilityException {
  id: string;
  userId: string;
  date: string;
  start: string;
  end: string;
  kind: ExceptionKind;
  slotMinutes: number;
}

export interface Availability {
  templates: AvailabilityTemplate[];
  exceptions: AvailabilityException[];
}

export type TemplateInput = Omit<AvailabilityTemplate, 'id' | 'userId' | 'validUntil'> & { validUntil?: string };
export type ExceptionInput = Omit<AvailabilityException, 'id' | 'userId' | 'slotMinutes'> & { slotMinutes?: number };

export interface Slot {
  start: string;
  end: string;
}

// Remote ward rounds

export const ROUND_WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type RoundWeekday = (typeof ROUND_WEEKDAYS)[number];

export const OCCURRENCE_STATUSES = ['scheduled', 'held', 'cancelled'] as const;
export type OccurrenceStatus = (typeof OCCURRENCE_STATUSES)[number];

export const OCCURRENCE_ACTIONS = ['hold', 'cancel'] as const;
export type OccurrenceAction = (typeof OCCURRENCE_ACTIONS)[number];

export interface PersonRef {
  id: string;
  displayName: string;
}

export interface Recurrence {
  weekday: RoundWeekday;
  time: string;
  durationMinutes: number;
  from: string;
  until: string;
}

export interface RoundSeries {
  id: string;
  title: string;
  hostInstitutionId: string;
  hostUserId: string;
  wardInstitutionIds: string[];
  recurrence: Recurrence;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  hostInstitution: Institution;
  host: PersonRef;
  wardInstitutions: Institution[];
  canSchedule: boolean;
}

export interface RoundInput {
  title: string;
  hostUserId?: string;
  wardInstitutionIds: string[];
  recurrence: Recurrence;
}

export interface RoundOccurrence {
  id: string;
  seriesId: string;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  status: OccurrenceStatus;
  roomId: string;
  note: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  title: string;
  allowedActions: OccurrenceAction[];
}

export interface RoundOccurrenceDetail extends RoundOccurrence {
  round: RoundSeries;
}

export interface RoundTask {
  id: string;
  caseId: string;
  assigneeUserId: string;
  text: string;
  dueOn: string;
  done: boolean;
  doneAt: string | null;
  version: number;
  createdByUserId: string;
  createdAt: string;
  updatedAt: string;
}

export interface RoundCase {
  id: string;
  occurrenceId: string;
  seriesId: string;
  patientId: string;
  presenterUserId: string;
  presenterInstitutionId: string;
  question: string;
  notes: string;
  recommendations: string;
  notesByUserId: string;
  notesAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  patient: PatientBrief;
  presenter: PersonRef;
  canWriteNotes: boolean;
}

export interface RoundCaseDetail extends RoundCase {
  tasks: RoundTask[];
}

export interface RoundTaskItem extends RoundTask {
  patient: { id: string; name: string };
  roundTitle: string;
  roundStartsAt: string;
}

export interface Stretch {
  joinedAt: string;
  leftAt: string | null;
}

export interface MyAttendance {
  roomId: string;
  present: boolean;
  stretches: Stretch[] | null;
  minutes: number;
}

export interface Attendee {
  user: PersonRef;
  institutionId: string;
  stretches: Stretch[] | null;
  minutes: number;
}

// Teaching: lectures and case conferences

export const LECTURE_KINDS = ['lecture', 'case_conference'] as const;
export type LectureKind = (typeof LECTURE_KINDS)[number];

export interface Lecture {
  id: string;
  allianceId: string;
  kind: LectureKind;
  title: string;
  description: string;
  presenterUserId: string;
  presenterInstitutionId: string;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  recordingEnabled: boolean;
  roomId: string;
  patientId: string;
  hasPatient: boolean;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  presenter: PersonRef;
  presenterInstitution: Institution;
  patient: { id: string; name: string } | null;
  registered: boolean;
  registrationCount: number;
  recordingCount: number;
  canManage: boolean;
}

export interface LectureInput {
  allianceId?: string;
  kind: LectureKind;
  title: string;
  description?: string;
  presenterUserId?: string;
  startsAt: string;
  durationMinutes: number;
  recordingEnabled: boolean;
  patientId?: string;
}

export interface LectureQuery {
  from?: string;
  to?: string;
  kind?: LectureKind;
  recorded?: boolean;
}

export interface Recording {
  id: string;
  lectureId: string;
  title: string;
  location: string;
  createdBy: string;
  createdAt: string;
}

export interface TrainingCredit {
  year: number;
  roundMinutes: number;
  lectureMinutes: number;
  totalMinutes: number;
  sessions: number;
}
