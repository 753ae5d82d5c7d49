import { describe, expect, it } from 'vitest';
import type { AppNotification } from '../api/types';
import { applyNotification, INBOX_LIMIT, markRead, type Inbox } from './inbox';

const n = (id: string, readAt: string | null = null): AppNotification => ({
  id,
  kind: 'referral.changed',
  referralId: `r-${id}`,
  status: 'accepted',
  action: 'accept',
  createdAt: '2024-05-01T08:00:00Z',
  readAt,
});

describe('notification inbox', () => {
  it('a live notification goes on top and counts as unread once', () => {
    let inbox: Inbox = { items: [n('1', '2024-05-01T09:00:00Z')], unread: 0 };
    inbox = applyNotification(inbox, n('2'));
    expect(inbox.items.map((x) => x.id)).toEqual(['2', '1']);
    expect(inbox.unread).toBe(1);
    // the stream may repeat one after a reconnection
    expect(applyNotification(inbox, n('2'))).toBe(inbox);
  });

  it('keeps at most INBOX_LIMIT items', () => {
    let inbox: Inbox = { items: [], unread: 0 };
    for (let i = 0; i < INBOX_LIMIT + 5; i++) inbox = applyNotification(inbox, n(String(i)));
    expect(inbox.items).toHaveLength(INBOX_LIMIT);
    expect(inbox.unread).toBe(INBOX_LIMIT + 5);
  });

  it('marks some or all read', () => {
    const inbox: Inbox = { items: [n('3'), n('2'), n('1')], unread: 7 };
    const some = markRead(inbox, ['2'], 'now');
    expect(some.unread).toBe(6);
    expect(some.items.find((x) => x.id === '2')?.readAt).toBe('now');
    expect(some.items.find((x) => x.id === '3')?.readAt).toBeNull();
    const all = markRead(some, [], 'later');
    expect(all.unread).toBe(0);
    expect(all.items.every((x) => x.readAt)).toBe(true);
  });
});
