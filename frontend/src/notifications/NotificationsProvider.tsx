import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { EVENTS_URL, listNotifications, markNotificationsRead } from '../api/referrals';
import type { AppNotification } from '../api/types';
import { applyNotification, markRead, type Inbox } from './inbox';

/** Called with each live notification, or with null after the stream reconnected (reload anything shown). */
export type NotificationListener = (n: AppNotification | null) => void;

interface NotificationsValue {
  enabled: boolean;
  /** the live event stream is open */
  connected: boolean;
  unread: number;
  /** newest first: the inbox as last loaded plus what arrived live since */
  items: AppNotification[];
  loading: boolean;
  /** reloads the inbox from the server */
  refresh: () => Promise<void>;
  /** marks these notifications read (none: all) */
  markRead: (ids?: string[]) => Promise<void>;
  /** listens to live notifications; returns the unsubscribe function */
  subscribe: (fn: NotificationListener) => () => void;
}

const noop = async () => undefined;
const disabled: NotificationsValue = {
  enabled: false,
  connected: false,
  unread: 0,
  items: [],
  loading: false,
  refresh: noop,
  markRead: noop,
  subscribe: () => () => undefined,
};

const NotificationsContext = createContext<NotificationsValue>(disabled);

const RECONNECT_MS = 5000;

/**
 * Keeps the user's notification inbox and listens to the live event stream
 * (server-sent events at /api/v1/events): the unread count and the list update
 * without a reload, and pages subscribe to refresh what they show.
 */
export function NotificationsProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  const [inbox, setInbox] = useState<Inbox>({ items: [], unread: 0 });
  const [connected, setConnected] = useState(false);
  const [loading, setLoading] = useState(false);
  const listeners = useRef(new Set<NotificationListener>());

  const emit = useCallback((n: AppNotification | null) => {
    for (const fn of [...listeners.current]) {
      try {
        fn(n);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }, []);

  const refresh = useCallback(async () => {
    setLoading(true);
    try {
      const page = await listNotifications();
      setInbox({ items: page.items, unread: page.unread });
    } catch {
      /* keep what we have; the stream or the next open retries */
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    let es: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let helloes = 0;

    const open = () => {
      if (stopped) return;
      es = new EventSource(EVENTS_URL);
      es.addEventListener('hello', (e) => {
        setConnected(true);
        try {
          const data = JSON.parse((e as MessageEvent<string>).data) as { unread?: number };
          if (typeof data.unread === 'number') setInbox((prev) => ({ ...prev, unread: data.unread ?? prev.unread }));
        } catch {
          /* ignore a malformed hello */
        }
        // After a reconnection something may have been missed: let pages reload.
        if (helloes++ > 0) emit(null);
      });
      es.addEventListener('notification', (e) => {
        let n: AppNotification;
        try {
          n = JSON.parse((e as MessageEvent<string>).data) as AppNotification;
        } catch {
          return;
        }
        setInbox((prev) => applyNotification(prev, n));
        emit(n);
      });
      es.onerror = () => {
        setConnected(false);
        // The browser retries by itself unless the stream was refused (e.g. 401): then we retry later.
        if (es && es.readyState === EventSource.CLOSED) {
          es.close();
          timer = setTimeout(open, RECONNECT_MS);
        }
      };
    };
    open();
    void refresh();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      es?.close();
      setConnected(false);
    };
  }, [enabled, emit, refresh]);

  const doMarkRead = useCallback(async (ids: string[] = []) => {
    setInbox((prev) => markRead(prev, ids, new Date().toISOString()));
    try {
      await markNotificationsRead(ids);
    } catch {
      /* the server keeps them unread; the next refresh shows it */
    }
  }, []);

  const subscribe = useCallback((fn: NotificationListener) => {
    listeners.current.add(fn);
    return () => {
      listeners.current.delete(fn);
    };
  }, []);

  const value = useMemo<NotificationsValue>(
    () =>
      enabled
        ? {
            enabled,
            connected,
            unread: inbox.unread,
            items: inbox.items,
            loading,
            refresh,
            markRead: doMarkRead,
            subscribe,
          }
        : disabled,
    [enabled, connected, inbox, loading, refresh, doMarkRead, subscribe],
  );

  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}

export function useNotifications(): NotificationsValue {
  return useContext(NotificationsContext);
}

/** Runs `fn` for every live notification (and null after a reconnection) while mounted. */
export function useNotificationListener(fn: NotificationListener): void {
  const { subscribe } = useNotifications();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => subscribe((n) => ref.current(n)), [subscribe]);
}
