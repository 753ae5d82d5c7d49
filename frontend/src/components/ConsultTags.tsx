import { Tag } from 'antd';
import type { ConsultStatus, OccurrenceStatus, VideoStatus } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { CONSULT_STATUS_COLORS, VIDEO_STATUS_COLORS } from '../consults/logic';
import { OCCURRENCE_STATUS_COLORS } from '../rounds/logic';

export function ConsultStatusTag({ status }: { status: ConsultStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={CONSULT_STATUS_COLORS[status] ?? 'default'} data-testid="consult-status-tag" data-status={status}>
      {enumLabel(t, 'cstatus', status)}
    </Tag>
  );
}

export function VideoStatusTag({ status }: { status: VideoStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={VIDEO_STATUS_COLORS[status] ?? 'default'} data-testid="video-status-tag" data-status={status}>
      {enumLabel(t, 'vstatus', status)}
    </Tag>
  );
}

export function OccurrenceStatusTag({ status }: { status: OccurrenceStatus }) {
  const { t } = useI18n();
  return (
    <Tag color={OCCURRENCE_STATUS_COLORS[status] ?? 'default'} data-testid="occurrence-status-tag" data-status={status}>
      {enumLabel(t, 'ostatus', status)}
    </Tag>
  );
}
