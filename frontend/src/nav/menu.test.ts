import { describe, expect, it } from 'vitest';
import { canOpen, canRefer, menuFor, pageForPath } from './menu';

const keys = (roles: string[]) => menuFor(roles).map((p) => p.key);

describe('role → menu', () => {
  const CLINICAL_PAGES = ['home', 'referrals', 'consults', 'videoConsults', 'schedule', 'rounds', 'lectures', 'patients', 'profile'];

  it('a grass-root doctor sees the clinical pages: referrals, eConsults, video consultations, rounds, teaching, patients', () => {
    expect(keys(['doctor'])).toEqual(CLINICAL_PAGES);
  });

  it('specialists and conveners see the clinical pages but no administration', () => {
    expect(keys(['specialist'])).toEqual(CLINICAL_PAGES);
    const CONVENER = [...CLINICAL_PAGES.slice(0, -1), 'dashboard', 'profile'];
    expect(keys(['convener'])).toEqual(CONVENER);
    expect(keys(['convener', 'specialist'])).toEqual(CONVENER);
  });

  it('an alliance administrator sees analytics and administration but not patients', () => {
    expect(keys(['alliance_admin'])).toEqual(['home', 'dashboard', 'institutions', 'members', 'users', 'audit', 'profile']);
    expect(keys(['sysadmin'])).toEqual(['home', 'dashboard', 'institutions', 'members', 'users', 'audit', 'profile']);
  });

  it('roles add up', () => {
    expect(keys(['doctor', 'alliance_admin'])).toEqual([
      'home',
      'referrals',
      'consults',
      'videoConsults',
      'schedule',
      'rounds',
      'lectures',
      'patients',
      'dashboard',
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
    expect(canOpen(['alliance_admin'], 'referrals')).toBe(false);
    expect(canOpen(['sysadmin'], 'referrals')).toBe(false);
    expect(canOpen(['convener'], 'referrals')).toBe(true);
    expect(canOpen([], 'profile')).toBe(true);
    expect(canOpen(['doctor'], 'consults')).toBe(true);
    expect(canOpen(['convener'], 'schedule')).toBe(true);
    expect(canOpen(['alliance_admin'], 'consults')).toBe(false);
    expect(canOpen(['alliance_admin'], 'rounds')).toBe(false);
    expect(canOpen(['alliance_admin'], 'dashboard')).toBe(true);
    expect(canOpen(['convener'], 'dashboard')).toBe(true);
    expect(canOpen(['doctor'], 'dashboard')).toBe(false);
  });

  it('pageForPath highlights the right entry', () => {
    expect(pageForPath('/')).toBe('home');
    expect(pageForPath('/members')).toBe('members');
    expect(pageForPath('/patients/123')).toBe('patients');
    expect(pageForPath('/usersx')).toBeUndefined();
    expect(pageForPath('/referrals/new')).toBe('referrals');
    expect(pageForPath('/referrals/0193-abc')).toBe('referrals');
    expect(pageForPath('/consults/new')).toBe('consults');
    expect(pageForPath('/video-consults/0193-abc')).toBe('videoConsults');
    expect(pageForPath('/rounds/occurrences/0193-abc')).toBe('rounds');
    expect(pageForPath('/schedule')).toBe('schedule');
  });

  it('only clinicians make referrals', () => {
    expect(canRefer(['doctor'])).toBe(true);
    expect(canRefer(['specialist'])).toBe(true);
    expect(canRefer(['convener'])).toBe(false);
    expect(canRefer(['alliance_admin'])).toBe(false);
  });
});
