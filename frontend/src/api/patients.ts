import { API_BASE, request } from './client';
import type { Consent, ConsentInput, Items, Patient, PatientInput } from './types';

const enc = encodeURIComponent;

export const listPatients = (q?: string) => request<Items<Patient>>('/patients', { query: { q } });
export const getPatient = (id: string) => request<Patient>(`/patients/${enc(id)}`);
export const createPatient = (input: PatientInput) =>
  request<Patient>('/patients', { method: 'POST', json: input });

export const listConsents = (patientId: string) =>
  request<Items<Consent>>(`/patients/${enc(patientId)}/consents`);
export const addConsent = (patientId: string, input: ConsentInput) =>
  request<Consent>(`/patients/${enc(patientId)}/consents`, { method: 'POST', json: input });

const formPath = (patientId: string, consentId: string) =>
  `/patients/${enc(patientId)}/consents/${enc(consentId)}/form`;

/** Uploads a scanned consent form (PDF, JPEG or PNG, at most 10 MB) as the raw body. */
export const uploadConsentForm = (patientId: string, consentId: string, file: Blob) =>
  request<void>(formPath(patientId, consentId), { method: 'PUT', raw: file });

/** URL to open the stored form in the browser (cookie auth). */
export const consentFormUrl = (patientId: string, consentId: string) => API_BASE + formPath(patientId, consentId);

export const FORM_TYPES = ['application/pdf', 'image/jpeg', 'image/png'];
export const FORM_MAX_BYTES = 10 * 1024 * 1024;
