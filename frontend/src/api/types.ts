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
