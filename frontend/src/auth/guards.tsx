import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { Spin } from 'antd';
import { useAuth } from './AuthProvider';
import { canOpen, type PageKey } from '../nav/menu';
import { Forbidden } from '../components/ResultPages';

export function FullPageSpin() {
  return (
    <div style={{ display: 'flex', justifyContent: 'center', alignItems: 'center', minHeight: '100vh' }}>
      <Spin size="large" />
    </div>
  );
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <FullPageSpin />;
  if (status === 'anonymous') {
    const next = location.pathname + location.search;
    const to = next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
    return <Navigate to={to} replace />;
  }
  return <>{children}</>;
}

export function RequirePage({ page, children }: { page: PageKey; children: ReactNode }) {
  const { me } = useAuth();
  if (!me || !canOpen(me.roles, page)) return <Forbidden />;
  return <>{children}</>;
}
