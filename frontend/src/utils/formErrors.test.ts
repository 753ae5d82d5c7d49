import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { placeError, showFormError, toDateString } from './formErrors';

describe('form errors', () => {
  it('puts an API error with a known field under that field', () => {
    const form = { setFields: vi.fn() };
    const notify = vi.fn();
    const err = new ApiError(409, 'conflict', 'username taken', 'username');
    const placed = showFormError(form, err, ['username', 'displayName'], 'failed', notify);
    expect(placed).toEqual({ field: 'username', message: 'username taken' });
    expect(form.setFields).toHaveBeenCalledWith([{ name: 'username', errors: ['username taken'] }]);
    expect(notify).not.toHaveBeenCalled();
  });

  it('falls back to a general message when the field is not in the form', () => {
    const form = { setFields: vi.fn() };
    const notify = vi.fn();
    showFormError(form, new ApiError(400, 'invalid', 'bad region', 'regionCode'), ['name'], 'failed', notify);
    expect(form.setFields).not.toHaveBeenCalled();
    expect(notify).toHaveBeenCalledWith('bad region');
  });

  it('uses the fallback text for unknown throwables', () => {
    expect(placeError('boom', ['name'], 'failed')).toEqual({ message: 'failed' });
    expect(placeError(new Error('net down'), ['name'], 'failed')).toEqual({ message: 'net down' });
  });

  it('formats dates as YYYY-MM-DD', () => {
    expect(toDateString({ format: (f: string) => (f === 'YYYY-MM-DD' ? '2024-05-01' : 'x') })).toBe('2024-05-01');
    expect(toDateString(null)).toBe('');
  });
});
