import { describe, expect, it } from 'vitest';
import { canOpen, menuFor, pageForPath } from './menu';

const keys = (roles: string[]) => menuFor(roles).map((p) => p.key);

describe('role → menu', () => {
  it('a grass-root doctor sees home, patients and profile', () => {
    expect(keys(['doctor'])).toEqual(['home', 'patients', 'profile']);
  });

  it('specialists and conveners see patients but no administration', () => {
    expect(keys(['specialist'])).toEqual(['home', 'patients', 'profile']);
    expect(keys(['convener', 'specialist'])).toEqual(['home', 'patients', 'profile']);
  });

  it('an alliance administrator sees administration but not patients', () => {
    expect(keys(['alliance_admin'])).toEqual(['home', 'institutions', 'members', 'users', 'audit', 'profile']);
    expect(keys(['sysadmin'])).toEqual(['home', 'institutions', 'members', 'users', 'audit', 'profile']);
  });

  it('roles add up', () => {
    expect(keys(['doctor', 'alliance_admin'])).toEqual([
      'home',
      'patients',
      'institutions',
      'members',
      'users',
      'audit',
      'profile',
    ]);
  });

  it('no roles: only the pages for everyone', () => {
    expect(keys([])).toEqual(['home', 'profile']);
  });

  it('canOpen guards pages', () => {
    expect(canOpen(['doctor'], 'users')).toBe(false);
    expect(canOpen(['alliance_admin'], 'users')).toBe(true);
    expect(canOpen(['alliance_admin'], 'patients')).toBe(false);
    expect(canOpen([], 'profile')).toBe(true);
  });

  it('pageForPath highlights the right entry', () => {
    expect(pageForPath('/')).toBe('home');
    expect(pageForPath('/members')).toBe('members');
    expect(pageForPath('/patients/123')).toBe('patients');
    expect(pageForPath('/usersx')).toBeUndefined();
  });
});
