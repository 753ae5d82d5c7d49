// Annual goals of an alliance's members, for its administrator: the list for one year, a form
// to set a goal (member × measure, target, weight), editing the target and weight (optimistic
// versioning: a goal changed meanwhile answers 409 and the list reloads), and deletion. The
// scoreboard rates members against exactly these goals.
import { useState } from 'react';
import { Alert, App, Button, Form, InputNumber, Modal, Popconfirm, Select, Space, Table, Typography } from 'antd';
import { createGoal, deleteGoal, listGoals, listMeasures, updateGoal, type Goal } from '../api/analytics';
import { isApiError } from '../api/client';
import { useI18n } from '../i18n/I18nProvider';
import { useLoad } from '../utils/useLoad';
import { errorText } from '../utils/errorText';
import { goalTargetProblem, measureLabel, type GoalNumbers } from './logic';

interface Props {
  allianceId: string;
  year: number;
  members: { id: string; name: string }[];
  /** Called after any change, so the scoreboard re-rates. */
  onChanged: () => void;
}

interface NewGoal extends GoalNumbers {
  institutionId: string;
  measure: string;
}

export function GoalsEditor({ allianceId, year, members, onChanged }: Props) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const goals = useLoad(() => listGoals(year, allianceId).then((r) => r.items), [year, allianceId]);
  const measures = useLoad(() => listMeasures().then((r) => r.items), []);
  const [form] = Form.useForm<NewGoal>();
  const [editing, setEditing] = useState<Goal>();
  const [editForm] = Form.useForm<GoalNumbers>();
  const [busy, setBusy] = useState(false);

  const kindOf = (key: string) => measures.data?.find((m) => m.key === key)?.kind ?? 'count';
  const labelOf = (key: string) => {
    const m = measures.data?.find((x) => x.key === key);
    return m ? measureLabel(m, lang) : key;
  };
  const memberName = new Map(members.map((m) => [m.id, m.name]));
  const changed = () => {
    goals.reload();
    onChanged();
  };
  // A problem the server reports with a field goes under that field; anything else as a message.
  const report = (f: typeof form | typeof editForm, e: unknown) => {
    if (isApiError(e) && e.status === 409) {
      message.warning(t('goals.stale'));
      setEditing(undefined);
      goals.reload();
      return;
    }
    const field = isApiError(e) ? e.field : undefined;
    if (field && ['institutionId', 'measure', 'target', 'weight'].includes(field)) {
      f.setFields([{ name: field as never, errors: [errorText(e, t('common.failed'))] }]);
    } else {
      message.error(errorText(e, t('common.failed')));
    }
  };

  const add = async (v: NewGoal) => {
    setBusy(true);
    try {
      await createGoal({ allianceId, year, institutionId: v.institutionId, measure: v.measure, target: v.target, weight: v.weight });
      message.success(t('goals.saved'));
      form.resetFields(['target']);
      changed();
    } catch (e) {
      report(form, e);
    } finally {
      setBusy(false);
    }
  };

  const save = async (v: GoalNumbers) => {
    if (!editing) return;
    setBusy(true);
    try {
      await updateGoal(editing.id, { target: v.target, weight: v.weight, version: editing.version });
      message.success(t('goals.saved'));
      setEditing(undefined);
      changed();
    } catch (e) {
      report(editForm, e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (g: Goal) => {
    try {
      await deleteGoal(g.id);
      changed();
    } catch (e) {
      message.error(errorText(e, t('common.failed')));
    }
  };

  const targetRule = (measureField: () => string) => ({
    validator: (_: unknown, target: number | null) => {
      const p = goalTargetProblem(kindOf(measureField()), target);
      return p ? Promise.reject(new Error(t(p))) : Promise.resolve();
    },
  });

  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="goals-editor">
      <Typography.Text type="secondary">{t('goals.help', { year })}</Typography.Text>
      <Form form={form} layout="inline" onFinish={(v) => void add(v)} initialValues={{ weight: 1 }} data-testid="goal-form">
        <Form.Item name="institutionId" rules={[{ required: true, message: t('goals.pickMember') }]}>
          <Select
            data-testid="goal-member"
            showSearch={{ optionFilterProp: 'label' }}
            style={{ minWidth: 220 }}
            placeholder={t('goals.member')}
            options={members.map((m) => ({ value: m.id, label: m.name }))}
          />
        </Form.Item>
        <Form.Item name="measure" rules={[{ required: true, message: t('goals.pickMeasure') }]}>
          <Select
            data-testid="goal-measure"
            showSearch={{ optionFilterProp: 'label' }}
            style={{ minWidth: 260 }}
            placeholder={t('goals.measure')}
            options={(measures.data ?? []).map((m) => ({ value: m.key, label: measureLabel(m, lang) }))}
          />
        </Form.Item>
        <Form.Item name="target" rules={[targetRule(() => form.getFieldValue('measure') as string)]}>
          <InputNumber data-testid="goal-target" placeholder={t('goals.target')} min={0} />
        </Form.Item>
        <Form.Item name="weight" label={t('goals.weight')} rules={[{ required: true, type: 'number', min: 0.1, max: 100, message: t('goals.weightRange') }]}>
          <InputNumber data-testid="goal-weight" min={0.1} max={100} step={0.5} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="goal-add">
          {t('goals.add')}
        </Button>
      </Form>
      {goals.error ? <Alert type="error" showIcon title={errorText(goals.error, t('dash.loadFailed'))} /> : null}
      <Table<Goal>
        data-testid="goals-table"
        size="small"
        rowKey="id"
        loading={goals.loading}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t('dash.noGoals') }}
        dataSource={goals.data ?? []}
        columns={[
          { title: t('goals.member'), key: 'm', render: (_, g) => memberName.get(g.institutionId) ?? g.institutionId },
          { title: t('goals.measure'), key: 'k', render: (_, g) => labelOf(g.measure) },
          { title: t('goals.target'), dataIndex: 'target' },
          { title: t('goals.weight'), dataIndex: 'weight' },
          {
            title: '',
            key: 'actions',
            render: (_, g) => (
              <Space size="small">
                <Button
                  size="small"
                  data-testid={`goal-edit-${g.measure}`}
                  onClick={() => {
                    setEditing(g);
                    editForm.setFieldsValue({ target: g.target, weight: g.weight });
                  }}
                >
                  {t('common.edit')}
                </Button>
                <Popconfirm title={t('goals.deleteConfirm')} onConfirm={() => void remove(g)} okText={t('common.remove')}>
                  <Button size="small" danger data-testid={`goal-delete-${g.measure}`}>
                    {t('common.remove')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={!!editing}
        title={editing ? `${memberName.get(editing.institutionId) ?? ''} · ${labelOf(editing.measure)}` : ''}
        onCancel={() => setEditing(undefined)}
        onOk={() => editForm.submit()}
        okButtonProps={{ loading: busy, 'data-testid': 'goal-save' } as never}
        destroyOnHidden
      >
        <Form form={editForm} layout="vertical" onFinish={(v) => void save(v)}>
          <Form.Item name="target" label={t('goals.target')} rules={[targetRule(() => editing?.measure ?? '')]}>
            <InputNumber data-testid="goal-edit-target" min={0} style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="weight" label={t('goals.weight')} rules={[{ required: true, type: 'number', min: 0.1, max: 100, message: t('goals.weightRange') }]}>
            <InputNumber data-testid="goal-edit-weight" min={0.1} max={100} step={0.5} style={{ width: '100%' }} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
