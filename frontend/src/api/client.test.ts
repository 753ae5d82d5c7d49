import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  buildUrl,
  readCookie,
  request,
  setCsrfToken,
  setUnauthorizedHandler,
  toApiError,
} from './client';
import { login } from './auth';
import { uploadConsentForm } from './patients';
import { actOnReferral, createReferral, listReferrals, uploadAttachment } from './referrals';

type FetchArgs = [string, RequestInit];

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function clearCookies() {
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0].trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
}

let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
  clearCookies();
  setCsrfToken(undefined);
  setUnauthorizedHandler(undefined);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function lastCall(): { url: string; init: RequestInit; headers: Record<string, string> } {
  const [url, init] = fetchMock.mock.calls.at(-1) as FetchArgs;
  return { url, init, headers: (init.headers ?? {}) as Record<string, string> };
}

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('a=1; lianxin_csrf=x%2By; b=2', 'lianxin_csrf')).toBe('x+y');
    expect(readCookie('lianxin_csrf_old=zzz; other=1', 'lianxin_csrf')).toBeUndefined();
    expect(readCookie('', 'lianxin_csrf')).toBeUndefined();
  });
});

describe('buildUrl', () => {
  it('prefixes /api/v1 and drops empty query values', () => {
    expect(buildUrl('/institutions', { q: '', level: 'chc', x: undefined, n: 0 })).toBe(
      '/api/v1/institutions?level=chc&n=0',
    );
    expect(buildUrl('/me')).toBe('/api/v1/me');
  });
});

describe('request', () => {
  it('GET sends same-origin credentials and no CSRF header', async () => {
    document.cookie = 'lianxin_csrf=tok123; path=/';
    fetchMock.mockResolvedValue(jsonResponse(200, { items: [] }));
    const res = await request<{ items: unknown[] }>('/regions');
    expect(res).toEqual({ items: [] });
    const { url, init, headers } = lastCall();
    expect(url).toBe('/api/v1/regions');
    expect(init.method).toBe('GET');
    expect(init.credentials).toBe('same-origin');
    expect(headers['X-CSRF-Token']).toBeUndefined();
  });

  it('POST/PATCH/DELETE carry the lianxin_csrf cookie value in X-CSRF-Token', async () => {
    document.cookie = 'lianxin_csrf=tok123; path=/';
    for (const method of ['POST', 'PATCH', 'DELETE', 'PUT'] as const) {
      fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
      await request('/x', { method, json: { a: 1 } });
      const { init, headers } = lastCall();
      expect(init.method).toBe(method);
      expect(headers['X-CSRF-Token']).toBe('tok123');
      expect(headers['Content-Type']).toBe('application/json');
      expect(init.body).toBe('{"a":1}');
    }
  });

  it('falls back to the csrfToken from the login answer when the cookie is missing', async () => {
    fetchMock.mockResolvedValueOnce(
      jsonResponse(200, { token: 't', csrfToken: 'from-login', user: { id: 'u1' } }),
    );
    await login('admin', 'pw');
    expect(lastCall().headers['X-CSRF-Token']).toBeUndefined(); // none known before login
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await request('/auth/logout', { method: 'POST' });
    expect(lastCall().headers['X-CSRF-Token']).toBe('from-login');
  });

  it('returns undefined for 204', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    await expect(request('/me/password', { method: 'POST', json: {} })).resolves.toBeUndefined();
  });

  it('parses the error body into an ApiError with code, message and field', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse(400, { error: { code: 'invalid', message: '密码太短', field: 'newPassword' } }),
    );
    const err = await request('/me/password', { method: 'POST', json: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid');
    expect(e.message).toBe('密码太短');
    expect(e.field).toBe('newPassword');
  });

  it('maps conflict without a field', async () => {
    fetchMock.mockResolvedValue(jsonResponse(409, { error: { code: 'conflict', message: 'already a member' } }));
    const e = (await request('/alliances/a/members', { method: 'POST', json: {} }).catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('conflict');
    expect(e.field).toBeUndefined();
  });

  it('copes with a non-JSON error body (proxy page)', async () => {
    fetchMock.mockResolvedValue(new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const e = (await request('/me').catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('internal');
    expect(e.message).toBe('Bad Gateway');
  });

  it('turns a network failure into an ApiError with code network', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    const e = (await request('/me').catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('network');
    expect(e.status).toBe(0);
  });

  it('calls the unauthorized handler on 401 from any request', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    fetchMock.mockResolvedValue(jsonResponse(401, { error: { code: 'unauthorized', message: 'session expired' } }));
    const e = (await request('/institutions').catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('unauthorized');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('does not redirect on a failed login; the server message reaches the form', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    fetchMock.mockResolvedValue(
      jsonResponse(401, { error: { code: 'unauthorized', message: '用户名或密码错误' } }),
    );
    const e = (await login('admin', 'wrong').catch((x: unknown) => x)) as ApiError;
    expect(e.message).toBe('用户名或密码错误');
    expect(onUnauthorized).not.toHaveBeenCalled();
    const { init } = lastCall();
    expect(JSON.parse(init.body as string)).toEqual({ username: 'admin', password: 'wrong' });
  });

  it('does not call the unauthorized handler for 403', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    fetchMock.mockResolvedValue(jsonResponse(403, { error: { code: 'forbidden', message: 'CSRF token missing' } }));
    await expect(request('/x', { method: 'POST', json: {} })).rejects.toMatchObject({ code: 'forbidden' });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('uploads a consent form as the raw body with its own content type', async () => {
    document.cookie = 'lianxin_csrf=tok; path=/';
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    const file = new Blob(['%PDF-1.4'], { type: 'application/pdf' });
    await uploadConsentForm('p/1', 'c1', file);
    const { url, init, headers } = lastCall();
    expect(url).toBe('/api/v1/patients/p%2F1/consents/c1/form');
    expect(init.method).toBe('PUT');
    expect(headers['Content-Type']).toBe('application/pdf');
    expect(headers['X-CSRF-Token']).toBe('tok');
    expect(init.body).toBe(file);
  });
});

describe('toApiError', () => {
  it('uses the status when the body has no code', async () => {
    const e = await toApiError(jsonResponse(404, { error: { message: 'no such patient' } }));
    expect(e.code).toBe('not_found');
    expect(e.message).toBe('no such patient');
  });
  it('handles 413 with an empty body', async () => {
    const e = await toApiError(new Response('', { status: 413, statusText: 'Payload Too Large' }));
    expect(e.code).toBe('too_large');
  });
});

describe('referral calls', () => {
  it('createReferral sends the Idempotency-Key header with the CSRF token', async () => {
    document.cookie = 'lianxin_csrf=tok123; path=/';
    fetchMock.mockResolvedValue(jsonResponse(201, { id: 'r1' }));
    const input = {
      patientId: 'p1',
      direction: 'up' as const,
      urgency: 'fast_track' as const,
      receiverInstitutionId: 'i1',
      reason: 'r',
      summary: 's',
      diagnoses: ['F20'],
      riskGrade: 4,
      unstable: false,
      medication: '',
    };
    await createReferral(input, 'key-1');
    const { url, init, headers } = lastCall();
    expect(url).toBe('/api/v1/referrals');
    expect(init.method).toBe('POST');
    expect(headers['Idempotency-Key']).toBe('key-1');
    expect(headers['X-CSRF-Token']).toBe('tok123');
    expect(JSON.parse(init.body as string)).toEqual(input);
  });

  it('listReferrals joins the status filter and drops empty ones', async () => {
    fetchMock.mockImplementation(async () => jsonResponse(200, { items: [], nextCursor: '' }));
    await listReferrals({ box: 'outgoing', status: ['requested', 'on_hold'], limit: 25 });
    expect(lastCall().url).toBe('/api/v1/referrals?box=outgoing&status=requested%2Con_hold&limit=25');
    await listReferrals({ box: 'incoming', status: [], urgency: 'fast_track', cursor: 'c1' });
    expect(lastCall().url).toBe('/api/v1/referrals?box=incoming&urgency=fast_track&cursor=c1');
  });

  it('actions post the body to /actions/{action}', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { id: 'r1' }));
    await actOnReferral('r 1', 'schedule', { version: 3, at: '2024-05-02T01:00:00Z', place: 'x' });
    const { url, init } = lastCall();
    expect(url).toBe('/api/v1/referrals/r%201/actions/schedule');
    expect(JSON.parse(init.body as string)).toEqual({ version: 3, at: '2024-05-02T01:00:00Z', place: 'x' });
  });

  it('attachments go as the raw body with their name in the query', async () => {
    fetchMock.mockResolvedValue(jsonResponse(201, { id: 'a1' }));
    const file = new File(['%PDF-1.4'], '血常规.pdf', { type: 'application/pdf' });
    await uploadAttachment('r1', file);
    const { url, init, headers } = lastCall();
    expect(url).toBe('/api/v1/referrals/r1/attachments?name=' + encodeURIComponent('血常规.pdf'));
    expect(headers['Content-Type']).toBe('application/pdf');
    expect(init.body).toBe(file);
  });
});
