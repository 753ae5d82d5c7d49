// Alliance analytics: dashboard views (aggregates only; small counts come back as "<N"), goals and the scoreboard.
import { request } from './client';
import type { Items } from './types';

/** A count: a number, or "<N" when it is a small cell hidden by the suppression rule. */
export type Count = number | string;
/** A rate, ratio or duration: a number, null (nothing to measure) or "suppressed". */
export type Value = number | null | 'suppressed';

export type Direction = 'up' | 'down' | 'lateral';
export type Interval = 'month' | 'week' | 'day';

export interface AnalyticsFilter {
  alliance?: string;
  institution?: string;
  side?: '' | 'sent' | 'received';
  direction?: '' | Direction;
  urgency?: '' | 'routine' | 'urgent' | 'fast_track';
  from?: string;
  to?: string;
  interval?: Interval;
  limit?: number;
}

export interface Scope {
  allianceId: string;
  institutionId: string;
  side: string;
  direction: string;
  urgency: string;
  from: string;
  to: string;
  minCellSize: number;
}

export interface Volume {
  scope: Scope;
  interval: Interval;
  periods: string[];
  series: { direction: Direction; counts: Count[] }[];
}

export interface DirectionCounts {
  up: Count;
  down: Count;
  lateral: Count;
  total: Count;
}

export interface KPIs {
  scope: Scope;
  counts: Record<string, DirectionCounts>;
  upDownRatio: Value;
  acceptanceRate: Value;
  returnRate: Value;
  redirectRate: Value;
  cancellationRate: Value;
  noShowRate: Value;
  fastTrack: { submitted: Count; slaMet: Count; slaMissed: Count; compliance: Value };
  followUp: { onTime: Count; late: Count; onTimeRate: Value };
}

export interface TimeView {
  kind: 'accept' | 'schedule' | 'admit';
  n: Count;
  medianHours: Value;
  p90Hours: Value;
  histogram: Count[];
}

export interface Times {
  scope: Scope;
  bucketLowerBoundsMinutes: number[];
  kinds: TimeView[];
}

export interface AnalyticsInstitution {
  id: string;
  name: string;
  level: string;
  kind: string;
  regionCode: string;
}

export interface FlowLink {
  source: string;
  target: string;
  direction: Direction;
  value: Count;
}

export interface Flows {
  scope: Scope;
  nodes: AnalyticsInstitution[];
  links: FlowLink[];
  otherLinks: number;
  otherCount: Count;
}

export interface MemberRow {
  institution: AnalyticsInstitution;
  role: string;
  sent: DirectionCounts;
  received: DirectionCounts;
  acceptanceRate: Value;
  fastTrackCompliance: Value;
  followUpOnTimeRate: Value;
  econsultsAsked: Count;
  econsultsAnswered: Count;
}

export interface Members {
  scope: Scope;
  items: MemberRow[];
}

export interface Consults {
  scope: Scope;
  econsults: {
    asked: Count;
    answered: Count;
    resolvedWithoutReferral: Count;
    resolvedWithoutReferralShare: Value;
    medianResponseHours: Value;
    p90ResponseHours: Value;
    responseHistogram: Count[];
  };
  video: {
    booked: Count;
    held: Count;
    cancelled: Count;
    noShow: Count;
    meanDurationMinutes: Value;
    attendees: Count;
    meanAttendance: Value;
    roomsWithAttendance: Count;
  };
  wardRounds: { held: Count; cases: Count; attendees: Count };
  lectures: { held: Count; attendees: Count; staffTrained: Count };
}

export interface MeasureInfo {
  key: string;
  kind: string;
  higherIsBetter: boolean;
  label: string;
  labelZh: string;
}

export type Rating = 'attained' | 'partly' | 'not' | 'no_data';

export interface Goal {
  id: string;
  allianceId: string;
  institutionId: string;
  year: number;
  measure: string;
  target: number;
  weight: number;
  version: number;
}

export interface GoalResult {
  goal: Goal;
  actual: Value;
  rating: Rating;
  credit: number;
}

export interface MemberScore {
  institution: AnalyticsInstitution;
  rank: number;
  score: Value;
  rating: Rating;
  attained: number;
  goals: GoalResult[];
}

export interface Scoreboard {
  allianceId: string;
  year: number;
  minCellSize: number;
  rules: { partlyFraction: number; partlyCredit: number };
  items: MemberScore[];
}

type Q = Record<string, string | number | undefined>;
const q = (f: AnalyticsFilter): Q => ({ ...f });

export const getVolume = (f: AnalyticsFilter) => request<Volume>('/analytics/volume', { query: q(f) });
export const getKPIs = (f: AnalyticsFilter) => request<KPIs>('/analytics/kpis', { query: q(f) });
export const getTimes = (f: AnalyticsFilter) => request<Times>('/analytics/times', { query: q(f) });
export const getFlows = (f: AnalyticsFilter) => request<Flows>('/analytics/flows', { query: q(f) });
export const getMembers = (f: AnalyticsFilter) => request<Members>('/analytics/members', { query: q(f) });
export const getConsults = (f: AnalyticsFilter) => request<Consults>('/analytics/consults', { query: q(f) });
export const listMeasures = () => request<Items<MeasureInfo>>('/analytics/measures');
export const getScoreboard = (year: number, alliance?: string) =>
  request<Scoreboard>('/analytics/scoreboard', { query: { year, alliance } });
export const getAnalyticsSettings = (allianceId: string) =>
  request<{ allianceId: string; minCellSize: number }>(`/alliances/${encodeURIComponent(allianceId)}/analytics-settings`);

export interface GoalInput {
  allianceId: string;
  institutionId: string;
  year: number;
  measure: string;
  target: number;
  weight?: number;
}

export interface GoalPatch {
  target?: number;
  weight?: number;
  version: number;
}

const goalPath = (id: string) => `/analytics/goals/${encodeURIComponent(id)}`;
export const listGoals = (year: number, alliance?: string) => request<Items<Goal>>('/analytics/goals', { query: { year, alliance } });
export const createGoal = (g: GoalInput) => request<Goal>('/analytics/goals', { method: 'POST', json: g });
export const updateGoal = (id: string, patch: GoalPatch) => request<Goal>(goalPath(id), { method: 'PATCH', json: patch });
export const deleteGoal = (id: string) => request<void>(goalPath(id), { method: 'DELETE' });
