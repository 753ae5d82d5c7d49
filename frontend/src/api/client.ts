// Typed fetch wrapper for /api/v1: same-origin cookies, CSRF header on writes,
// typed errors from the {"error":{"code","message","field"}} body, and a global
// hook for 401 (session gone) so the app can return to the login page.

export const API_BASE = '/api/v1';
export const CSRF_COOKIE = 'lianxin_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

export type ErrorCode =
  | 'invalid'
  | 'too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'internal'
  | 'network';

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | string;
  readonly field?: string;

  constructor(status: number, code: ErrorCode | string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || undefined;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

const codeForStatus: Record<number, ErrorCode> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
};

/** Reads one cookie's value from a `document.cookie` style string. */
export function readCookie(cookies: string, name: string): string | undefined {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

let fallbackCsrf: string | undefined;
/** Remembers the token from the login answer, used when the cookie cannot be read. */
export function setCsrfToken(token: string | undefined): void {
  fallbackCsrf = token || undefined;
}

function csrfToken(): string | undefined {
  const fromCookie = typeof document !== 'undefined' ? readCookie(document.cookie, CSRF_COOKIE) : undefined;
  return fromCookie || fallbackCsrf;
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler | undefined;
/** Registers what happens when any request (other than login) answers 401. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | undefined): void {
  onUnauthorized = handler;
}

/** Turns a non-2xx response into an ApiError, using the JSON error body when there is one. */
export async function toApiError(res: Response): Promise<ApiError> {
  const fallbackCode = codeForStatus[res.status] ?? (res.status >= 500 ? 'internal' : 'invalid');
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* body unreadable */
  }
  if (text) {
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
      const err = body?.error;
      if (err && typeof err === 'object') {
        const code = typeof err.code === 'string' && err.code ? err.code : fallbackCode;
        const message = typeof err.message === 'string' && err.message ? err.message : res.statusText || code;
        const field = typeof err.field === 'string' ? err.field : undefined;
        return new ApiError(res.status, code, message, field);
      }
    } catch {
      /* not JSON */
    }
  }
  return new ApiError(res.status, fallbackCode, res.statusText || `HTTP ${res.status}`);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | undefined | null>;
  /** JSON body (serialised) */
  json?: unknown;
  /** raw body (e.g. a scanned consent form), sent with its own content type */
  raw?: Blob;
  /** do not call the 401 handler (the login form shows the message itself) */
  noAuthRedirect?: boolean;
  /** extra request headers (e.g. Idempotency-Key) */
  headers?: Record<string, string>;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  let url = API_BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += '?' + qs;
  }
  return url;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.raw) {
    headers['Content-Type'] = opts.raw.type || 'application/octet-stream';
    body = opts.raw;
  }
  if (method !== 'GET') {
    const token = csrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }

  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), { method, headers, body, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }

  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401 && !opts.noAuthRedirect && onUnauthorized) onUnauthorized();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
