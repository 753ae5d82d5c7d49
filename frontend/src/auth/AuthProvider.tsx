import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import * as authApi from '../api/auth';
import { isApiError, setUnauthorizedHandler } from '../api/client';
import type { Me } from '../api/types';

type Status = 'loading' | 'anonymous' | 'signedIn';

interface AuthValue {
  status: Status;
  me: Me | null;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  reload: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [status, setStatus] = useState<Status>('loading');
  const navigate = useNavigate();

  // Any 401 (expired or revoked session): forget the user and go to the login page.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe(null);
      setStatus('anonymous');
      if (window.location.pathname !== '/login') {
        const next = window.location.pathname + window.location.search;
        navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
      }
    });
    return () => setUnauthorizedHandler(undefined);
  }, [navigate]);

  useEffect(() => {
    let live = true;
    authApi
      .getMe(true)
      .then((m) => {
        if (!live) return;
        setMe(m);
        setStatus('signedIn');
      })
      .catch(() => {
        if (!live) return;
        setMe(null);
        setStatus('anonymous');
      });
    return () => {
      live = false;
    };
  }, []);

  const reload = useCallback(async () => {
    const m = await authApi.getMe();
    setMe(m);
    setStatus('signedIn');
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    await authApi.login(username, password);
    const m = await authApi.getMe(true);
    setMe(m);
    setStatus('signedIn');
  }, []);

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } catch (e) {
      if (!isApiError(e)) throw e;
    }
    setMe(null);
    setStatus('anonymous');
    navigate('/login', { replace: true });
  }, [navigate]);

  const value = useMemo(() => ({ status, me, login, logout, reload }), [status, me, login, logout, reload]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

/** The signed-in user; only for pages behind RequireAuth. */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe without a signed-in user');
  return me;
}
