import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Badge, Button, Empty, Popover, Space, Spin, Tag, Typography } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import type { AppNotification } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { useNotifications } from '../notifications/NotificationsProvider';
import { STATUS_COLORS } from '../referrals/logic';

/** Where a notification leads: its link when it has one (a video reminder), else its referral. */
const notificationLink = (item: AppNotification) => item.link || `/referrals/${item.referralId}`;

/** The header bell: unread count (live), and the latest notifications linking to their referrals. */
export function NotificationBell() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const n = useNotifications();
  const [open, setOpen] = useState(false);

  if (!n.enabled) return null;

  const go = (item: AppNotification) => {
    setOpen(false);
    if (!item.readAt) void n.markRead([item.id]);
    navigate(notificationLink(item));
  };

  const content = (
    <div style={{ width: 'min(340px, 80vw)' }} data-testid="notification-list">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }}>
        <Typography.Text type="secondary">{t('notifications.unread', { n: n.unread })}</Typography.Text>
        <Button size="small" type="link" disabled={n.unread === 0} onClick={() => void n.markRead()} data-testid="notification-read-all">
          {t('notifications.readAll')}
        </Button>
      </Space>
      {n.loading && n.items.length === 0 ? (
        <div style={{ textAlign: 'center', padding: 16 }}>
          <Spin />
        </div>
      ) : n.items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('notifications.empty')} />
      ) : (
        <div style={{ maxHeight: 360, overflowY: 'auto' }}>
          {n.items.map((item) => (
            <a
              key={item.id}
              href={notificationLink(item)}
              onClick={(e) => {
                e.preventDefault();
                go(item);
              }}
              data-testid="notification-item"
              data-referral-id={item.referralId}
              data-unread={item.readAt ? 'false' : 'true'}
              style={{
                display: 'block',
                padding: '8px 4px',
                borderBottom: '1px solid #f0f0f0',
                color: 'inherit',
                fontWeight: item.readAt ? 'normal' : 600,
              }}
            >
              <Space size={4} wrap>
                {!item.readAt ? <Badge status="processing" /> : null}
                <span>{enumLabel(t, 'event', item.action)}</span>
                {item.link ? null : (
                  <Tag color={STATUS_COLORS[item.status as keyof typeof STATUS_COLORS] ?? 'default'}>
                    {enumLabel(t, 'rstatus', item.status)}
                  </Tag>
                )}
              </Space>
              <div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {dayjs(item.createdAt).format('YYYY-MM-DD HH:mm')}
                </Typography.Text>
              </div>
            </a>
          ))}
        </div>
      )}
    </div>
  );

  return (
    <Popover
      trigger="click"
      placement="bottomRight"
      title={t('notifications.title')}
      content={content}
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (o) void n.refresh();
      }}
    >
      <Badge count={n.unread} size="small" overflowCount={99}>
        <Button
          icon={<BellOutlined />}
          aria-label={`${t('notifications.title')} (${n.unread})`}
          data-testid="notification-bell"
          data-unread={n.unread}
          data-connected={n.connected ? 'true' : 'false'}
        />
      </Badge>
    </Popover>
  );
}
