// "Start a video call": a clinician picks colleagues of their alliances and opens an ad hoc room
// (POST /rooms), then goes straight into it. The invitees join through the room's link.
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Button, Form, Input, Modal, Select, type ButtonProps } from 'antd';
import { VideoCameraAddOutlined } from '@ant-design/icons';
import { useI18n } from '../i18n/I18nProvider';
import { useLoad } from '../utils/useLoad';
import { errorText } from '../utils/errorText';
import { listColleagues, openRoom } from './api';

/** Who may open a call (the hub refuses everyone else). */
export function canStartCall(roles: readonly string[]): boolean {
  return roles.some((r) => r === 'doctor' || r === 'specialist' || r === 'convener');
}

interface Values {
  title: string;
  invitees: string[];
}

export function StartCallButton() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button type="primary" icon={<VideoCameraAddOutlined />} onClick={() => setOpen(true)} data-testid="start-call">
        {t('call.start')}
      </Button>
      {open ? <StartCallModal onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function StartCallModal({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const colleagues = useLoad(() => listColleagues().then((r) => r.items), []);

  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    setError(null);
    try {
      const room = await openRoom(v.title.trim(), v.invitees);
      onClose();
      navigate(`/rooms/${encodeURIComponent(room.id)}`);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={t('call.start')}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t('call.submit')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      okButtonProps={{ 'data-testid': 'start-call-submit' } as ButtonProps}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ title: t('call.defaultTitle'), invitees: [] }} data-testid="start-call-form">
        <Form.Item name="title" label={t('call.title')} rules={[{ required: true, whitespace: true, max: 100, message: t('call.titleRequired') }]}>
          <Input data-testid="start-call-title" maxLength={100} />
        </Form.Item>
        <Form.Item name="invitees" label={t('call.invitees')} rules={[{ required: true, type: 'array', min: 1, message: t('call.inviteesRequired') }]}>
          <Select
            data-testid="start-call-invitees"
            mode="multiple"
            loading={colleagues.loading}
            maxCount={20}
            showSearch={{ optionFilterProp: 'search' }}
            options={(colleagues.data ?? []).map((c) => ({
              value: c.id,
              label: c.institutionName ? `${c.displayName}（${c.institutionName}）` : c.displayName,
              search: `${c.displayName} ${c.institutionName}`,
            }))}
          />
        </Form.Item>
      </Form>
      {colleagues.error ? <Alert type="warning" showIcon title={t('call.colleaguesFailed')} description={errorText(colleagues.error, '')} /> : null}
      {error ? <Alert type="error" showIcon title={errorText(error, t('common.failed'))} data-testid="start-call-error" /> : null}
    </Modal>
  );
}
