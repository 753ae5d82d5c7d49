import { Alert, Modal, Typography } from 'antd';
import { useI18n } from '../i18n/I18nProvider';

/** Shows a server-generated initial password once, with a copy button. */
export function InitialPasswordModal({
  shown,
  onClose,
}: {
  shown: { name: string; password: string } | null;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <Modal
      open={shown !== null}
      title={t('users.initialPassword')}
      onCancel={onClose}
      onOk={onClose}
      okText={t('common.close')}
      cancelButtonProps={{ style: { display: 'none' } }}
      destroyOnHidden
    >
      {shown ? (
        <>
          <Alert type="warning" showIcon title={t('users.initialPasswordHint', { name: shown.name })} style={{ marginBottom: 16 }} />
          <Typography.Paragraph
            copyable={{ text: shown.password, tooltips: [t('common.copied'), t('common.copied')] }}
            code
            style={{ fontSize: 18 }}
            data-testid="initial-password"
          >
            {shown.password}
          </Typography.Paragraph>
        </>
      ) : null}
    </Modal>
  );
}
