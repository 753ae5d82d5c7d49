import { useState } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { Button, Layout, Menu, Space, Typography } from 'antd';
import {
  AuditOutlined,
  BarChartOutlined,
  BankOutlined,
  HomeOutlined,
  LogoutOutlined,
  ApartmentOutlined,
  TeamOutlined,
  UserOutlined,
  IdcardOutlined,
  SwapOutlined,
  MessageOutlined,
  VideoCameraOutlined,
  CalendarOutlined,
  MedicineBoxOutlined,
  ReadOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import { useAuth, useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { canOpen, menuFor, pageForPath, type PageKey } from '../nav/menu';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import { LanguageSwitch } from './LanguageSwitch';
import { NotificationBell } from './NotificationBell';

const icons: Record<PageKey, ReactNode> = {
  home: <HomeOutlined />,
  profile: <IdcardOutlined />,
  referrals: <SwapOutlined />,
  consults: <MessageOutlined />,
  videoConsults: <VideoCameraOutlined />,
  schedule: <CalendarOutlined />,
  rounds: <MedicineBoxOutlined />,
  lectures: <ReadOutlined />,
  patients: <UserOutlined />,
  dashboard: <BarChartOutlined />,
  institutions: <BankOutlined />,
  members: <ApartmentOutlined />,
  users: <TeamOutlined />,
  audit: <AuditOutlined />,
};

export function AppLayout() {
  const me = useMe();
  const { logout } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  // Below antd's `lg` breakpoint (992 px, tablets) the side menu starts collapsed to icons.
  const [collapsed, setCollapsed] = useState(() => typeof window !== 'undefined' && window.innerWidth < 992);

  const selected = pageForPath(location.pathname);
  const items = menuFor(me.roles).map((p) => ({
    key: p.key,
    icon: icons[p.key],
    label: (
      <Link to={p.path} data-testid={`menu-${p.key}`}>
        {t(p.label)}
      </Link>
    ),
  }));

  return (
    // Notifications are about referrals: only users who may open them get the bell and the live stream.
    <NotificationsProvider enabled={canOpen(me.roles, 'referrals')}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Sider
          data-testid="side-menu"
          breakpoint="lg"
          collapsible
          collapsed={collapsed}
          onCollapse={setCollapsed}
          onBreakpoint={setCollapsed}
          collapsedWidth={64}
          width={200}
          theme="light"
          style={{ borderRight: '1px solid #f0f0f0' }}
        >
          <div style={{ height: 56, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
            <Typography.Title level={4} style={{ margin: 0, color: '#2f6f73' }} data-testid="app-name">
              {collapsed ? t('app.name').slice(0, 2) : t('app.name')}
            </Typography.Title>
          </div>
          <Menu mode="inline" selectedKeys={selected ? [selected] : []} items={items} style={{ borderInlineEnd: 'none' }} />
        </Layout.Sider>
        <Layout>
          <Layout.Header
            style={{
              background: '#fff',
              padding: '0 16px',
              display: 'flex',
              alignItems: 'center',
              justifyContent: 'space-between',
              gap: 12,
              borderBottom: '1px solid #f0f0f0',
            }}
          >
            <Typography.Text type="secondary" ellipsis style={{ minWidth: 0 }}>
              {t('app.tagline')}
            </Typography.Text>
            <Space size="middle" wrap={false}>
              <NotificationBell />
              <span style={{ lineHeight: 1.3, display: 'inline-flex', flexDirection: 'column', textAlign: 'right' }}>
                <Typography.Text strong data-testid="header-user-name">
                  {me.displayName}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="header-institution">
                  {me.institution?.name ?? ''}
                </Typography.Text>
              </span>
              <LanguageSwitch />
              <Button data-testid="logout-button" icon={<LogoutOutlined />} onClick={() => void logout()}>
                {t('header.logout')}
              </Button>
            </Space>
          </Layout.Header>
          <Layout.Content style={{ padding: 16 }}>
            <Outlet />
          </Layout.Content>
        </Layout>
      </Layout>
    </NotificationsProvider>
  );
}
