// eConsults, video consultations and the specialists' published availability.
import { request } from './client';
import type {
  Availability,
  AvailabilityException,
  AvailabilityTemplate,
  BookingInput,
  Consult,
  ConsultAction,
  ConsultActionBody,
  ConsultBox,
  ConsultDetail,
  ConsultInput,
  ConsultStatus,
  Consultant,
  ExceptionInput,
  Items,
  ReferralDetail,
  Slot,
  TemplateInput,
  Urgency,
  VideoAction,
  VideoActionBody,
  VideoConsult,
  VideoConsultDetail,
} from './types';

const enc = encodeURIComponent;

// ---- eConsults --------------------------------------------------------------

export const createConsult = (input: ConsultInput) =>
  request<ConsultDetail>('/consults', { method: 'POST', json: input });

export const listConsults = (box: ConsultBox, status?: ConsultStatus[]) =>
  request<Items<Consult>>('/consults', { query: { box, status: status?.length ? status.join(',') : undefined } });

export const getConsult = (id: string) => request<ConsultDetail>(`/consults/${enc(id)}`);

export const actOnConsult = (id: string, action: ConsultAction, body: ConsultActionBody) =>
  request<ConsultDetail>(`/consults/${enc(id)}/actions/${enc(action)}`, { method: 'POST', json: body });

/**
 * Turns an answered eConsult into a prefilled referral linked both ways. The key makes a
 * retried click answer with the referral the first attempt made.
 */
export const convertConsult = (id: string, urgency: Urgency | undefined, idempotencyKey: string) =>
  request<ReferralDetail>(`/consults/${enc(id)}/referral`, {
    method: 'POST',
    json: urgency ? { urgency } : {},
    headers: { 'Idempotency-Key': idempotencyKey },
  });

/** Specialists of an institution with ≥ 3 years of independent practice. */
export const listConsultants = (institutionId: string) =>
  request<Items<Consultant>>('/consults/consultants', { query: { institutionId } });

// ---- video consultations ------------------------------------------------------

export const bookVideo = (input: BookingInput) =>
  request<VideoConsultDetail>('/video-consults', { method: 'POST', json: input });

/** Video consultations of the caller's institution starting in [from, to) (RFC 3339 or YYYY-MM-DD). */
export const listVideos = (q: { from?: string; to?: string; specialistId?: string } = {}) =>
  request<Items<VideoConsult>>('/video-consults', { query: { ...q } });

export const getVideo = (id: string) => request<VideoConsultDetail>(`/video-consults/${enc(id)}`);

export const actOnVideo = (id: string, action: VideoAction, body: VideoActionBody) =>
  request<VideoConsultDetail>(`/video-consults/${enc(id)}/actions/${enc(action)}`, { method: 'POST', json: body });

// ---- availability -------------------------------------------------------------

const spec = (userId: string) => `/specialists/${enc(userId)}`;

export const getAvailability = (userId: string) => request<Availability>(`${spec(userId)}/availability`);

export const addTemplate = (userId: string, input: TemplateInput) =>
  request<AvailabilityTemplate>(`${spec(userId)}/availability/templates`, { method: 'POST', json: input });

export const addException = (userId: string, input: ExceptionInput) =>
  request<AvailabilityException>(`${spec(userId)}/availability/exceptions`, { method: 'POST', json: input });

export const deleteAvailability = (userId: string, entryId: string) =>
  request<void>(`${spec(userId)}/availability/${enc(entryId)}`, { method: 'DELETE' });

/** Free (published, unbooked) slots starting in [from, to). */
export const freeSlots = (userId: string, from: string, to: string) =>
  request<Items<Slot>>(`${spec(userId)}/slots`, { query: { from, to } });
