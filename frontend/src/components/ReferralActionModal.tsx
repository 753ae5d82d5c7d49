import { App, Checkbox, DatePicker, Form, Input, Radio, Select, Typography } from 'antd';
import dayjs from 'dayjs';
import { isApiError } from '../api/client';
import { listMembers } from '../api/directory';
import { actOnReferral } from '../api/referrals';
import type { Direction, ReferralAction, ReferralDetail } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel, enumOptions } from '../i18n/enums';
import { actionSpec, buildActionBody, fieldPath, type ActionSpec, type ActionValues } from '../referrals/logic';
import { placeError } from '../utils/formErrors';
import { useLoad } from '../utils/useLoad';
import { FormModal } from './FormModal';
import { Icd10Select } from './Icd10Select';

const CLINICAL_FIELDS = [
  'reason',
  'summary',
  'diagnoses',
  'riskGrade',
  'unstable',
  'medication',
  'dischargeSummary',
  'medicationPlan',
  'followUpPlan',
];

/** The fields (server names) the form of this action shows, to put a field error under. */
function shownFields(spec: ActionSpec, direction: Direction): string[] {
  const out: string[] = [];
  if (spec.note !== 'none') out.push('note');
  if (spec.schedule) out.push('at', 'place');
  if (spec.redirect) out.push('receiverInstitutionId', 'receiverDepartment');
  if (spec.outcome) out.push('outcome.summary', 'outcome.diagnoses', 'outcome.plan');
  if (spec.followUp) out.push('followUp.date', 'followUp.riskGrade', 'followUp.condition', 'followUp.notes');
  if (spec.revision) {
    const downOnly = ['dischargeSummary', 'medicationPlan', 'followUpPlan'];
    out.push(...CLINICAL_FIELDS.filter((f) => direction === 'down' || !downOnly.includes(f)).map((f) => `revision.${f}`));
  }
  return out;
}

interface Props {
  referral: ReferralDetail;
  /** the action, with the version of the referral the user saw when opening the form */
  open: { action: ReferralAction; version: number } | null;
  onClose: () => void;
  /** after the server took the action */
  onDone: (r: ReferralDetail) => void;
  /** the referral changed meanwhile (409): reload it */
  onConflict: () => void;
}

/** The small form one referral action needs, sending the version the user saw. */
export function ReferralActionModal({ referral: r, open, onClose, onDone, onConflict }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ActionValues>();
  const action = open?.action;
  const spec = action ? actionSpec(action, r.direction, r.status) : null;
  const members = useLoad(
    () => (spec?.redirect ? listMembers(r.allianceId).then((x) => x.items) : Promise.resolve([])),
    [spec?.redirect, r.allianceId],
  );

  const submit = async (v: ActionValues) => {
    if (!open) return;
    try {
      const updated = await actOnReferral(r.id, open.action, buildActionBody(open.action, open.version, v, r));
      message.success(t('referral.actionDone', { action: enumLabel(t, 'action', open.action) }));
      onDone(updated);
    } catch (e) {
      if (isApiError(e) && e.status === 409 && e.field !== 'Idempotency-Key') {
        message.warning(t('referral.conflict'));
        onConflict();
        throw e;
      }
      let field = isApiError(e) ? e.field : undefined;
      if (field && open.action === 'submit' && CLINICAL_FIELDS.includes(field)) field = `revision.${field}`;
      const text = placeError(e, [], t('common.failed')).message;
      if (field && spec && shownFields(spec, r.direction).includes(field)) {
        form.setFields([{ name: fieldPath(field) as never, errors: [text] }]);
      } else {
        message.error(text);
      }
      throw e;
    }
  };

  const initial: ActionValues = {
    at: dayjs().add(1, 'day').hour(9).minute(0).second(0).millisecond(0),
    outcome: { summary: '', diagnoses: r.diagnoses ?? [], plan: '' },
    followUp: { date: dayjs(), riskGrade: 0, condition: 'stable', notes: '' },
    revision: {
      reason: r.reason,
      summary: r.summary,
      diagnoses: r.diagnoses,
      riskGrade: r.riskGrade,
      unstable: r.unstable,
      medication: r.medication,
      dischargeSummary: r.dischargeSummary,
      medicationPlan: r.medicationPlan,
      followUpPlan: r.followUpPlan,
    },
  };

  const otherMembers = (members.data ?? []).filter(
    (m) => m.institutionId !== r.senderInstitutionId && m.institutionId !== r.receiverInstitutionId,
  );

  return (
    <FormModal<ActionValues>
      open={open !== null}
      title={action ? enumLabel(t, 'action', action) : ''}
      testId="action-modal"
      form={form}
      initialValues={initial}
      submitText={action ? enumLabel(t, 'action', action) : undefined}
      width={spec?.outcome || spec?.revision ? 680 : 520}
      onCancel={onClose}
      onSubmit={submit}
    >
      {spec && action ? (
        <>
          <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
            {r.patient?.name} · {enumLabel(t, 'dir', r.direction)} · {enumLabel(t, 'urgency', r.urgency)}
          </Typography.Paragraph>

          {spec.redirect ? (
            <>
              <Form.Item name="receiverInstitutionId" label={t('field.newReceiver')} rules={[{ required: true }]}>
                <Select
                  showSearch={{ optionFilterProp: 'label' }}
                  loading={members.loading}
                  options={otherMembers.map((m) => ({ value: m.institutionId, label: m.institution?.name ?? m.institutionId }))}
                  data-testid="action-receiver"
                />
              </Form.Item>
              <Form.Item name="receiverDepartment" label={t('field.receiverDepartment')}>
                <Input maxLength={100} data-testid="action-receiverDepartment" />
              </Form.Item>
            </>
          ) : null}

          {spec.schedule ? (
            <>
              <Form.Item name="at" label={t('field.appointmentAt')} rules={[{ required: true }]}>
                <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} data-testid="action-at" />
              </Form.Item>
              <Form.Item name="place" label={t('field.place')} rules={[{ required: true, whitespace: true }]}>
                <Input maxLength={200} data-testid="action-place" />
              </Form.Item>
            </>
          ) : null}

          {spec.outcome ? (
            <>
              <Form.Item name={['outcome', 'summary']} label={t('field.outcomeSummary')} rules={[{ required: true, whitespace: true }]}>
                <Input.TextArea rows={3} maxLength={8000} data-testid="action-outcome-summary" />
              </Form.Item>
              <Form.Item
                name={['outcome', 'diagnoses']}
                label={t('field.outcomeDiagnoses')}
                rules={spec.outcomeDetailsRequired ? [{ required: true, type: 'array', min: 1 }] : []}
              >
                <Icd10Select data-testid="action-outcome-diagnoses" />
              </Form.Item>
              <Form.Item
                name={['outcome', 'plan']}
                label={t('field.outcomePlan')}
                rules={spec.outcomeDetailsRequired ? [{ required: true, whitespace: true }] : []}
              >
                <Input.TextArea rows={3} maxLength={4000} data-testid="action-outcome-plan" />
              </Form.Item>
            </>
          ) : null}

          {spec.followUp ? (
            <>
              <Typography.Title level={5}>{t('referral.followUp')}</Typography.Title>
              <Form.Item name={['followUp', 'date']} label={t('field.followUpDate')} rules={[{ required: true }]}>
                <DatePicker
                  style={{ width: '100%' }}
                  disabledDate={(d) => d.isAfter(dayjs(), 'day')}
                  data-testid="action-followup-date"
                />
              </Form.Item>
              <Form.Item name={['followUp', 'riskGrade']} label={t('field.riskGrade')} rules={[{ required: true }]}>
                <Select options={enumOptions(t, 'risk')} popupMatchSelectWidth={false} data-testid="action-followup-riskGrade" />
              </Form.Item>
              <Form.Item name={['followUp', 'condition']} label={t('field.condition')} rules={[{ required: true }]}>
                <Radio.Group
                  optionType="button"
                  buttonStyle="solid"
                  options={enumOptions(t, 'condition')}
                  data-testid="action-followup-condition"
                />
              </Form.Item>
              <Form.Item name={['followUp', 'notes']} label={t('field.followUpNotes')}>
                <Input.TextArea rows={3} maxLength={4000} data-testid="action-followup-notes" />
              </Form.Item>
            </>
          ) : null}

          {spec.revision ? (
            <>
              <Form.Item name={['revision', 'reason']} label={t('field.reason')} rules={[{ required: true, whitespace: true }]}>
                <Input maxLength={500} data-testid="action-revision-reason" />
              </Form.Item>
              <Form.Item name={['revision', 'summary']} label={t('field.summary')} rules={[{ required: true, whitespace: true }]}>
                <Input.TextArea rows={4} maxLength={8000} data-testid="action-revision-summary" />
              </Form.Item>
              <Form.Item name={['revision', 'diagnoses']} label={t('field.diagnoses')}>
                <Icd10Select data-testid="action-revision-diagnoses" />
              </Form.Item>
              <Form.Item name={['revision', 'riskGrade']} label={t('field.riskGrade')} rules={[{ required: true }]}>
                <Select options={enumOptions(t, 'risk')} popupMatchSelectWidth={false} data-testid="action-revision-riskGrade" />
              </Form.Item>
              <Form.Item name={['revision', 'unstable']} valuePropName="checked">
                <Checkbox>{t('field.unstable')}</Checkbox>
              </Form.Item>
              <Form.Item name={['revision', 'medication']} label={t('field.medication')}>
                <Input.TextArea rows={2} maxLength={2000} />
              </Form.Item>
              {r.direction === 'down' ? (
                <>
                  <Form.Item name={['revision', 'dischargeSummary']} label={t('field.dischargeSummary')} rules={[{ required: true, whitespace: true }]}>
                    <Input.TextArea rows={3} maxLength={8000} />
                  </Form.Item>
                  <Form.Item name={['revision', 'medicationPlan']} label={t('field.medicationPlan')} rules={[{ required: true, whitespace: true }]}>
                    <Input.TextArea rows={3} maxLength={4000} />
                  </Form.Item>
                  <Form.Item name={['revision', 'followUpPlan']} label={t('field.followUpPlan')} rules={[{ required: true, whitespace: true }]}>
                    <Input.TextArea rows={3} maxLength={4000} />
                  </Form.Item>
                </>
              ) : null}
            </>
          ) : null}

          {spec.note !== 'none' ? (
            <Form.Item
              name="note"
              label={t(spec.noteLabel)}
              rules={spec.note === 'required' ? [{ required: true, whitespace: true }] : []}
            >
              <Input.TextArea rows={3} maxLength={4000} data-testid="action-note" />
            </Form.Item>
          ) : null}
        </>
      ) : null}
    </FormModal>
  );
}
