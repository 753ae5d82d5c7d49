import type { AppNotification } from '../api/types';

export interface Inbox {
  /** newest first */
  items: AppNotification[];
  unread: number;
}

export const INBOX_LIMIT = 50;

/** The inbox after a live notification: added on top (once), unread count up when it is new and unread. */
export function applyNotification(prev: Inbox, n: AppNotification): Inbox {
  if (prev.items.some((x) => x.id === n.id)) return prev;
  return {
    items: [n, ...prev.items].slice(0, INBOX_LIMIT),
    unread: prev.unread + (n.readAt ? 0 : 1),
  };
}

/** The inbox after marking `ids` read (an empty list: all). */
export function markRead(prev: Inbox, ids: readonly string[], at: string): Inbox {
  const all = ids.length === 0;
  let newlyRead = 0;
  const items = prev.items.map((n) => {
    if (!n.readAt && (all || ids.includes(n.id))) {
      newlyRead++;
      return { ...n, readAt: at };
    }
    return n;
  });
  return { items, unread: all ? 0 : Math.max(0, prev.unread - newlyRead) };
}
