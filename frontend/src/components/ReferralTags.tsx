import { Tag, Tooltip } from 'antd';
import { ThunderboltFilled } from '@ant-design/icons';
import dayjs from 'dayjs';
import type { Referral, ReferralStatus, Urgency } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { clockKind, countdown, countdownColor, formatCountdown, STATUS_COLORS, URGENCY_COLORS } from '../referrals/logic';
import { useNow } from '../utils/useNow';

export function UrgencyTag({ urgency }: { urgency: Urgency }) {
  const { t } = useI18n();
  return (
    <Tag
      color={URGENCY_COLORS[urgency] ?? 'default'}
      icon={urgency === 'fast_track' ? <ThunderboltFilled /> : undefined}
      data-testid="urgency-tag"
      data-urgency={urgency}
    >
      {enumLabel(t, 'urgency', urgency)}
    </Tag>
  );
}

export function StatusTag({ status }: { status: ReferralStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={STATUS_COLORS[status] ?? 'default'} data-testid="status-tag" data-status={status}>
      {enumLabel(t, 'rstatus', status)}
    </Tag>
  );
}

/** The running SLA clock of a referral: what it waits for and the time left (red when overdue). */
export function SlaCountdown({ referral }: { referral: Pick<Referral, 'status' | 'admitDueAt' | 'appointment' | 'dueAt'> }) {
  const { t } = useI18n();
  const now = useNow();
  if (!referral.dueAt) return <span data-testid="sla-countdown">{t('common.none')}</span>;
  const c = countdown(referral.dueAt, now);
  const kind = clockKind(referral);
  const color = countdownColor(c);
  return (
    <Tooltip title={dayjs(referral.dueAt).format('YYYY-MM-DD HH:mm')}>
      <Tag
        color={color === 'default' ? undefined : color}
        data-testid="sla-countdown"
        data-overdue={c.overdue ? 'true' : 'false'}
        style={{ whiteSpace: 'nowrap' }}
      >
        {kind ? `${t(`clock.${kind}`)} · ` : ''}
        {formatCountdown(c, t)}
      </Tag>
    </Tooltip>
  );
}
