import { request } from './client';
import type { AuditPage, AuditQuery, CreatedUser, Items, User, UserInput, UserPatch } from './types';

const enc = encodeURIComponent;

export const listUsers = (q?: string, institutionId?: string) =>
  request<Items<User>>('/users', { query: { q, institutionId } });
export const createUser = (input: UserInput) => request<CreatedUser>('/users', { method: 'POST', json: input });
export const updateUser = (id: string, patch: UserPatch) =>
  request<User>(`/users/${enc(id)}`, { method: 'PATCH', json: patch });
export const resetPassword = (id: string) =>
  request<{ initialPassword: string }>(`/users/${enc(id)}/reset-password`, { method: 'POST' });

export const listAudit = (q: AuditQuery) => request<AuditPage>('/audit', { query: { ...q } });
