import { isApiError } from '../api/client';

/** A short text for an error from the API or the network. */
export function errorText(e: unknown, fallback: string): string {
  if (isApiError(e)) return e.message || fallback;
  if (e instanceof Error && e.message) return e.message;
  return fallback;
}
