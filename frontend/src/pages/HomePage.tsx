import { Card, Descriptions, Empty, List, Space, Tag, Typography } from 'antd';
import { useMe } from '../auth/AuthProvider';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { StartCallButton, canStartCall } from '../rtc/StartCall';

export function HomePage() {
  const me = useMe();
  const { t } = useI18n();
  const inst = me.institution;

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Card data-testid="home-welcome">
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('home.welcome', { name: me.displayName })}
        </Typography.Title>
        <Space wrap>
          {me.roles.map((r) => (
            <Tag color="cyan" key={r}>
              {enumLabel(t, 'role', r)}
            </Tag>
          ))}
        </Space>
        {canStartCall(me.roles) ? (
          <div style={{ marginTop: 12 }}>
            <StartCallButton />
          </div>
        ) : null}
      </Card>
      <Card title={t('home.institution')} data-testid="home-institution">
        {inst ? (
          <Descriptions column={{ xs: 1, md: 2 }} size="small">
            <Descriptions.Item label={t('field.name')}>{inst.name}</Descriptions.Item>
            <Descriptions.Item label={t('field.level')}>{enumLabel(t, 'level', inst.level)}</Descriptions.Item>
            <Descriptions.Item label={t('field.kind')}>{enumLabel(t, 'kind', inst.kind)}</Descriptions.Item>
            <Descriptions.Item label={t('field.region')}>{inst.regionName || inst.regionCode}</Descriptions.Item>
          </Descriptions>
        ) : (
          <Typography.Text type="secondary">{t('common.none')}</Typography.Text>
        )}
      </Card>
      <Card title={t('home.alliances')} data-testid="home-alliances">
        {me.alliances?.length ? (
          <List
            dataSource={me.alliances}
            rowKey="id"
            renderItem={(a) => (
              <List.Item>
                <List.Item.Meta
                  title={a.name}
                  description={
                    <Space wrap>
                      <Tag>{enumLabel(t, 'model', a.model)}</Tag>
                      <span>
                        {t('field.establishedOn')}: {a.establishedOn || t('common.none')}
                      </span>
                    </Space>
                  }
                />
              </List.Item>
            )}
          />
        ) : (
          <Empty description={t('home.noAlliance')} />
        )}
      </Card>
    </Space>
  );
}
