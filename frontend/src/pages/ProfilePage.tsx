import { useState } from 'react';
import { App, Button, Card, Col, Descriptions, Form, Input, Row, Select, Space, Tag } from 'antd';
import { changePassword, updateMe } from '../api/auth';
import type { MePatch } from '../api/types';
import { useAuth, useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { showFormError } from '../utils/formErrors';

interface PasswordValues {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

export function ProfilePage() {
  const me = useMe();
  const { reload } = useAuth();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [editForm] = Form.useForm<MePatch>();
  const [pwForm] = Form.useForm<PasswordValues>();
  const [saving, setSaving] = useState(false);
  const [changing, setChanging] = useState(false);

  const saveProfile = async (v: MePatch) => {
    setSaving(true);
    try {
      await updateMe({ displayName: v.displayName?.trim(), phone: v.phone?.trim() ?? '', title: v.title });
      await reload();
      message.success(t('common.saved'));
    } catch (e) {
      showFormError(editForm, e, ['displayName', 'phone', 'title'], t('common.failed'), (m) => message.error(m));
    } finally {
      setSaving(false);
    }
  };

  const savePassword = async (v: PasswordValues) => {
    setChanging(true);
    try {
      await changePassword(v.currentPassword, v.newPassword);
      pwForm.resetFields();
      message.success(t('profile.passwordChanged'));
    } catch (e) {
      showFormError(pwForm, e, ['currentPassword', 'newPassword'], t('common.failed'), (m) => message.error(m));
    } finally {
      setChanging(false);
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('profile.title')} data-testid="profile-view">
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('field.username')}>{me.username}</Descriptions.Item>
          <Descriptions.Item label={t('field.displayName')}>{me.displayName}</Descriptions.Item>
          <Descriptions.Item label={t('field.roles')}>
            {me.roles.map((r) => (
              <Tag key={r}>{enumLabel(t, 'role', r)}</Tag>
            ))}
          </Descriptions.Item>
          <Descriptions.Item label={t('field.title')}>{enumLabel(t, 'title', me.title)}</Descriptions.Item>
          <Descriptions.Item label={t('field.practiceYears')}>{me.practiceYears}</Descriptions.Item>
          <Descriptions.Item label={t('field.phone')}>{me.phone || t('common.none')}</Descriptions.Item>
          <Descriptions.Item label={t('field.institution')}>{me.institution?.name ?? t('common.none')}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={t('profile.edit')}>
            <Form<MePatch>
              form={editForm}
              layout="vertical"
              initialValues={{ displayName: me.displayName, phone: me.phone, title: me.title }}
              onFinish={saveProfile}
              data-testid="profile-form"
            >
              <Form.Item name="displayName" label={t('field.displayName')} rules={[{ required: true, whitespace: true }]}>
                <Input maxLength={64} data-testid="profile-displayName" />
              </Form.Item>
              <Form.Item name="phone" label={t('field.phone')}>
                <Input maxLength={32} data-testid="profile-phone" />
              </Form.Item>
              <Form.Item name="title" label={t('field.title')} rules={[{ required: true }]}>
                <Select options={enumOptions(t, 'title')} data-testid="profile-title" />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={saving} data-testid="profile-save">
                {t('common.save')}
              </Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('profile.changePassword')}>
            <Form<PasswordValues> form={pwForm} layout="vertical" onFinish={savePassword} data-testid="password-form">
              <Form.Item name="currentPassword" label={t('profile.currentPassword')} rules={[{ required: true }]}>
                <Input.Password autoComplete="current-password" data-testid="password-current" />
              </Form.Item>
              <Form.Item
                name="newPassword"
                label={t('profile.newPassword')}
                rules={[{ required: true }, { min: 10, message: t('profile.passwordTooShort') }]}
              >
                <Input.Password autoComplete="new-password" data-testid="password-new" />
              </Form.Item>
              <Form.Item
                name="confirm"
                label={t('profile.confirmPassword')}
                dependencies={['newPassword']}
                rules={[
                  { required: true },
                  ({ getFieldValue }) => ({
                    validator: (_, value) =>
                      !value || value === getFieldValue('newPassword')
                        ? Promise.resolve()
                        : Promise.reject(new Error(t('profile.passwordMismatch'))),
                  }),
                ]}
              >
                <Input.Password autoComplete="new-password" data-testid="password-confirm" />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={changing} data-testid="password-save">
                {t('profile.changePassword')}
              </Button>
            </Form>
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
