import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useAuth } from '../auth/AuthProvider';
import { FullPageSpin } from '../auth/guards';
import { useI18n } from '../i18n/I18nProvider';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { placeError } from '../utils/formErrors';

interface LoginValues {
  username: string;
  password: string;
}

/** Only same-site paths are allowed as a post-login destination. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { status, login } = useAuth();
  const { t } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  if (status === 'loading') return <FullPageSpin />;
  if (status === 'signedIn') return <Navigate to={next} replace />;

  const onFinish = async (v: LoginValues) => {
    setBusy(true);
    setError(null);
    try {
      await login(v.username.trim(), v.password);
      navigate(next, { replace: true });
    } catch (e) {
      setError(placeError(e, [], t('login.failed')).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: '#f3f6f6',
        padding: 16,
      }}
    >
      <Card style={{ width: '100%', maxWidth: 400 }} data-testid="login-card">
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start' }}>
          <div>
            <Typography.Title level={3} style={{ marginTop: 0, marginBottom: 4, color: '#2f6f73' }}>
              {t('app.name')}
            </Typography.Title>
            <Typography.Paragraph type="secondary">{t('app.tagline')}</Typography.Paragraph>
          </div>
          <LanguageSwitch />
        </div>
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {t('login.title')}
        </Typography.Title>
        {error && (
          <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="login-error" />
        )}
        <Form<LoginValues> layout="vertical" onFinish={onFinish} requiredMark={false} disabled={busy}>
          <Form.Item name="username" label={t('login.username')} rules={[{ required: true, whitespace: true }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus data-testid="login-username" />
          </Form.Item>
          <Form.Item name="password" label={t('login.password')} rules={[{ required: true }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="login-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
            {t('login.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
