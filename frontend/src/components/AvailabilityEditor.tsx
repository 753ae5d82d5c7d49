// A specialist's published availability: weekly templates and exceptions (a day off,
// an extra session), editable by the specialist and by their facility's convener.
import { useState, type HTMLAttributes } from 'react';
import { App, Button, Card, Col, DatePicker, Empty, Form, Popconfirm, Radio, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { addException, addTemplate, deleteAvailability } from '../api/consults';
import type { Availability, AvailabilityException, AvailabilityTemplate, ExceptionKind } from '../api/types';
import { EXCEPTION_KINDS, WEEKDAY_NUMBERS } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';
import { beijingToday, clockOptions, spanFits, weekdayOf } from '../schedule/logic';
import { errorText } from '../utils/errorText';
import { showFormError, toDateString } from '../utils/formErrors';
import { FormModal } from './FormModal';

const SLOT_MINUTES = [15, 20, 30, 45, 60, 90];
/** Monday first, as the board shows the week. */
const WEEK_ORDER = [...WEEKDAY_NUMBERS.slice(1), WEEKDAY_NUMBERS[0]];
const CLOCK = clockOptions().map((c) => ({ value: c, label: c }));

interface TemplateValues {
  weekday: number;
  start: string;
  end: string;
  slotMinutes: number;
  validFrom: Dayjs;
  validUntil?: Dayjs | null;
}

interface ExceptionValues {
  date: Dayjs;
  start: string;
  end: string;
  kind: ExceptionKind;
  slotMinutes?: number;
}

interface Props {
  specialistId: string;
  availability: Availability | undefined;
  loading: boolean;
  canManage: boolean;
  onChanged: () => void;
}

export function AvailabilityEditor({ specialistId, availability, loading, canManage, onChanged }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [adding, setAdding] = useState<'template' | 'exception' | null>(null);
  const [tForm] = Form.useForm<TemplateValues>();
  const [xForm] = Form.useForm<ExceptionValues>();
  const kind = Form.useWatch('kind', xForm);

  const remove = async (id: string) => {
    try {
      await deleteAvailability(specialistId, id);
      message.success(t('schedule.removed'));
      onChanged();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    }
  };

  const saveTemplate = async (v: TemplateValues) => {
    try {
      await addTemplate(specialistId, {
        weekday: v.weekday,
        start: v.start,
        end: v.end,
        slotMinutes: v.slotMinutes,
        validFrom: toDateString(v.validFrom),
        ...(v.validUntil ? { validUntil: toDateString(v.validUntil) } : {}),
      });
      message.success(t('schedule.templateAdded'));
      setAdding(null);
      onChanged();
    } catch (e) {
      showFormError(tForm, e, ['weekday', 'start', 'end', 'slotMinutes', 'validFrom', 'validUntil'], t('common.failed'), (m) =>
        message.error(m),
      );
      throw e;
    }
  };

  const saveException = async (v: ExceptionValues) => {
    try {
      await addException(specialistId, {
        date: toDateString(v.date),
        start: v.start,
        end: v.end,
        kind: v.kind,
        ...(v.kind === 'extra' ? { slotMinutes: v.slotMinutes } : {}),
      });
      message.success(t('schedule.exceptionAdded'));
      setAdding(null);
      onChanged();
    } catch (e) {
      showFormError(xForm, e, ['date', 'start', 'end', 'kind', 'slotMinutes'], t('common.failed'), (m) => message.error(m));
      throw e;
    }
  };

  const del = (id: string) =>
    canManage ? (
      <Popconfirm title={t('schedule.removeConfirm')} onConfirm={() => void remove(id)} okText={t('common.remove')}>
        <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('common.remove')} data-testid="availability-delete" />
      </Popconfirm>
    ) : null;

  const spanRule = (get: () => { start?: string; end?: string; slot?: number }) => ({
    validator: async () => {
      const { start, end, slot } = get();
      if (start && end && !spanFits(start, end, slot)) throw new Error(t('schedule.badSpan'));
    },
  });

  const templates = [...(availability?.templates ?? [])].sort(
    (a, b) => WEEK_ORDER.indexOf(a.weekday as never) - WEEK_ORDER.indexOf(b.weekday as never) || a.start.localeCompare(b.start),
  );
  const tomorrow = dayjs(beijingToday()).add(1, 'day');

  return (
    <Card
      title={t('schedule.availability')}
      data-testid="availability"
      loading={loading && !availability}
      extra={
        canManage ? (
          <Space wrap>
            <Button icon={<PlusOutlined />} onClick={() => setAdding('template')} data-testid="availability-add-template">
              {t('schedule.addTemplate')}
            </Button>
            <Button icon={<PlusOutlined />} onClick={() => setAdding('exception')} data-testid="availability-add-exception">
              {t('schedule.addException')}
            </Button>
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('schedule.readOnly')}</Typography.Text>
        )
      }
    >
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Typography.Title level={5}>{t('schedule.templates')}</Typography.Title>
          <Table<AvailabilityTemplate>
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={templates}
            data-testid="availability-templates"
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('schedule.noTemplates')} /> }}
            onRow={(r) => ({ 'data-testid': 'template-row', 'data-weekday': r.weekday }) as HTMLAttributes<HTMLElement>}
            columns={[
              { title: t('schedule.weekday'), key: 'w', render: (_, r) => enumLabel(t, 'weekday', r.weekday) },
              { title: t('schedule.hours'), key: 'h', render: (_, r) => `${r.start}–${r.end}` },
              { title: t('schedule.slotMinutes'), key: 's', render: (_, r) => t('schedule.minutes', { n: r.slotMinutes }) },
              {
                title: t('schedule.valid'),
                key: 'v',
                render: (_, r) => `${r.validFrom} – ${r.validUntil || t('schedule.openEnded')}`,
              },
              { title: '', key: 'x', render: (_, r) => del(r.id) },
            ]}
          />
        </Col>
        <Col xs={24} xl={12}>
          <Typography.Title level={5}>{t('schedule.exceptions')}</Typography.Title>
          <Table<AvailabilityException>
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={availability?.exceptions ?? []}
            data-testid="availability-exceptions"
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('schedule.noExceptions')} /> }}
            columns={[
              {
                title: t('schedule.date'),
                key: 'd',
                render: (_, r) => `${r.date} ${enumLabel(t, 'weekday', weekdayOf(r.date))}`,
              },
              { title: t('schedule.hours'), key: 'h', render: (_, r) => `${r.start}–${r.end}` },
              {
                title: t('schedule.kind'),
                key: 'k',
                render: (_, r) => (
                  <Tag color={r.kind === 'off' ? 'volcano' : 'green'}>
                    {enumLabel(t, 'xkind', r.kind)}
                    {r.kind === 'extra' ? ` · ${t('schedule.minutes', { n: r.slotMinutes })}` : ''}
                  </Tag>
                ),
              },
              { title: '', key: 'x', render: (_, r) => del(r.id) },
            ]}
          />
        </Col>
      </Row>

      <FormModal<TemplateValues>
        open={adding === 'template'}
        title={t('schedule.addTemplate')}
        testId="template"
        form={tForm}
        initialValues={{ weekday: tomorrow.day(), start: '09:00', end: '12:00', slotMinutes: 30, validFrom: dayjs(beijingToday()) }}
        onCancel={() => setAdding(null)}
        onSubmit={saveTemplate}
      >
        <Form.Item name="weekday" label={t('schedule.weekday')} rules={[{ required: true }]}>
          <Select options={WEEK_ORDER.map((d) => ({ value: d, label: enumLabel(t, 'weekday', d) }))} data-testid="template-weekday" />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="start" label={t('schedule.start')} rules={[{ required: true }]}>
              <Select showSearch options={CLOCK} data-testid="template-start" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              name="end"
              label={t('schedule.end')}
              dependencies={['start', 'slotMinutes']}
              rules={[
                { required: true },
                spanRule(() => ({ start: tForm.getFieldValue('start'), end: tForm.getFieldValue('end'), slot: tForm.getFieldValue('slotMinutes') })),
              ]}
            >
              <Select showSearch options={CLOCK} data-testid="template-end" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="slotMinutes" label={t('schedule.slotMinutes')} rules={[{ required: true }]}>
          <Select options={SLOT_MINUTES.map((n) => ({ value: n, label: t('schedule.minutes', { n }) }))} data-testid="template-slotMinutes" />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="validFrom" label={t('schedule.validFrom')} rules={[{ required: true }]}>
              <DatePicker style={{ width: '100%' }} data-testid="template-validFrom" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="validUntil" label={t('schedule.validUntil')}>
              <DatePicker style={{ width: '100%' }} data-testid="template-validUntil" />
            </Form.Item>
          </Col>
        </Row>
        <Typography.Text type="secondary">{t('schedule.beijingHint')}</Typography.Text>
      </FormModal>

      <FormModal<ExceptionValues>
        open={adding === 'exception'}
        title={t('schedule.addException')}
        testId="exception"
        form={xForm}
        initialValues={{ date: tomorrow, start: '14:00', end: '17:00', kind: 'off', slotMinutes: 30 }}
        onCancel={() => setAdding(null)}
        onSubmit={saveException}
      >
        <Form.Item name="kind" label={t('schedule.kind')} rules={[{ required: true }]}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            options={EXCEPTION_KINDS.map((k) => ({ value: k, label: enumLabel(t, 'xkind', k) }))}
            data-testid="exception-kind"
          />
        </Form.Item>
        <Form.Item name="date" label={t('schedule.date')} rules={[{ required: true }]}>
          <DatePicker style={{ width: '100%' }} data-testid="exception-date" />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="start" label={t('schedule.start')} rules={[{ required: true }]}>
              <Select showSearch options={CLOCK} data-testid="exception-start" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item
              name="end"
              label={t('schedule.end')}
              dependencies={['start', 'slotMinutes', 'kind']}
              rules={[
                { required: true },
                spanRule(() => ({ start: xForm.getFieldValue('start'), end: xForm.getFieldValue('end'), slot: xForm.getFieldValue('kind') === 'extra' ? xForm.getFieldValue('slotMinutes') : undefined })),
              ]}
            >
              <Select showSearch options={CLOCK} data-testid="exception-end" />
            </Form.Item>
          </Col>
        </Row>
        {kind === 'extra' ? (
          <Form.Item name="slotMinutes" label={t('schedule.slotMinutes')} rules={[{ required: true }]}>
            <Select options={SLOT_MINUTES.map((n) => ({ value: n, label: t('schedule.minutes', { n }) }))} data-testid="exception-slotMinutes" />
          </Form.Item>
        ) : null}
        <Typography.Text type="secondary">{t('schedule.beijingHint')}</Typography.Text>
      </FormModal>
    </Card>
  );
}
