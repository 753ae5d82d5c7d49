import { request } from './client';
import type {
  Alliance,
  Institution,
  InstitutionInput,
  Items,
  Level,
  MemberInput,
  MemberPatch,
  Membership,
  Region,
} from './types';

const enc = encodeURIComponent;

export const listRegions = () => request<Items<Region>>('/regions');

export const listInstitutions = (q?: string, level?: Level) =>
  request<Items<Institution>>('/institutions', { query: { q, level } });
export const getInstitution = (id: string) => request<Institution>(`/institutions/${enc(id)}`);
export const createInstitution = (input: InstitutionInput) =>
  request<Institution>('/institutions', { method: 'POST', json: input });
export const updateInstitution = (id: string, patch: Partial<InstitutionInput>) =>
  request<Institution>(`/institutions/${enc(id)}`, { method: 'PATCH', json: patch });

export const listAlliances = () => request<Items<Alliance>>('/alliances');
export const getAlliance = (id: string) => request<Alliance>(`/alliances/${enc(id)}`);

export const listMembers = (allianceId: string) =>
  request<Items<Membership>>(`/alliances/${enc(allianceId)}/members`);
export const addMember = (allianceId: string, input: MemberInput) =>
  request<Membership>(`/alliances/${enc(allianceId)}/members`, { method: 'POST', json: input });
export const updateMember = (allianceId: string, institutionId: string, patch: MemberPatch) =>
  request<Membership>(`/alliances/${enc(allianceId)}/members/${enc(institutionId)}`, {
    method: 'PATCH',
    json: patch,
  });
export const removeMember = (allianceId: string, institutionId: string) =>
  request<void>(`/alliances/${enc(allianceId)}/members/${enc(institutionId)}`, { method: 'DELETE' });
