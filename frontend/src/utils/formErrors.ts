import type { FormInstance } from 'antd';
import { isApiError } from '../api/client';

export interface PlacedError {
  /** form field to show the message under, when the server named one the form has */
  field?: string;
  message: string;
}

/** Decides where an error from the API goes: under a form field, or in a general message. */
export function placeError(err: unknown, formFields: readonly string[], fallback: string): PlacedError {
  if (isApiError(err)) {
    const message = err.message || fallback;
    if (err.field && formFields.includes(err.field)) return { field: err.field, message };
    return { message };
  }
  if (err instanceof Error && err.message) return { message: err.message };
  return { message: fallback };
}

/**
 * Shows an API error on the right form field, or through `notify` when no field fits.
 * Returns the placement (handy for tests and callers that want an Alert instead).
 */
export function showFormError(
  form: Pick<FormInstance, 'setFields'>,
  err: unknown,
  formFields: readonly string[],
  fallback: string,
  notify: (message: string) => void,
): PlacedError {
  const placed = placeError(err, formFields, fallback);
  if (placed.field) form.setFields([{ name: placed.field, errors: [placed.message] }]);
  else notify(placed.message);
  return placed;
}

/** `YYYY-MM-DD` from a dayjs-like value. */
export function toDateString(d: { format: (f: string) => string } | null | undefined): string {
  return d ? d.format('YYYY-MM-DD') : '';
}
