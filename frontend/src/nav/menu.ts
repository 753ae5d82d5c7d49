import type { Role } from '../api/types';
import type { DictKey } from '../i18n/zh';

export type PageKey =
  | 'home'
  | 'profile'
  | 'referrals'
  | 'consults'
  | 'videoConsults'
  | 'schedule'
  | 'rounds'
  | 'lectures'
  | 'patients'
  | 'dashboard'
  | 'institutions'
  | 'members'
  | 'users'
  | 'audit';

export interface PageEntry {
  key: PageKey;
  path: string;
  label: DictKey;
  /** roles that may open the page; `null` = every signed-in user */
  roles: readonly Role[] | null;
}

const CLINICAL: readonly Role[] = ['doctor', 'specialist', 'convener'];
const ADMIN: readonly Role[] = ['alliance_admin', 'sysadmin'];
/** The analytics dashboard: administrators see their alliance, a convener their own institution. */
const ANALYTICS: readonly Role[] = ['convener', 'alliance_admin', 'sysadmin'];

/** Side-menu order. */
export const PAGES: readonly PageEntry[] = [
  { key: 'home', path: '/', label: 'menu.home', roles: null },
  { key: 'referrals', path: '/referrals', label: 'menu.referrals', roles: CLINICAL },
  { key: 'consults', path: '/consults', label: 'menu.consults', roles: CLINICAL },
  { key: 'videoConsults', path: '/video-consults', label: 'menu.videoConsults', roles: CLINICAL },
  { key: 'schedule', path: '/schedule', label: 'menu.schedule', roles: CLINICAL },
  { key: 'rounds', path: '/rounds', label: 'menu.rounds', roles: CLINICAL },
  { key: 'lectures', path: '/lectures', label: 'menu.lectures', roles: CLINICAL },
  { key: 'patients', path: '/patients', label: 'menu.patients', roles: CLINICAL },
  { key: 'dashboard', path: '/dashboard', label: 'menu.dashboard', roles: ANALYTICS },
  { key: 'institutions', path: '/institutions', label: 'menu.institutions', roles: ADMIN },
  { key: 'members', path: '/members', label: 'menu.members', roles: ADMIN },
  { key: 'users', path: '/users', label: 'menu.users', roles: ADMIN },
  { key: 'audit', path: '/audit', label: 'menu.audit', roles: ADMIN },
  { key: 'profile', path: '/profile', label: 'menu.profile', roles: null },
];

export function canOpen(userRoles: readonly string[], page: PageKey): boolean {
  const entry = PAGES.find((p) => p.key === page);
  if (!entry) return false;
  return entry.roles === null || entry.roles.some((r) => userRoles.includes(r));
}

/** Clinicians who may make (and submit) a referral; conveners only coordinate. */
export function canRefer(userRoles: readonly string[]): boolean {
  return userRoles.includes('doctor') || userRoles.includes('specialist');
}

/** The menu entries a user with these roles sees, in menu order. */
export function menuFor(userRoles: readonly string[]): PageEntry[] {
  return PAGES.filter((p) => canOpen(userRoles, p.key));
}

/** The page a path belongs to (for highlighting the menu). */
export function pageForPath(pathname: string): PageKey | undefined {
  if (pathname === '/' || pathname === '') return 'home';
  const hit = PAGES.find((p) => p.path !== '/' && (pathname === p.path || pathname.startsWith(p.path + '/')));
  return hit?.key;
}
