import { API_BASE, request } from './client';
import type {
  ActionBody,
  Attachment,
  Direction,
  Icd10Code,
  Items,
  NotificationPage,
  Page,
  ReceiverSuggestion,
  Referral,
  ReferralAction,
  ReferralDetail,
  ReferralInput,
  ReferralQuery,
  SlaBreach,
} from './types';

const enc = encodeURIComponent;

export const searchIcd10 = (q?: string) => request<Items<Icd10Code>>('/icd10', { query: { q } });

export const suggestReceivers = (direction: Direction, subSpecialty?: string) =>
  request<Items<ReceiverSuggestion>>('/referrals/suggestions', { query: { direction, subSpecialty } });

/**
 * Creates a referral. `idempotencyKey` identifies one submission: a retry of the same
 * body with the same key answers with the referral the first attempt made.
 */
export const createReferral = (input: ReferralInput, idempotencyKey: string) =>
  request<ReferralDetail>('/referrals', { method: 'POST', json: input, headers: { 'Idempotency-Key': idempotencyKey } });

export const listReferrals = (q: ReferralQuery) =>
  request<Page<Referral>>('/referrals', {
    query: {
      box: q.box,
      status: q.status?.length ? q.status.join(',') : undefined,
      urgency: q.urgency,
      direction: q.direction,
      cursor: q.cursor,
      limit: q.limit,
    },
  });

export const getReferral = (id: string) => request<ReferralDetail>(`/referrals/${enc(id)}`);

export const actOnReferral = (id: string, action: ReferralAction, body: ActionBody) =>
  request<ReferralDetail>(`/referrals/${enc(id)}/actions/${enc(action)}`, { method: 'POST', json: body });

/** Uploads one examination result or discharge summary (PDF, JPEG or PNG, at most 20 MB). */
export const uploadAttachment = (id: string, file: File) =>
  request<Attachment>(`/referrals/${enc(id)}/attachments`, { method: 'POST', raw: file, query: { name: file.name } });

/** URL that downloads an attachment (cookie auth; the download is audited). */
export const attachmentUrl = (id: string, attachmentId: string) =>
  `${API_BASE}/referrals/${enc(id)}/attachments/${enc(attachmentId)}`;

export const listNotifications = (opts: { unread?: boolean; cursor?: string } = {}) =>
  request<NotificationPage>('/notifications', { query: { unread: opts.unread ? 'true' : undefined, cursor: opts.cursor } });

/** Marks these notifications read; no ids marks all of them. */
export const markNotificationsRead = (ids: string[] = []) =>
  request<void>('/notifications/read', { method: 'POST', json: { ids } });

export const EVENTS_URL = `${API_BASE}/events`;

export const listSlaBreaches = () => request<Items<SlaBreach>>('/sla-breaches');
