import { request, setCsrfToken } from './client';
import type { LoginResponse, Me, MePatch, User } from './types';

export async function login(username: string, password: string): Promise<LoginResponse> {
  const res = await request<LoginResponse>('/auth/login', {
    method: 'POST',
    json: { username, password },
    noAuthRedirect: true,
  });
  setCsrfToken(res.csrfToken);
  return res;
}

export async function logout(): Promise<void> {
  try {
    await request<void>('/auth/logout', { method: 'POST', noAuthRedirect: true });
  } finally {
    setCsrfToken(undefined);
  }
}

/** The current user; `quiet` skips the global 401 redirect (used at start-up). */
export const getMe = (quiet = false) => request<Me>('/me', { noAuthRedirect: quiet });
export const updateMe = (patch: MePatch) => request<User>('/me', { method: 'PATCH', json: patch });
export const changePassword = (currentPassword: string, newPassword: string) =>
  request<void>('/me/password', { method: 'POST', json: { currentPassword, newPassword } });
